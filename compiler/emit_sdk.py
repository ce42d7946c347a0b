"""A checked spec -> SageMaker Python SDK v3 objects: the ``Pipeline`` the SDK would build.

The only compiler module that imports ``sagemaker``, and only when its functions run:
``smpipe compile`` never pays for the SDK (about 1 GB installed, 2 s to import). It builds,
offline, what a notebook written with the SDK would build (``PipelineSession``,
``ProcessingStep`` with a ``Processor``, ``TrainingStep`` with ``ModelTrainer``,
``ConditionStep`` with ``JsonGet`` on a ``PropertyFile``, ``ModelStep`` over
``ModelBuilder(...).register(...)``, ``CacheConfig``, parameters), so a test can show that
``json.loads(pipeline.definition())`` is the compiled JSON after one documented
normalisation (``normalise_sdk_definition``; docs/sdk-equivalence.md lists every difference).

Offline means: role validation off, telemetry opted out, every S3 location explicit, no code
uploads (``ModelBuilder(dependencies=None)``, no local ``code=``), a boto session with fake
keys that never calls AWS.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from compiler import emit_sdk_jobs
from compiler.emit.bootstrap import BUNDLE_BOOTSTRAP, CODE_DIR
from compiler.emit.definition import resolve_images
from compiler.emit.processing import CODE_INPUT_NAME
from compiler.emit.retry import step_retry_policies
from compiler.emit_sdk_common import sdk_step_identity
from compiler.emit_sdk_handoff import sdk_callback_step, sdk_lambda_step, sdk_output_property
from compiler.emit_sdk_spark import offline_configuration_upload, sdk_spark_step_args
from compiler.errors import UsageError
from compiler.job_settings import STEP_EXCEPTION_TYPES, Retryable
from compiler.model import (
    CacheSpec,
    CallbackStep,
    ConditionStep,
    FailStep,
    LambdaStep,
    MetricsFile,
    ModelStep,
    ProcessingStep,
    RegisterStep,
    Resources,
    SparkStep,
    Spec,
    Step,
    TrainingStep,
    TransformStep,
    TuningStep,
)
from compiler.references import (
    ExecutionRef,
    JoinRef,
    JsonGetRef,
    ParamRef,
    PropertyRef,
    StepOutputRef,
)

T = TypeVar("T")
# SDK settings that keep definition() offline (see DESIGN.md "Facts found about the SDK").
TELEMETRY_OPT_OUT = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}
OFFLINE_ENVIRONMENT = {"SAGEMAKER_VALIDATE_ROLE": "false"}
SDK_LOGGERS = ("sagemaker", "sagemaker.core", "sagemaker.config", "sagemaker.core.utils.utils")
HIDDEN_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
FAKE_KEYS = {"aws_access_key_id": "offline", "aws_secret_access_key": "offline"}


@contextlib.contextmanager
def offline_sdk(region: str) -> Iterator[None]:
    """Environment and logging for importing and using the SDK without AWS.

    ``sagemaker.mlops`` creates a default boto3 client at import time (``AIRHub``), which
    needs a region and fails on an unknown ``AWS_PROFILE``; role validation would call IAM.
    Both are switched off for the block; the root logger, the SDK's loggers and
    ``sys.excepthook`` are restored afterwards, so the SDK adds no noise to the CLI.
    """
    saved_env = {
        k: os.environ.get(k)
        for k in (*OFFLINE_ENVIRONMENT, "AWS_DEFAULT_REGION", *HIDDEN_PROFILE_VARIABLES)
    }
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved_hook = sys.excepthook
    os.environ.update(OFFLINE_ENVIRONMENT)
    os.environ["AWS_DEFAULT_REGION"] = region
    for name in HIDDEN_PROFILE_VARIABLES:
        os.environ.pop(name, None)
    quiet = not os.environ.get("SMPIPE_DEBUG")
    if quiet:  # e.g. "Popping out 'ModelPackageName'...": about the SDK's own choices
        for name in SDK_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            # "Running within a PipelineSession, there will be No Wait, No Logs...": expected.
            warnings.filterwarnings("ignore", message="Running within a PipelineSession")
            # The SDK's own modules import its deprecated shims; nothing the user can act on.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"sagemaker\.")
            # LambdaStep with an existing function's ARN: the step only invokes it.
            warnings.filterwarnings("ignore", message="Lambda function won't be updated")
            yield
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        sys.excepthook = saved_hook
        if quiet:
            for name in SDK_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)


class _Builder:
    """Builds the SDK objects for one spec; imports the SDK in ``__init__``."""

    def __init__(self, spec: Spec, region: str) -> None:
        import boto3
        from sagemaker.core.workflow.pipeline_context import PipelineSession

        self.spec = spec
        self.region = region
        self.images = resolve_images(spec, region)
        boto_session = boto3.Session(region_name=region, **FAKE_KEYS)
        self.session = PipelineSession(
            boto_session=boto_session,
            sagemaker_config=copy.deepcopy(TELEMETRY_OPT_OUT),
            default_bucket=_bucket_of(spec.pipeline.artifacts),
        )
        self.parameters = self._parameters()
        self.steps: dict[str, Any] = {}  # name -> SDK step
        self.property_files: dict[tuple[str, str], Any] = {}

    # ---- values ----
    def _parameters(self) -> dict[str, Any]:
        from sagemaker.core.workflow.parameters import (
            ParameterBoolean,
            ParameterFloat,
            ParameterInteger,
            ParameterString,
        )

        kinds = {
            "String": ParameterString,
            "Float": ParameterFloat,
            "Integer": ParameterInteger,
            "Boolean": ParameterBoolean,
        }
        return {
            name: kinds[p.type](name=name, default_value=p.default)
            for name, p in self.spec.parameters.items()
        }

    def value(self, value: Any) -> Any:
        """A spec value as the SDK's object: parameters, step properties, Join, JsonGet."""
        from sagemaker.core.workflow.execution_variables import ExecutionVariable
        from sagemaker.core.workflow.functions import Join, JsonGet

        if isinstance(value, ParamRef):
            return self.parameters[value.param]
        if isinstance(value, StepOutputRef):
            return self.output_property(value.step, value.output)
        if isinstance(value, ExecutionRef):
            return ExecutionVariable(value.execution)
        if isinstance(value, PropertyRef):
            return emit_sdk_jobs.step_property(self.steps[value.property.step], value)
        if isinstance(value, JoinRef):
            return Join(on=value.on, values=[self.value(v) for v in value.join])
        if isinstance(value, JsonGetRef):
            target = value.json_get
            return JsonGet(
                step_name=target.step,
                property_file=self.property_files[(target.step, target.property_file)],
                json_path=target.path,
            )
        return value

    def text(self, value: Any) -> Any:
        """As ``value``, with literals written as the API's strings."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return self.value(value)

    def output_property(self, step_name: str, output: str) -> Any:
        step = self.steps[step_name]
        handoff = sdk_output_property(step, output)
        if handoff is not None:
            return handoff
        if step.step_type.value == "Training":
            return step.properties.ModelArtifacts.S3ModelArtifacts
        if step.step_type.value == "Tuning":
            return emit_sdk_jobs.top_model(self, step_name)
        if step.step_type.value == "Transform":
            return step.properties.TransformOutput.S3OutputPath
        return step.properties.ProcessingOutputConfig.Outputs[output].S3Output.S3Uri

    def execution_scoped(self, step: str, output: str) -> Any:
        from sagemaker.core.workflow.execution_variables import ExecutionVariables
        from sagemaker.core.workflow.functions import Join

        pipeline = self.spec.pipeline
        values = [pipeline.artifacts, pipeline.name, ExecutionVariables.PIPELINE_EXECUTION_ID]
        return Join(on="/", values=[*values, step, output])

    def resources(self, step: Resources) -> tuple[Any, Any, Any]:
        defaults = self.spec.defaults
        return tuple(
            self.value(getattr(step, f) if getattr(step, f) is not None else getattr(defaults, f))
            for f in ("instance_type", "instance_count", "volume_size_gb")
        )

    def image(self, image: Any) -> Any:
        """A key of ``images`` -> its URI; a {param} -> the SDK's parameter."""
        return self.images[image] if isinstance(image, str) else self.value(image)

    def mapping(self, values: dict[str, Any]) -> dict[str, Any]:
        return {key: self.value(value) for key, value in values.items()}

    def cache(self, step: Resources | TransformStep) -> Any:
        from sagemaker.mlops.workflow.steps import CacheConfig

        cache: CacheSpec | None = step.cache or self.spec.defaults.cache
        if cache is None:
            return None
        expire = cache.expire_after if cache.enabled else None
        return CacheConfig(enable_caching=cache.enabled, expire_after=expire)

    def setting(self, step: Any, field: str) -> Any:
        """A job setting (own or inherited from defaults) as the SDK's value, or None."""
        own = getattr(step, field)
        value = own if own is not None else getattr(self.spec.defaults, field)
        return None if value is None else self.value(value)

    def network_config(self, step: ProcessingStep) -> Any:
        from sagemaker.core.network import NetworkConfig

        vpc = self.setting(step, "vpc")
        isolation = self.setting(step, "network_isolation")
        encrypt = self.setting(step, "encrypt_inter_container_traffic")
        if vpc is None and isolation is None and encrypt is None:
            return None
        return NetworkConfig(
            enable_network_isolation=isolation,
            security_group_ids=list(vpc.security_group_ids) if vpc else None,
            subnets=list(vpc.subnets) if vpc else None,
            encrypt_inter_container_traffic=encrypt,
        )

    def networking(self, step: TrainingStep | TuningStep) -> Any:
        from sagemaker.core.training.configs import Networking

        vpc = self.setting(step, "vpc")
        isolation = self.setting(step, "network_isolation")
        encrypt = self.setting(step, "encrypt_inter_container_traffic")
        if vpc is None and isolation is None and encrypt is None:
            return None
        return Networking(
            subnets=list(vpc.subnets) if vpc else None,
            security_group_ids=list(vpc.security_group_ids) if vpc else None,
            enable_network_isolation=isolation,
            enable_inter_container_traffic_encryption=encrypt,
        )

    def checkpoint(self, step: TrainingStep) -> Any:
        from sagemaker.core.training.configs import CheckpointConfig

        if step.spot is None or step.spot.checkpoint_s3_uri is None:
            return None
        return CheckpointConfig(
            s3_uri=step.spot.checkpoint_s3_uri, local_path=step.spot.checkpoint_local_path
        )

    def retry_policies(self, step: Retryable) -> list[Any] | None:
        """``StepRetryPolicy`` for Step.* types, ``SageMakerJobStepRetryPolicy`` for
        SageMaker.* ones; the SDK has no class for a policy that mixes them."""
        from sagemaker.mlops.workflow.retry import (
            SageMakerJobExceptionTypeEnum,
            SageMakerJobStepRetryPolicy,
            StepExceptionTypeEnum,
            StepRetryPolicy,
        )

        built = []
        for policy in step_retry_policies(self.spec, step):
            settings = {
                "backoff_rate": policy.backoff_rate,
                "interval_seconds": policy.interval_seconds,
                "max_attempts": policy.max_attempts,
                "expire_after_mins": policy.expire_after_minutes,
            }
            step_kinds = [k for k in policy.exceptions if k in STEP_EXCEPTION_TYPES]
            if len(step_kinds) == len(policy.exceptions):
                # value=: called positionally, the SDK's DefaultEnumMeta returns the first member.
                kinds = [StepExceptionTypeEnum(value=k) for k in policy.exceptions]
                built.append(StepRetryPolicy(exception_types=kinds, **settings))
            elif not step_kinds:
                job_kinds = [SageMakerJobExceptionTypeEnum(value=k) for k in policy.exceptions]
                built.append(SageMakerJobStepRetryPolicy(exception_types=job_kinds, **settings))
            else:
                raise UsageError(
                    f'step "{getattr(step, "name", "?")}": SDK v3 cannot express a retry policy that mixes '
                    f"{', '.join(policy.exceptions)} (StepRetryPolicy takes Step.* types, "
                    "SageMakerJobStepRetryPolicy SageMaker.* ones); split it in two"
                )
        return built or None

    # ---- steps ----
    def processing(self, step: ProcessingStep) -> Any:
        from sagemaker.core.processing import Processor
        from sagemaker.core.shapes import (
            ProcessingInput,
            ProcessingOutput,
            ProcessingS3Input,
            ProcessingS3Output,
        )
        from sagemaker.core.workflow.properties import PropertyFile
        from sagemaker.mlops.workflow.steps import ProcessingStep as SdkProcessingStep

        instance_type, instance_count, volume = self.resources(step)
        processor = Processor(
            role=self.spec.pipeline.role,
            image_uri=self.image(step.image),
            instance_count=instance_count,
            instance_type=instance_type,
            volume_size_in_gb=volume,
            entrypoint=["/bin/sh", "-c", BUNDLE_BOOTSTRAP, step.script],
            env=self.mapping(step.environment) or None,
            network_config=self.network_config(step),
            volume_kms_key=self.setting(step, "volume_kms_key"),
            output_kms_key=self.setting(step, "output_kms_key"),
            sagemaker_session=self.session,
        )

        def s3_input(name: str, uri: Any, local_path: str) -> Any:
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

        inputs = [s3_input(i.name, self.value(i.source), i.destination) for i in step.inputs]
        bundle = self.parameters[self.spec.pipeline.code_bundle]
        inputs.append(s3_input(CODE_INPUT_NAME, bundle, CODE_DIR))
        outputs = [
            ProcessingOutput(
                output_name=o.name,
                s3_output=ProcessingS3Output(
                    s3_uri=self.execution_scoped(step.name, o.name),
                    local_path=o.source,
                    s3_upload_mode="EndOfJob",
                ),
            )
            for o in step.outputs
        ]
        if isinstance(step, SparkStep):  # PySparkProcessor: compiler/emit_sdk_spark.py
            step_args = sdk_spark_step_args(self, step, inputs[:-1], outputs, self.text)
        else:
            step_args = processor.run(
                inputs=inputs,
                outputs=outputs or None,
                arguments=[self.text(a) for a in step.arguments] or None,
            )
        files = [
            PropertyFile(name=p.name, output_name=p.output, path=p.path)
            for p in step.property_files
        ]
        for sdk_file in files:
            self.property_files[(step.name, sdk_file.name)] = sdk_file
        return SdkProcessingStep(
            name=step.name,
            step_args=step_args,
            property_files=files or None,
            cache_config=self.cache(step),
            retry_policies=self.retry_policies(step),
            **sdk_step_identity(step),
        )

    def channels(self, step: TrainingStep | TuningStep) -> list[Any]:
        from sagemaker.core.shapes import Channel, DataSource, S3DataSource

        # Channel rather than InputData: InputData leaves the channel's InputMode out.
        return [
            Channel(
                channel_name=c.name,
                data_source=DataSource(
                    s3_data_source=S3DataSource(
                        s3_data_type="S3Prefix",
                        s3_uri=self.value(c.source),
                        s3_data_distribution_type="FullyReplicated",
                    )
                ),
                content_type=c.content_type,
                input_mode="File",
            )
            for c in step.channels
        ]

    def trainer(self, step: TrainingStep | TuningStep, channels: list[Any], output: Any) -> Any:
        """The ModelTrainer of a training step, or of a tuning step's training jobs (which
        take no spot settings)."""
        from sagemaker.core.shapes import MetricDefinition, StoppingCondition
        from sagemaker.core.training.configs import Compute, OutputDataConfig
        from sagemaker.train.model_trainer import ModelTrainer

        training = step if isinstance(step, TrainingStep) else None
        spot = training.spot if training is not None else None
        instance_type, instance_count, volume = self.resources(step)
        hyperparameters = {k: self.text(v) for k, v in step.hyperparameters.items()}
        hyperparameters.update(emit_sdk_jobs.script_hyperparameters(self, step))
        trainer = ModelTrainer(
            training_image=self.image(step.image),
            # Else it derives one from the image URI, which fails for a parameter's image.
            base_job_name=step.name,
            role=self.spec.pipeline.role,
            compute=sdk_refusal(
                step.name,
                "volume_size_gb",
                lambda: Compute(
                    instance_type=instance_type,
                    instance_count=instance_count,
                    volume_size_in_gb=volume,
                    volume_kms_key_id=self.setting(step, "volume_kms_key"),
                    enable_managed_spot_training=True if spot is not None else None,
                ),
            ),
            hyperparameters=hyperparameters,
            stopping_condition=sdk_refusal(
                step.name,
                "stopping_condition.max_runtime_seconds",
                lambda: StoppingCondition(
                    max_runtime_in_seconds=self.value(step.stopping_condition.max_runtime_seconds),
                    max_wait_time_in_seconds=spot.max_wait_seconds if spot else None,
                ),
            ),
            output_data_config=OutputDataConfig(
                s3_output_path=output,
                compression_type="GZIP",
                kms_key_id=self.setting(step, "output_kms_key"),
            ),
            input_data_config=channels,
            environment=self.mapping(step.environment),
            networking=self.networking(step),
            checkpoint_config=self.checkpoint(training) if training else None,
            sagemaker_session=self.session,
        )
        if training is not None and training.metric_definitions:
            trainer.with_metric_definitions(
                [MetricDefinition(name=m.name, regex=m.regex) for m in training.metric_definitions]
            )
        return trainer

    def training(self, step: TrainingStep) -> Any:
        from sagemaker.mlops.workflow.steps import TrainingStep as SdkTrainingStep

        output = self.execution_scoped(step.name, "model")
        trainer = self.trainer(step, self.channels(step), output)
        return SdkTrainingStep(
            name=step.name,
            step_args=trainer.train(),
            cache_config=self.cache(step),
            retry_policies=self.retry_policies(step),
            **sdk_step_identity(step),
        )

    def metrics_source(self, metrics: MetricsFile) -> Any:
        from sagemaker.core.model_metrics import MetricsSource
        from sagemaker.core.workflow.functions import Join

        uri = Join(
            on="/",
            values=[self.output_property(metrics.source.step, metrics.source.output), metrics.file],
        )
        return MetricsSource(s3_uri=uri, content_type=metrics.content_type)

    def register(self, step: RegisterStep) -> Any:
        from sagemaker.core.model_metrics import ModelMetrics
        from sagemaker.mlops.workflow.model_step import ModelStep
        from sagemaker.serve.model_builder import ModelBuilder

        metrics = None
        if step.model_metrics is not None:
            statistics = step.model_metrics.model_statistics
            constraints = step.model_metrics.model_constraints
            metrics = ModelMetrics(
                model_statistics=self.metrics_source(statistics) if statistics else None,
                model_constraints=self.metrics_source(constraints) if constraints else None,
            )
        builder = ModelBuilder(
            image_uri=self.image(step.image),
            s3_model_data_url=self.value(step.model_data),
            role_arn=self.spec.pipeline.role,
            env_vars=self.mapping(step.environment),
            sagemaker_session=self.session,
            dependencies=None,  # else it packages and uploads "code"
            log_level=logging.WARNING,  # its default, DEBUG, is set on a shared SDK logger
        )
        step_args = builder.register(
            model_package_group_name=self.value(step.model_package_group),
            content_types=list(step.content_types),
            response_types=list(step.response_types),
            inference_instances=[self.value(i) for i in step.inference_instances],
            transform_instances=[self.value(i) for i in step.transform_instances],
            model_metrics=metrics,
            approval_status=self.value(step.approval_status),
            description=step.description,
        )
        return ModelStep(
            name=step.name,
            step_args=step_args,
            retry_policies=self.retry_policies(step),
            **sdk_step_identity(step),
        )

    def condition(self, step: ConditionStep, by_name: dict[str, Step]) -> Any:
        from sagemaker.core.workflow import conditions
        from sagemaker.mlops.workflow.condition_step import ConditionStep as SdkConditionStep

        def branch(names: list[str]) -> list[Any]:
            return [self.step(by_name[name], by_name) for name in names]

        built = [
            getattr(conditions, f"Condition{c.operator}")(
                left=self.value(c.left), right=self.value(c.right)
            )
            for c in step.conditions
        ]
        return SdkConditionStep(
            name=step.name,
            conditions=built,
            if_steps=branch(step.if_steps),
            else_steps=branch(step.else_steps),
            **sdk_step_identity(step),
        )

    def fail(self, step: FailStep) -> Any:
        from sagemaker.mlops.workflow.fail_step import FailStep as SdkFailStep

        return SdkFailStep(
            name=step.name,
            error_message=self.text(step.error_message),
            **sdk_step_identity(step),
        )

    def step(self, step: Step, by_name: dict[str, Step]) -> Any:
        if step.name in self.steps:
            return self.steps[step.name]
        built: Any
        if isinstance(step, ProcessingStep):
            built = self.processing(step)
        elif isinstance(step, TrainingStep):
            built = self.training(step)
        elif isinstance(step, RegisterStep):
            built = self.register(step)
        elif isinstance(step, ConditionStep):
            built = self.condition(step, by_name)
        elif isinstance(step, FailStep):
            built = self.fail(step)
        elif isinstance(step, LambdaStep):
            built = sdk_lambda_step(step, self.value, self.session)
        elif isinstance(step, CallbackStep):
            built = sdk_callback_step(step, self.value)
        elif isinstance(step, TuningStep):
            built = emit_sdk_jobs.tuning(self, step)
        elif isinstance(step, ModelStep):
            built = emit_sdk_jobs.model(self, step)
        else:
            built = emit_sdk_jobs.transform(self, step)
        self.steps[step.name] = built
        return built

    def pipeline(self) -> Any:
        from sagemaker.core.workflow.execution_variables import ExecutionVariables
        from sagemaker.mlops.workflow.pipeline import Pipeline
        from sagemaker.mlops.workflow.pipeline_experiment_config import PipelineExperimentConfig

        by_name = {step.name: step for step in self.spec.steps}
        nested = {
            name
            for step in self.spec.steps
            if isinstance(step, ConditionStep)
            for name in (*step.if_steps, *step.else_steps)
        }
        top = [self.step(step, by_name) for step in self.spec.steps if step.name not in nested]
        return Pipeline(
            name=self.spec.pipeline.name,
            parameters=list(self.parameters.values()),
            steps=top,
            # Explicit: the SDK's default applies only in its "Eureka GA" regions, while the
            # compiler emits the experiment config in every region.
            pipeline_experiment_config=PipelineExperimentConfig(
                ExecutionVariables.PIPELINE_NAME, ExecutionVariables.PIPELINE_EXECUTION_ID
            ),
            sagemaker_session=self.session,
        )


