"""Pipelines built with the SageMaker Python SDK v3's own classes, in the style of AWS's
published examples (the abalone MLOps template; a churn model with a custom preprocessing
image), offline. Their code comes from the code bundle, as the spec runs it (entrypoint
``BUNDLE_BOOTSTRAP``), and their outputs are execution-scoped, so their definitions are
ones a spec can reproduce; ``abalone(per_file_code=True)`` is the template as AWS writes it,
with each script uploaded on its own (``ScriptProcessor(command=["python3"]).run(code=...)``)."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from compiler.emit.processing import BUNDLE_BOOTSTRAP, CODE_DIR
from compiler.emit_sdk import FAKE_KEYS, TELEMETRY_OPT_OUT, offline_sdk

REGION = "us-west-2"
ACCOUNT = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole"
BUCKET = "sagemaker-us-west-2-444455556666"


def _session() -> Any:
    import boto3
    from sagemaker.core.workflow.pipeline_context import PipelineSession

    return PipelineSession(
        boto_session=boto3.Session(region_name=REGION, **FAKE_KEYS),
        sagemaker_config=copy.deepcopy(TELEMETRY_OPT_OUT),
        default_bucket=BUCKET,
    )


def _scoped(pipeline: str, step: str, output: str) -> Any:
    from sagemaker.core.workflow.execution_variables import ExecutionVariables
    from sagemaker.core.workflow.functions import Join

    return Join(
        on="/",
        values=[
            f"s3://{BUCKET}/runtime",
            pipeline,
            ExecutionVariables.PIPELINE_EXECUTION_ID,
            step,
            output,
        ],
    )


def _input(name: str, uri: Any, local_path: str) -> Any:
    from sagemaker.core.shapes import ProcessingInput, ProcessingS3Input

    return ProcessingInput(
        input_name=name,
        s3_input=ProcessingS3Input(
            s3_uri=uri,
            local_path=local_path,
            s3_data_type="S3Prefix",
            s3_input_mode="File",
            s3_data_distribution_type="FullyReplicated",
            s3_compression_type="None",
        ),
    )


def _output(name: str, uri: Any, local_path: str) -> Any:
    from sagemaker.core.shapes import ProcessingOutput, ProcessingS3Output

    return ProcessingOutput(
        output_name=name,
        s3_output=ProcessingS3Output(s3_uri=uri, local_path=local_path, s3_upload_mode="EndOfJob"),
    )


def _channel(name: str, uri: Any) -> Any:
    from sagemaker.core.shapes import Channel, DataSource, S3DataSource

    return Channel(
        channel_name=name,
        data_source=DataSource(
            s3_data_source=S3DataSource(
                s3_data_type="S3Prefix", s3_uri=uri, s3_data_distribution_type="FullyReplicated"
            )
        ),
        content_type="text/csv",
        input_mode="File",
    )


def abalone(per_file_code: bool = False) -> str:
    """AWS's abalone template: preprocess -> train XGBoost -> evaluate -> MSE gate ->
    register, or fail with the MSE in the message. Returns ``pipeline.definition()``."""
    with offline_sdk(REGION):
        from sagemaker.core import image_uris
        from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
        from sagemaker.core.processing import Processor, ScriptProcessor
        from sagemaker.core.shapes import StoppingCondition
        from sagemaker.core.training.configs import Compute, OutputDataConfig
        from sagemaker.core.workflow.conditions import ConditionLessThanOrEqualTo
        from sagemaker.core.workflow.functions import Join, JsonGet
        from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString
        from sagemaker.core.workflow.properties import PropertyFile
        from sagemaker.mlops.workflow.condition_step import ConditionStep
        from sagemaker.mlops.workflow.fail_step import FailStep
        from sagemaker.mlops.workflow.model_step import ModelStep
        from sagemaker.mlops.workflow.pipeline import Pipeline
        from sagemaker.mlops.workflow.steps import CacheConfig, ProcessingStep, TrainingStep
        from sagemaker.serve.model_builder import ModelBuilder
        from sagemaker.train.model_trainer import ModelTrainer

        name = "AbalonePipeline"
        session = _session()
        code = ParameterString(
            name="CodeBundleUri",
            default_value=f"s3://{BUCKET}/pipeline/code/0a1b2c3/pipeline_code.tar.gz",
        )
        input_data = ParameterString(
            name="InputDataUrl", default_value=f"s3://{BUCKET}/abalone/abalone-dataset.csv"
        )
        mse_threshold = ParameterFloat(name="MseThreshold", default_value=6.0)
        sklearn = image_uris.retrieve("sklearn", REGION, version="1.2-1")
        xgboost = image_uris.retrieve("xgboost", REGION, version="1.7-1")
        cache = CacheConfig(enable_caching=True, expire_after="PT12H")

        def processor(image: str, script: str) -> Any:
            if per_file_code:
                return ScriptProcessor(
                    role=ROLE,
                    image_uri=image,
                    command=["python3"],
                    instance_count=1,
                    instance_type="ml.m5.xlarge",
                    sagemaker_session=session,
                )
            return Processor(
                role=ROLE,
                image_uri=image,
                instance_count=1,
                instance_type="ml.m5.xlarge",
                entrypoint=["/bin/sh", "-c", BUNDLE_BOOTSTRAP, script],
                sagemaker_session=session,
            )

        def run(proc: Any, script: str, inputs: list[Any], outputs: list[Any]) -> Any:
            if per_file_code:
                return proc.run(
                    code=f"s3://{BUCKET}/abalone/code/{script}", inputs=inputs, outputs=outputs
                )
            return proc.run(inputs=[*inputs, _input("code", code, CODE_DIR)], outputs=outputs)

        prep_args = run(
            processor(sklearn, "preprocess.py"),
            "preprocess.py",
            [_input("input", input_data, "/opt/ml/processing/input")],
            [
                _output(o, _scoped(name, "PreprocessAbaloneData", o), f"/opt/ml/processing/{o}")
                for o in ("train", "validation", "test")
            ],
        )
        prep = ProcessingStep(name="PreprocessAbaloneData", step_args=prep_args, cache_config=cache)
        outputs = prep.properties.ProcessingOutputConfig.Outputs
        trainer = ModelTrainer(
            training_image=xgboost,
            role=ROLE,
            compute=Compute(instance_type="ml.m5.xlarge", instance_count=1, volume_size_in_gb=30),
            hyperparameters={
                "objective": "reg:linear",
                "num_round": "50",
                "max_depth": "5",
                "eta": "0.2",
                "gamma": "4",
                "min_child_weight": "6",
                "subsample": "0.7",
            },
            stopping_condition=StoppingCondition(max_runtime_in_seconds=86400),
            output_data_config=OutputDataConfig(
                s3_output_path=_scoped(name, "TrainAbaloneModel", "model"),
                compression_type="GZIP",
            ),
            input_data_config=[
                _channel("train", outputs["train"].S3Output.S3Uri),
                _channel("validation", outputs["validation"].S3Output.S3Uri),
            ],
            environment={},
            sagemaker_session=session,
        )
        train = TrainingStep(
            name="TrainAbaloneModel", step_args=trainer.train(), cache_config=cache
        )
        model = train.properties.ModelArtifacts.S3ModelArtifacts
        report = PropertyFile(
            name="EvaluationReport", output_name="evaluation", path="evaluation.json"
        )
        evaluate_args = run(
            processor(xgboost, "evaluate.py"),
            "evaluate.py",
            [
                _input("model", model, "/opt/ml/processing/model"),
                _input("test", outputs["test"].S3Output.S3Uri, "/opt/ml/processing/test"),
            ],
            [
                _output(
                    "evaluation",
                    _scoped(name, "EvaluateAbaloneModel", "evaluation"),
                    "/opt/ml/processing/evaluation",
                )
            ],
        )
        evaluate = ProcessingStep(
            name="EvaluateAbaloneModel",
            step_args=evaluate_args,
            property_files=[report],
            cache_config=cache,
        )
        evaluation_uri = evaluate.properties.ProcessingOutputConfig.Outputs[
            "evaluation"
        ].S3Output.S3Uri
        register_args = ModelBuilder(
            image_uri=xgboost,
            s3_model_data_url=model,
            role_arn=ROLE,
            env_vars={},
            sagemaker_session=session,
            dependencies=None,
            log_level=logging.WARNING,
        ).register(
            model_package_group_name="AbaloneModelPackageGroupName",
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.t2.medium", "ml.m5.large"],
            transform_instances=["ml.m5.large"],
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(
                    s3_uri=Join(on="/", values=[evaluation_uri, "evaluation.json"]),
                    content_type="application/json",
                )
            ),
            approval_status="PendingManualApproval",
        )
        register = ModelStep(name="RegisterAbaloneModel", step_args=register_args)
        fail = FailStep(
            name="AbaloneMSEFail",
            error_message=Join(on=" ", values=["Execution failed due to MSE >", mse_threshold]),
        )
        gate = ConditionStep(
            name="CheckMSEAbaloneEvaluation",
            conditions=[
                ConditionLessThanOrEqualTo(
                    left=JsonGet(
                        step_name=evaluate.name,
                        property_file=report,
                        json_path="regression_metrics.mse.value",
                    ),
                    right=mse_threshold,
                )
            ],
            if_steps=[register],
            else_steps=[fail],
        )
        pipeline = Pipeline(
            name=name,
            parameters=[input_data, mse_threshold]
            if per_file_code
            else [code, input_data, mse_threshold],
            steps=[prep, train, evaluate, gate],
            sagemaker_session=session,
        )
        return str(pipeline.definition())


def churn() -> str:
    """A churn model in the style of AWS's customer-churn example: a custom preprocessing
    image with an environment and an execution-id argument, a scikit-learn training job,
    an AUC gate of two conditions, and a fail step. Returns ``pipeline.definition()``."""
    with offline_sdk(REGION):
        from sagemaker.core import image_uris
        from sagemaker.core.processing import Processor
        from sagemaker.core.shapes import StoppingCondition
        from sagemaker.core.training.configs import Compute, OutputDataConfig
        from sagemaker.core.workflow.conditions import (
            ConditionEquals,
            ConditionGreaterThanOrEqualTo,
        )
        from sagemaker.core.workflow.execution_variables import ExecutionVariables
        from sagemaker.core.workflow.functions import Join, JsonGet
        from sagemaker.core.workflow.parameters import (
            ParameterBoolean,
            ParameterFloat,
            ParameterInteger,
            ParameterString,
        )
        from sagemaker.core.workflow.properties import PropertyFile
        from sagemaker.mlops.workflow.condition_step import ConditionStep
        from sagemaker.mlops.workflow.fail_step import FailStep
        from sagemaker.mlops.workflow.pipeline import Pipeline
        from sagemaker.mlops.workflow.steps import CacheConfig, ProcessingStep, TrainingStep
        from sagemaker.train.model_trainer import ModelTrainer

        name = "CustomerChurn"
        session = _session()
        code = ParameterString(
            name="Code", default_value=f"s3://{BUCKET}/code/main/pipeline_code.tar.gz"
        )
        raw = ParameterString(name="RawData", default_value=f"s3://{BUCKET}/churn/raw/")
        min_auc = ParameterFloat(name="MinAuc", default_value=0.8)
        folds = ParameterInteger(name="Folds", default_value=5)
        strict = ParameterBoolean(name="Strict", default_value=True)
        custom = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn-prep:2024.1"
        sklearn = image_uris.retrieve("sklearn", REGION, version="1.2-1")
        prep = ProcessingStep(
            name="ChurnPreprocess",
            display_name="Prepare churn data",
            step_args=Processor(
                role=ROLE,
                image_uri=custom,
                instance_count=2,
                instance_type="ml.c5.2xlarge",
                volume_size_in_gb=50,
                entrypoint=["/bin/sh", "-c", BUNDLE_BOOTSTRAP, "churn/preprocess.py"],
                env={"LOG_LEVEL": "info"},
                sagemaker_session=session,
            ).run(
                inputs=[
                    _input("raw", raw, "/opt/ml/processing/raw"),
                    _input("code", code, CODE_DIR),
                ],
                outputs=[
                    _output(o, _scoped(name, "ChurnPreprocess", o), f"/opt/ml/processing/{o}")
                    for o in ("train", "test")
                ],
                arguments=[
                    "--execution",
                    ExecutionVariables.PIPELINE_EXECUTION_ID,
                    "--folds",
                    folds.to_string(),
                    "--strict",
                    strict.to_string(),
                ],
            ),
            cache_config=CacheConfig(enable_caching=False),
        )
        outputs = prep.properties.ProcessingOutputConfig.Outputs
        train = TrainingStep(
            name="ChurnTrain",
            description="Random forest on the prepared data",
            step_args=ModelTrainer(
                training_image=sklearn,
                role=ROLE,
                compute=Compute(
                    instance_type="ml.m5.2xlarge", instance_count=1, volume_size_in_gb=30
                ),
                hyperparameters={"n_estimators": "200", "max_depth": "8", "criterion": "gini"},
                stopping_condition=StoppingCondition(max_runtime_in_seconds=7200),
                output_data_config=OutputDataConfig(
                    s3_output_path=_scoped(name, "ChurnTrain", "model"), compression_type="GZIP"
                ),
                input_data_config=[_channel("train", outputs["train"].S3Output.S3Uri)],
                environment={"SAGEMAKER_PROGRAM": "train.py"},
                sagemaker_session=session,
            ).train(),
            cache_config=CacheConfig(enable_caching=True, expire_after="P30D"),
        )
        report = PropertyFile(name="Metrics", output_name="metrics", path="metrics.json")
        evaluate = ProcessingStep(
            name="ChurnEvaluate",
            step_args=Processor(
                role=ROLE,
                image_uri=sklearn,
                instance_count=2,
                instance_type="ml.c5.2xlarge",
                volume_size_in_gb=50,
                entrypoint=["/bin/sh", "-c", BUNDLE_BOOTSTRAP, "churn/evaluate.py"],
                sagemaker_session=session,
            ).run(
                inputs=[
                    _input(
                        "model",
                        train.properties.ModelArtifacts.S3ModelArtifacts,
                        "/opt/ml/processing/model",
                    ),
                    _input("test", outputs["test"].S3Output.S3Uri, "/opt/ml/processing/test"),
                    _input("code", code, CODE_DIR),
                ],
                outputs=[
                    _output(
                        "metrics",
                        _scoped(name, "ChurnEvaluate", "metrics"),
                        "/opt/ml/processing/metrics",
                    )
                ],
            ),
            property_files=[report],
            cache_config=CacheConfig(enable_caching=False),
            depends_on=["ChurnTrain"],
        )
        fail = FailStep(
            name="ChurnAucTooLow",
            error_message=Join(
                on="",
                values=["AUC below ", min_auc, " in ", ExecutionVariables.PIPELINE_EXECUTION_ID],
            ),
        )
        gate = ConditionStep(
            name="ChurnGate",
            conditions=[
                ConditionGreaterThanOrEqualTo(
                    left=JsonGet(
                        step_name=evaluate.name,
                        property_file=report,
                        json_path="binary_classification_metrics.auc.value",
                    ),
                    right=min_auc,
                ),
                ConditionEquals(
                    left=JsonGet(
                        step_name=evaluate.name, property_file=report, json_path="checks[0].passed"
                    ),
                    right=True,
                ),
            ],
            if_steps=[],
            else_steps=[fail],
        )
        pipeline = Pipeline(
            name=name,
            parameters=[code, raw, min_auc, folds, strict],
            steps=[prep, train, evaluate, gate],
            sagemaker_session=session,
        )
        return str(pipeline.definition())


if __name__ == "__main__":  # print them, to look at
    print(json.dumps(json.loads(churn()), indent=2))


SPARK_SPEC = "tests/golden/spark/spec.yaml"
_UPLOAD = "sagemaker.core.spark.processing.S3Uploader.upload_string_as_file_body"


def spark_golden(env: str = "test") -> tuple[str, dict[str, bytes]]:
    """The Spark golden as SDK v3's PySparkProcessor defines it (the SDK emitter's fixture),
    and what PySparkProcessor uploads while it builds the definition: {S3 URI: bytes} (the
    configuration.json of each Spark step with a configuration)."""
    from pathlib import Path
    from unittest import mock

    from compiler.compile import check_spec_file, compile_spec_file
    from compiler.emit_sdk import build_sdk_pipeline

    spec = Path(__file__).resolve().parent.parent / SPARK_SPEC
    checked = check_spec_file(spec, env, {}, resolve_variables=True)
    assert checked.variables is not None
    region = checked.variables.values["region"]
    pipeline = build_sdk_pipeline(compile_spec_file(spec, env).spec, region)
    uploads: dict[str, bytes] = {}

    def upload(body: Any, desired_s3_uri: str, sagemaker_session: Any) -> None:
        uploads[desired_s3_uri] = body.getvalue()

    with offline_sdk(region), mock.patch(_UPLOAD, side_effect=upload):
        return str(pipeline.definition()), uploads


def pyspark_preprocess() -> tuple[str, dict[str, bytes]]:
    """AWS's "preprocess with PySpark" example as a pipeline step, written as its docs do:
    ``PySparkProcessor(...).run(submit_app=<S3 URI of the script>, submit_py_files=[S3],
    configuration=[...])``, its own ``smspark-submit`` entrypoint and code input (no bundle).
    Returns ``pipeline.definition()`` and what PySparkProcessor uploads while building it."""
    from unittest import mock

    uploads: dict[str, bytes] = {}

    def upload(body: Any, desired_s3_uri: str, sagemaker_session: Any) -> None:
        uploads[desired_s3_uri] = body.getvalue()

    with offline_sdk(REGION), mock.patch(_UPLOAD, side_effect=upload):
        from sagemaker.core.spark.processing import PySparkProcessor
        from sagemaker.core.workflow.parameters import ParameterString
        from sagemaker.mlops.workflow.pipeline import Pipeline
        from sagemaker.mlops.workflow.steps import ProcessingStep

        name = "AbalonePySpark"
        raw = ParameterString(name="RawUri", default_value=f"s3://{BUCKET}/abalone/raw/")
        processor = PySparkProcessor(
            role=ROLE,
            framework_version="3.3",
            instance_count=2,
            instance_type="ml.m5.xlarge",
            configuration_location=f"s3://{BUCKET}/runtime",
            sagemaker_session=_session(),
        )
        step_args = processor.run(
            submit_app=f"s3://{BUCKET}/abalone/code/preprocess.py",
            submit_py_files=[f"s3://{BUCKET}/abalone/code/features.py"],
            arguments=["--raw", raw],
            outputs=[
                _output(o, _scoped(name, "PreprocessPySpark", o), f"/opt/ml/processing/{o}")
                for o in ("train", "test")
            ],
            configuration=[
                {
                    "Classification": "spark-defaults",
                    "Properties": {"spark.executor.memory": "2g"},
                }
            ],
        )
        step = ProcessingStep(name="PreprocessPySpark", step_args=step_args)
        pipeline = Pipeline(name=name, parameters=[raw], steps=[step], sagemaker_session=_session())
        return str(pipeline.definition()), uploads
