"""Recorded SageMaker responses for the calls moto does not implement
(ListPipelineExecutionSteps, RetryPipelineExecution, StopPipelineExecution), shaped as the
API returns them; botocore's Stubber checks them against the service model."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

ACCOUNT = "111122223333"
PIPELINE = "titanic-modelbuild-dev"
EXECUTION = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:pipeline/{PIPELINE}/execution/k3x9w2m1q8ab"
EARLIER = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:pipeline/{PIPELINE}/execution/a1b2c3d4e5f6"
PREPROCESS_JOB = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:processing-job/pipelines-k3x9w2m1q8ab-DataPreProcessing-Ab12Cd34Ef"
TRAINING_JOB = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:training-job/pipelines-k3x9w2m1q8ab-TrainModel-Xy98Zw76Vu"
EVALUATION_JOB = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:processing-job/pipelines-k3x9w2m1q8ab-ModelEvaluation-Qr54St32Op"
NOTIFY_JOB = (
    f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:processing-job/pipelines-k3x9w2m1q8ab-Notify-Mn10Kl29Ji"
)
PACKAGE = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/titanic-survival-xgboost/7"
DELIMITER_FAILURE = (
    "AlgorithmError: framework error: ... Delimiter ',' is not found in the line. "
    "Check the input file format."
)


def at(minute: int) -> datetime:
    return datetime(2026, 1, 15, 9, minute, tzinfo=timezone.utc)


DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [],
    "Steps": [
        {"Name": "DataPreProcessing", "Type": "Processing", "Arguments": {}},
        {"Name": "TrainModel", "Type": "Training", "Arguments": {}},
        {
            "Name": "ModelEvaluation",
            "Type": "Processing",
            "Arguments": {},
            "PropertyFiles": [
                {
                    "PropertyFileName": "EvaluationReport",
                    "OutputName": "evaluation",
                    "FilePath": "evaluation.json",
                }
            ],
        },
        {
            "Name": "QualityGateAccuracy",
            "Type": "Condition",
            "Arguments": {
                "Conditions": [],
                "IfSteps": [{"Name": "RegisterModel", "Type": "RegisterModel", "Arguments": {}}],
                "ElseSteps": [],
            },
        },
    ],
}

# One step in each StepStatus the API defines (Starting, Executing, Stopping, Stopped,
# Failed, Succeeded), as ListPipelineExecutionSteps returns them.
STEPS_IN_EVERY_STATUS: list[dict[str, Any]] = [
    {
        "StepName": "DataPreProcessing",
        "StepStatus": "Succeeded",
        "StartTime": at(0),
        "EndTime": at(4),
        "AttemptCount": 1,
        "CacheHitResult": {"SourcePipelineExecutionArn": EARLIER},
        "Metadata": {"ProcessingJob": {"Arn": PREPROCESS_JOB}},
    },
    {
        "StepName": "TrainModel",
        "StepStatus": "Failed",
        "StartTime": at(4),
        "EndTime": at(9),
        "AttemptCount": 2,
        "FailureReason": DELIMITER_FAILURE,
        "Metadata": {"TrainingJob": {"Arn": TRAINING_JOB}},
    },
    {
        "StepName": "ModelEvaluation",
        "StepStatus": "Executing",
        "StartTime": at(9),
        "AttemptCount": 1,
        "Metadata": {"ProcessingJob": {"Arn": EVALUATION_JOB}},
    },
    {
        "StepName": "QualityGateAccuracy",
        "StepStatus": "Starting",
        "StartTime": at(10),
        "AttemptCount": 1,
        "Metadata": {},
    },
    {
        "StepName": "RegisterModel",
        "StepStatus": "Stopping",
        "StartTime": at(10),
        "AttemptCount": 1,
        "Metadata": {"RegisterModel": {"Arn": PACKAGE}},
    },
    {
        "StepName": "Notify",
        "StepStatus": "Stopped",
        "StartTime": at(10),
        "EndTime": at(11),
        "AttemptCount": 1,
        "FailureReason": "Step was stopped by the user.",
        "Metadata": {"ProcessingJob": {"Arn": NOTIFY_JOB}},
    },
]


def describe_execution(status: str, failure: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "PipelineArn": f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:pipeline/{PIPELINE}",
        "PipelineExecutionArn": EXECUTION,
        "PipelineExecutionDisplayName": "execution-1764219600000",
        "PipelineExecutionStatus": status,
        "CreationTime": at(0),
        "LastModifiedTime": at(11),
    }
    if failure:
        response["FailureReason"] = failure
    return response


def describe_processing_job(job_arn: str, outputs: dict[str, str]) -> dict[str, Any]:
    """DescribeProcessingJob of a finished job whose outputs went to ``outputs``."""
    return {
        "ProcessingJobName": job_arn.rsplit("/", 1)[1],
        "ProcessingJobArn": job_arn,
        "ProcessingJobStatus": "Completed",
        "CreationTime": at(9),
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 30,
            }
        },
        "AppSpecification": {"ImageUri": "sagemaker-xgboost:1.7-1"},
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": name,
                    "S3Output": {
                        "S3Uri": uri,
                        "LocalPath": f"/opt/ml/processing/{name}",
                        "S3UploadMode": "EndOfJob",
                    },
                }
                for name, uri in outputs.items()
            ]
        },
    }