def build_sdk_pipeline(spec: Spec, region: str) -> Any:
    """The SDK v3 ``Pipeline`` for a checked spec, built offline. Needs the sdk extra."""
    with offline_sdk(region):
        try:
            return _Builder(spec, region).pipeline()
        except ImportError as error:
            raise UsageError(
                f"the SageMaker Python SDK v3 is not installed ({error}); "
                "install the sdk extra: pip install 'smpipe[sdk]'"
            ) from error


def sdk_definition(pipeline: Any, region: str) -> str:
    """``pipeline.definition()`` under the same offline settings."""
    with offline_sdk(region), offline_configuration_upload():
        return str(pipeline.definition())


def normalise_sdk_definition(document: dict[str, Any]) -> dict[str, Any]:
    """The one normalisation between ``json.loads(pipeline.definition())`` and the compiled
    JSON; each rule is listed, with its reason, in docs/sdk-equivalence.md."""
    result = copy.deepcopy(document)
    # (1) The SDK writes "MlflowConfig": null when no MLflow config is set; the compiler
    # leaves unset optional keys out.
    if result.get("MlflowConfig") is None:
        result.pop("MlflowConfig", None)
    return result


def sdk_refusal(step: str, field: str, build: Callable[[], T]) -> T:
    """``build()``; an SDK class that refuses a pipeline parameter where SageMaker takes one
    becomes a UsageError quoting the SDK (docs/sdk-equivalence.md lists these fields)."""
    from pydantic import ValidationError

    try:
        return build()
    except ValidationError as error:
        first = error.errors()[0]
        raise UsageError(
            f'step "{step}": SDK v3 cannot express {field} as a pipeline parameter: '
            f"{error.title}.{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        ) from error


def without_local_metadata(definition: dict[str, Any]) -> dict[str, Any]:
    """The compiled definition without the entries the SDK's ``Pipeline`` has no way to write
    (rule 2 of docs/sdk-equivalence.md): ``Metadata["smpipe-lambda-<step>"]`` (a Lambda
    step's local handler and timeout), ``Metadata["smpipe-spark-conf-<step>-<n>"]`` (a
    Spark step's configuration.json, which the SDK uploads instead) and
    ``Metadata["smpipe-property-paths-<step>-<n>"]`` (the JSON paths its property files
    promise, which the SDK's PropertyFile has no field for)."""
    result = copy.deepcopy(definition)
    metadata = result.get("Metadata") or {}
    result["Metadata"] = {
        k: v
        for k, v in metadata.items()
        if not k.startswith(("smpipe-lambda-", "smpipe-spark-", "smpipe-property-paths-"))
    }
    return result


def _bucket_of(uri: str) -> str:
    return uri[len("s3://") :].split("/", 1)[0] if uri.startswith("s3://") else uri
