"""The calls moto lacks (ListPipelineExecutionSteps, RetryPipelineExecution,
StopPipelineExecution): botocore's Stubber checks each request's exact parameters against
the service model, and recorded responses drive the CLI through every StepStatus."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import recorded
from botocore.stub import ANY, Stubber

from pipeline.sagemaker import records
from pipeline.sagemaker.backend import SageMakerBackend
from pipeline.sagemaker.polling import PollPacer
from pipeline.sagemaker.session import AwsSettings, SmpipeBotoSession


class StubbedSession(SmpipeBotoSession):
    """Hands out one stubbed SageMaker client, to the SDK's resource classes and to boto3."""

    def __init__(self, settings: AwsSettings) -> None:
        super().__init__(settings)
        self.sagemaker = super().client("sagemaker", region_name=settings.region)
        self.stubber = Stubber(self.sagemaker)

    def client(self, *args: Any, **kwargs: Any) -> Any:
        service = args[0] if args else kwargs.get("service_name")
        return self.sagemaker if service == "sagemaker" else super().client(*args, **kwargs)


@pytest.fixture
def stubbed(aws_env: dict[str, str]) -> Iterator[tuple[SageMakerBackend, Stubber]]:
    session = StubbedSession(AwsSettings.from_environment())
    with session.stubber:
        yield SageMakerBackend(session=session, pacer=PollPacer(first=0.0)), session.stubber
        session.stubber.assert_no_pending_responses()


def expect_steps(stubber: Stubber, steps: list[dict[str, Any]], definition: bool = True) -> None:
    if definition:
        stubber.add_response(
            "describe_pipeline_definition_for_execution",
            {"PipelineDefinition": json.dumps(recorded.DEFINITION)},
            {"PipelineExecutionArn": recorded.EXECUTION},
        )
    stubber.add_response(
        "list_pipeline_execution_steps",
        {"PipelineExecutionSteps": steps},
        {"PipelineExecutionArn": recorded.EXECUTION, "SortOrder": "Ascending"},
    )


def test_list_steps_request_and_every_step_status(
    stubbed: tuple[SageMakerBackend, Stubber],
) -> None:
    backend, stubber = stubbed
    expect_steps(stubber, recorded.STEPS_IN_EVERY_STATUS)
    steps = {step.name: step for step in backend.list_steps(recorded.EXECUTION)}
    assert [s.status for s in steps.values()] == [
        "Succeeded",
        "Failed",
        "Executing",
        "Starting",
        "Stopping",
        "Stopped",
    ]
    assert steps["DataPreProcessing"].cache_source_execution == recorded.EARLIER
    assert steps["DataPreProcessing"].type == "Processing"
    train = steps["TrainModel"]
    assert train.type == "Training"
    assert train.failure_reason == recorded.DELIMITER_FAILURE
    assert train.attempt == 2
    assert train.metadata["TrainingJobArn"] == recorded.TRAINING_JOB
    assert train.metadata["LogGroup"] == "/aws/sagemaker/TrainingJobs"
    assert train.metadata["LogStreamPrefix"] == (
        "pipelines-k3x9w2m1q8ab-TrainModel-Xy98Zw76Vu/algo-1-"
    )
    evaluation = steps["ModelEvaluation"].metadata
    assert evaluation["LogGroup"] == "/aws/sagemaker/ProcessingJobs"
    assert evaluation["LogStreamPrefix"].startswith("pipelines-k3x9w2m1q8ab-ModelEvaluation-")
    assert steps["QualityGateAccuracy"].type == "Condition"
    assert steps["RegisterModel"].type == "RegisterModel"  # found inside the IfSteps
    assert steps["RegisterModel"].metadata["ModelPackageArn"] == recorded.PACKAGE
    assert steps["Notify"].failure_reason == "Step was stopped by the user."
    assert steps["Notify"].type == "Processing"  # not in the definition: from its metadata


def test_condition_outcome_and_fail_message_metadata() -> None:
    step = records.step_record(
        {
            "StepName": "QualityGateAccuracy",
            "StepStatus": "Succeeded",
            "Metadata": {"Condition": {"Outcome": "False"}},
        },
        {},
    )
    assert (step.type, dict(step.metadata)) == ("Condition", {"Outcome": "False"})
    failed = records.step_record(
        {"StepName": "Gate", "StepStatus": "Failed", "Metadata": {"Fail": {"ErrorMessage": "low"}}},
        {},
    )
    assert (failed.type, dict(failed.metadata)) == ("Fail", {"ErrorMessage": "low"})


def test_the_definition_is_read_once_per_execution(
    stubbed: tuple[SageMakerBackend, Stubber],
) -> None:
    backend, stubber = stubbed
    expect_steps(stubber, recorded.STEPS_IN_EVERY_STATUS[:1])
    expect_steps(stubber, recorded.STEPS_IN_EVERY_STATUS[:2], definition=False)
    assert len(backend.list_steps(recorded.EXECUTION)) == 1
    assert len(backend.list_steps(recorded.EXECUTION)) == 2


def test_retry_request(stubbed: tuple[SageMakerBackend, Stubber]) -> None:
    backend, stubber = stubbed
    stubber.add_response(
        "retry_pipeline_execution",
        {"PipelineExecutionArn": recorded.EXECUTION},
        {"PipelineExecutionArn": recorded.EXECUTION, "ClientRequestToken": ANY},
    )
    assert backend.retry(recorded.EXECUTION) == recorded.EXECUTION


def test_stop_request(stubbed: tuple[SageMakerBackend, Stubber]) -> None:
    backend, stubber = stubbed
    stubber.add_response(
        "stop_pipeline_execution",
        {"PipelineExecutionArn": recorded.EXECUTION},
        {"PipelineExecutionArn": recorded.EXECUTION, "ClientRequestToken": ANY},
    )
    backend.stop(recorded.EXECUTION)


def test_retry_of_a_running_execution_is_one_clear_line(
    stubbed: tuple[SageMakerBackend, Stubber],
) -> None:
    backend, stubber = stubbed
    stubber.add_client_error(
        "retry_pipeline_execution",
        service_error_code="ValidationException",
        service_message="Pipeline execution is not in a retryable state: Executing",
        expected_params={"PipelineExecutionArn": recorded.EXECUTION, "ClientRequestToken": ANY},
    )
    with pytest.raises(Exception) as failed:
        backend.retry(recorded.EXECUTION)
    assert str(failed.value) == (
        f"SageMaker rejected the request to retry execution {recorded.EXECUTION} "
        "(ValidationException): Pipeline execution is not in a retryable state: Executing"
    )


@pytest.mark.parametrize(
    ("status", "failure", "note"),
    [
        ("Starting", None, ""),
        ("Executing", None, ""),
        ("Stopping", None, ""),
        ("Stopped", "Step was stopped by the user.", "Step was stopped by the user."),
        ("Failed", recorded.DELIMITER_FAILURE, recorded.DELIMITER_FAILURE),
        ("Succeeded", None, ""),
    ],
)
def test_step_record_for_each_status(status: str, failure: str | None, note: str) -> None:
    item: dict[str, Any] = {"StepName": "TrainModel", "StepStatus": status, "AttemptCount": 1}
    if failure:
        item["FailureReason"] = failure
    step = records.step_record(item, {"TrainModel": "Training"})
    assert (step.status, step.failure_reason or "") == (status, note)


def smpipe(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, str, str]:
    """Run ``smpipe ARGS`` in this process as the console script would; (code, out, err)."""
    from pipeline.cli import main

    monkeypatch.setattr(sys, "argv", ["smpipe", *args])
    code = 0
    try:
        main()
    except SystemExit as ended:
        code = ended.code if isinstance(ended.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_steps_shows_every_status_and_the_failure_reason(
    stubbed: tuple[SageMakerBackend, Stubber], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    backend, stubber = stubbed
    monkeypatch.setattr("pipeline.sagemaker.backend.SageMakerBackend", lambda: backend)
    stubber.add_response(
        "describe_pipeline_execution",
        recorded.describe_execution("Failed", "Step failure: One or multiple steps failed."),
        {"PipelineExecutionArn": recorded.EXECUTION},
    )
    expect_steps(stubber, recorded.STEPS_IN_EVERY_STATUS)
    code, out, err = smpipe(
        ["steps", recorded.EXECUTION, "--backend", "sagemaker"], monkeypatch, capsys
    )
    assert (code, err) == (0, "")
    assert "execution k3x9w2m1q8ab of titanic-modelbuild-dev: Failed" in out
    assert "failure: Step failure: One or multiple steps failed." in out
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isupper()}
    assert (
        "Succeeded" in lines["DataPreProcessing"]
        and "cache hit from a1b2c3d4e5f6" in lines["DataPreProcessing"]
    )
    assert "Failed" in lines["TrainModel"] and "Delimiter ',' is not found" in lines["TrainModel"]
    for name, status in [
        ("ModelEvaluation", "Executing"),
        ("QualityGateAccuracy", "Starting"),
        ("RegisterModel", "Stopping"),
        ("Notify", "Stopped"),
    ]:
        assert status in lines[name]


def test_cli_logs_points_at_the_cloudwatch_stream(
    stubbed: tuple[SageMakerBackend, Stubber], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    backend, stubber = stubbed
    monkeypatch.setattr("pipeline.sagemaker.backend.SageMakerBackend", lambda: backend)
    expect_steps(stubber, recorded.STEPS_IN_EVERY_STATUS)
    code, out, _ = smpipe(
        ["logs", recorded.EXECUTION, "TrainModel", "--backend", "sagemaker"], monkeypatch, capsys
    )
    assert code == 0
    assert out.startswith(
        "CloudWatch log group /aws/sagemaker/TrainingJobs, streams "
        "pipelines-k3x9w2m1q8ab-TrainModel-Xy98Zw76Vu/algo-1-*"
    )


def test_cli_retry_and_stop(
    stubbed: tuple[SageMakerBackend, Stubber], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    backend, stubber = stubbed
    monkeypatch.setattr("pipeline.sagemaker.backend.SageMakerBackend", lambda: backend)
    stubber.add_response(
        "retry_pipeline_execution",
        {"PipelineExecutionArn": recorded.EXECUTION},
        {"PipelineExecutionArn": recorded.EXECUTION, "ClientRequestToken": ANY},
    )
    code, out, _ = smpipe(
        ["retry", recorded.EXECUTION, "--no-wait", "--backend", "sagemaker"], monkeypatch, capsys
    )
    assert (code, out) == (0, f"retrying execution {recorded.EXECUTION}\n")

    stubber.add_response(
        "stop_pipeline_execution",
        {"PipelineExecutionArn": recorded.EXECUTION},
        {"PipelineExecutionArn": recorded.EXECUTION, "ClientRequestToken": ANY},
    )
    stubber.add_response(
        "describe_pipeline_execution",
        recorded.describe_execution("Stopping"),
        {"PipelineExecutionArn": recorded.EXECUTION},
    )
    code, out, _ = smpipe(
        ["stop", recorded.EXECUTION, "--backend", "sagemaker"], monkeypatch, capsys
    )
    assert (code, out) == (0, f"execution {recorded.EXECUTION}: Stopping\n")


def test_cli_throttling_is_one_line_and_no_traceback(
    stubbed: tuple[SageMakerBackend, Stubber], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    backend, stubber = stubbed
    monkeypatch.setattr("pipeline.sagemaker.backend.SageMakerBackend", lambda: backend)
    stubber.add_client_error(
        "describe_pipeline_execution",
        service_error_code="ThrottlingException",
        service_message="Rate exceeded",
        http_status_code=400,
    )
    code, out, err = smpipe(
        ["steps", recorded.EXECUTION, "--backend", "sagemaker"], monkeypatch, capsys
    )
    assert code == 1
    assert out == ""
    assert err == (
        f"smpipe: error: cannot describe execution {recorded.EXECUTION}: AWS is throttling the "
        "requests (ThrottlingException) even after retries; wait a minute and run the command "
        "again (watch polls with backoff)\n"
    )


def test_step_log_reads_the_job_streams_from_cloudwatch(
    stubbed: tuple[SageMakerBackend, Stubber], aws_env: dict[str, str]
) -> None:
    from sagemaker_support import boto_client

    backend, stubber = stubbed
    logs = boto_client("logs", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    group, job = "/aws/sagemaker/TrainingJobs", "pipelines-k3x9w2m1q8ab-TrainModel-Xy98Zw76Vu"
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=f"{job}/algo-1-1768467840")
    now = int(time.time() * 1000)  # CloudWatch refuses events older than 14 days
    logs.put_log_events(
        logGroupName=group,
        logStreamName=f"{job}/algo-1-1768467840",
        logEvents=[
            {"timestamp": now, "message": "[0]#011train-logloss:0.61"},
            {"timestamp": now + 1, "message": "Delimiter ',' is not found in the line"},
        ],
    )
    expect_steps(stubber, recorded.STEPS_IN_EVERY_STATUS)
    text = backend.step_log(recorded.EXECUTION, "TrainModel")
    assert text.splitlines()[1:] == [
        "[0]#011train-logloss:0.61",
        "Delimiter ',' is not found in the line",
    ]


def test_property_file_reports_read_the_evaluation_of_the_finished_job(
    stubbed: tuple[SageMakerBackend, Stubber], aws_env: dict[str, str], bucket: str
) -> None:
    from sagemaker_support import boto_client

    backend, stubber = stubbed
    prefix = f"s3://{bucket}/pipeline/runtime/titanic-modelbuild-dev/k3x9w2m1q8ab/ModelEvaluation"
    boto_client("s3", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"]).put_object(
        Bucket=bucket,
        Key=prefix.split("/", 3)[3] + "/evaluation/evaluation.json",
        Body=json.dumps({"metrics": {"accuracy": 0.8212}}).encode(),
    )
    finished = [dict(step, StepStatus="Succeeded") for step in recorded.STEPS_IN_EVERY_STATUS]
    expect_steps(stubber, finished)
    stubber.add_response(
        "describe_processing_job",
        recorded.describe_processing_job(
            recorded.EVALUATION_JOB, {"evaluation": f"{prefix}/evaluation"}
        ),
        {"ProcessingJobName": recorded.EVALUATION_JOB.rsplit("/", 1)[1]},
    )
    assert backend.property_file_reports(recorded.EXECUTION) == [
        ("ModelEvaluation", "evaluation.json", {"metrics": {"accuracy": 0.8212}})
    ]


def test_reads_after_the_end_are_not_paced(aws_env: dict[str, str]) -> None:
    slept: list[float] = []
    session = StubbedSession(AwsSettings.from_environment())
    pacer = PollPacer(5.0, clock=lambda: 0.0, sleep=slept.append)
    backend = SageMakerBackend(session=session, pacer=pacer)
    with session.stubber as stubber:
        for status in ("Executing", "Executing", "Succeeded"):
            stubber.add_response(
                "describe_pipeline_execution",
                recorded.describe_execution(status),
                {"PipelineExecutionArn": recorded.EXECUTION},
            )
        expect_steps(stubber, recorded.STEPS_IN_EVERY_STATUS)
        backend.describe_execution(recorded.EXECUTION)
        backend.describe_execution(recorded.EXECUTION)  # a poll: paced
        assert slept == [5.0]
        backend.describe_execution(recorded.EXECUTION)  # paced, and now Succeeded
        backend.list_steps(recorded.EXECUTION)  # after the end: at once
        assert slept == [5.0, 7.5]
        stubber.assert_no_pending_responses()
