"""Spec format v1: the pydantic models a YAML pipeline spec is validated against.

The JSON Schema in ``schemas/pipeline-spec.schema.json`` is generated from these models
(``smpipe schema``); defaults live here and nowhere else. Cross-references between parts
(a step naming a parameter, an output, a property file) are checked by ``compiler.rules``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag

from compiler.job_settings import (
    JobSecurity,
    MetricDefinition,
    Retryable,
    RetryPolicy,
    SpotTraining,
)
from compiler.model_handoff import CallbackStepFields, LambdaStepFields
from compiler.model_spark import SparkFields
from compiler.references import Operand, StepOutputRef, Strict, Value, empty_dict, empty_list
from compiler.typed_values import IntegerValue, ParameterType, ParamOrKey, StringValue

SPEC_VERSION = 1

ConditionOperator = Literal[
    "Equals", "GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"
]


class PipelineSection(Strict):
    name: str = Field(description="SageMaker pipeline name (also its ARN's last part).")
    description: str | None = Field(default=None, description="Pipeline description for upsert.")
    role: str = Field(description="Execution role ARN the pipeline's jobs run as.")
    artifacts: str = Field(
        description="S3 prefix for step outputs: <artifacts>/<pipeline>/<execution id>/<step>/<output>."
    )
    code_bundle: str = Field(
        description="Name of the String parameter holding the code bundle's S3 URI "
        "(pipeline_code.tar.gz); processing steps unpack it and run their script from it."
    )
    max_parallel_steps: int | None = Field(
        default=None,
        description="ParallelismConfiguration.MaxParallelExecutionSteps: at most this many "
        "steps run at once. Not part of the definition: upsert and start send it, Terraform "
        "sets it on the pipeline, the local engine honours it.",
    )
    tags: dict[str, str] = Field(
        default_factory=empty_dict,
        description="The pipeline's tags (CreatePipeline Tags; Terraform).",
    )


class Parameter(Strict):
    type: ParameterType
    default: str | bool | int | float | None = Field(
        default=None, description="Default value; must fit the type."
    )
    description: str | None = None


class FrameworkImage(Strict):
    framework: str = Field(
        description="A framework SageMaker publishes images for, e.g. sklearn, xgboost."
    )
    version: str = Field(description='Its version, e.g. "1.2-1"; resolved for the deploy region.')


class UriImage(Strict):
    uri: str = Field(description="An explicit image URI.")


def _image_form(value: object) -> str | None:
    if isinstance(value, dict):
        return "uri" if "uri" in value else "framework"
    if isinstance(value, (FrameworkImage, UriImage)):
        return "uri" if isinstance(value, UriImage) else "framework"
    return None


Image = Annotated[
    Annotated[FrameworkImage, Tag("framework")] | Annotated[UriImage, Tag("uri")],
    Discriminator(
        _image_form,
        custom_error_type="image_form",
        custom_error_message="expected {framework: NAME, version: VERSION} or {uri: IMAGE_URI}",
    ),
]


class CacheSpec(Strict):
    enabled: bool = True
    expire_after: str | None = Field(
        default=None,
        description='ISO 8601 duration as SageMaker accepts it, e.g. "30d", "P30D", "T16m".',
    )


class Resources(JobSecurity):
    """Job settings a step inherits from ``defaults`` unless it sets them itself."""

    instance_type: StringValue | None = None
    instance_count: IntegerValue | None = None
    volume_size_gb: IntegerValue | None = None
    cache: CacheSpec | None = None


class Defaults(JobSecurity):
    instance_type: StringValue = "ml.m5.large"
    instance_count: IntegerValue = 1
    volume_size_gb: IntegerValue = 30
    cache: CacheSpec | None = None
    retry: list[RetryPolicy] = Field(
        default_factory=empty_list, description="Retry policies of every step that takes them."
    )


class StepBase(Strict):
    name: str
    display_name: str | None = None
    description: str | None = None
    depends_on: list[str] = Field(
        default_factory=empty_list, description="Steps to wait for beyond the data dependencies."
    )


class ProcessingInput(Strict):
    name: str
    source: Value = Field(description="S3 URI or reference to download from.")
    destination: str = Field(description="Container path, under /opt/ml/processing/.")


class ProcessingOutput(Strict):
    name: str
    source: str = Field(
        description="Container path whose files are uploaded, under /opt/ml/processing/."
    )


class PropertyFile(Strict):
    name: str
    output: str = Field(description="The output (of this step) holding the file.")
    path: str = Field(description="The file's path inside that output, e.g. evaluation.json.")
    paths: list[str] = Field(
        default_factory=empty_list,
        description="The JSON paths the file promises (e.g. metrics.accuracy): every json_get "
        "of it must read one of them (checked at compile time), and the local engine fails the "
        "step when the file it writes lacks one. SageMaker's PropertyFile has no such field: "
        "they travel in the definition's Metadata (smpipe-property-paths-<step>-<n>).",
    )


class ProcessingStep(StepBase, Resources, Retryable):
    type: Literal["processing"]
    image: ParamOrKey = Field(
        description="A key of `images`, or {param: NAME}: a String parameter holding an image URI."
    )
    script: str = Field(description="Script path inside the code bundle, e.g. preprocess.py.")
    arguments: list[Value] = Field(default_factory=empty_list)
    inputs: list[ProcessingInput] = Field(default_factory=empty_list)
    outputs: list[ProcessingOutput] = Field(default_factory=empty_list)
    property_files: list[PropertyFile] = Field(default_factory=empty_list)
    environment: dict[str, StringValue] = Field(default_factory=empty_dict)


class SparkStep(ProcessingStep, SparkFields):
    """A processing step on the Spark processing image: ``script`` is the PySpark
    application, submitted with smspark-submit (instance_count > 1 scales it out)."""

    type: Literal["spark"]  # type: ignore[assignment]
    script: str = Field(description="The PySpark application inside the code bundle.")


class TrainingChannel(Strict):
    name: str
    source: Value
    content_type: str | None = None


class StoppingCondition(Strict):
    max_runtime_seconds: IntegerValue = 86400


class TrainingStep(StepBase, Resources, Retryable):
    type: Literal["training"]
    image: ParamOrKey = Field(
        description="A key of `images` (a built-in algorithm or framework image), or "
        "{param: NAME}: a String parameter holding an image URI."
    )
    script: str | None = Field(
        default=None,
        description="Script mode: the training script inside the code bundle, e.g. train.py "
        "(run by the framework image's training toolkit).",
    )
    hyperparameters: dict[str, Value] = Field(
        default_factory=empty_dict,
        description="Values are sent as text; a {param} of any type is passed as it is.",
    )
    channels: list[TrainingChannel]
    stopping_condition: StoppingCondition = Field(default_factory=StoppingCondition)
    environment: dict[str, StringValue] = Field(default_factory=empty_dict)
    spot: SpotTraining | None = Field(default=None, description="Managed spot training.")
    metric_definitions: list[MetricDefinition] = Field(
        default_factory=empty_list, description="Metrics read from the job's log (name + regex)."
    )


class Condition(Strict):
    left: Operand
    operator: ConditionOperator
    right: Operand


class ConditionStep(StepBase):
    type: Literal["condition"]
    conditions: list[Condition] = Field(min_length=1, description="All must hold (AND).")
    if_steps: list[str] = Field(default_factory=empty_list)
    else_steps: list[str] = Field(default_factory=empty_list)


class MetricsFile(Strict):
    source: StepOutputRef = Field(description="The step output that holds the file.")
    file: str = Field(description="The file's path inside that output.")
    content_type: str = "application/json"


class ModelMetrics(Strict):
    model_statistics: MetricsFile | None = None
    model_constraints: MetricsFile | None = None


class RegisterStep(StepBase, Retryable):
    type: Literal["register"]
    model_data: Value = Field(
        description="The model artifact, e.g. {step: TrainModel, output: model}."
    )
    image: ParamOrKey = Field(
        description="A key of `images`, or {param: NAME}: a String parameter holding the "
        "inference image URI."
    )
    model_package_group: StringValue
    approval_status: StringValue = Field(
        default="PendingManualApproval",
        description="PendingManualApproval, Approved or Rejected, or a String parameter "
        "whose default is one of them.",
    )
    content_types: list[str] = Field(min_length=1)
    response_types: list[str] = Field(min_length=1)
    inference_instances: list[StringValue] = Field(default_factory=empty_list)
    transform_instances: list[StringValue] = Field(default_factory=empty_list)
    model_metrics: ModelMetrics | None = None
    environment: dict[str, StringValue] = Field(default_factory=empty_dict)


class FailStep(StepBase):
    type: Literal["fail"]
    error_message: Value = ""


TuningStrategy = Literal["Bayesian", "Random", "Grid", "Hyperband"]
ScalingType = Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
ObjectiveType = Literal["Maximize", "Minimize"]


class IntegerRange(Strict):
    type: Literal["integer"]
    min: int
    max: int
    scaling: ScalingType = "Auto"


class ContinuousRange(Strict):
    type: Literal["continuous"]
    min: int | float
    max: int | float
    scaling: ScalingType = "Auto"


class CategoricalRange(Strict):
    type: Literal["categorical"]
    values: list[str | int | float | bool] = Field(min_length=1)


HyperparameterRange = Annotated[
    IntegerRange | ContinuousRange | CategoricalRange, Field(discriminator="type")
]


class Objective(Strict):
    metric: str = Field(description="A built-in algorithm metric or one of metric_definitions.")
    type: ObjectiveType


class TuningStep(StepBase, Resources):
    """Hyperparameter tuning (CreateHyperParameterTuningJob): a training job definition
    (as a training step has it) plus ranges, objective, strategy and limits."""

    type: Literal["tuning"]
    image: ParamOrKey = Field(
        description="A key of `images` (a built-in algorithm or framework image), or "
        "{param: NAME}: a String parameter holding an image URI."
    )
    script: str | None = Field(
        default=None,
        description="Script mode: the training script inside the code bundle, e.g. train.py.",
    )
    hyperparameters: dict[str, Value] = Field(
        default_factory=empty_dict, description="Static hyperparameters, the same for every job."
    )
    channels: list[TrainingChannel]
    metric_definitions: list[MetricDefinition] = Field(default_factory=empty_list)
    stopping_condition: StoppingCondition = Field(default_factory=StoppingCondition)
    environment: dict[str, StringValue] = Field(default_factory=empty_dict)
    objective: Objective
    ranges: dict[str, HyperparameterRange] = Field(
        min_length=1, description="Hyperparameter name -> its range."
    )
    strategy: TuningStrategy = "Bayesian"
    # Literal counts: the SDK's HyperparameterTuner.tune() refuses a ParameterInteger here.
    max_jobs: int | None = Field(
        default=None,
        description="MaxNumberOfTrainingJobs (required unless Grid, which runs the whole grid).",
    )
    max_parallel_jobs: int = Field(default=1, description="MaxParallelTrainingJobs.")
    early_stopping: Literal["Off", "Auto"] = "Off"
    random_seed: int | None = Field(
        default=None, description="RandomSeed: makes Random and Bayesian searches repeatable."
    )


class ModelStep(StepBase):
    """Model creation (CreateModel): an inference container with model data."""

    type: Literal["model"]
    image: ParamOrKey = Field(
        description="A key of `images`, or {param: NAME}: a String parameter holding the "
        "inference image URI."
    )
    model_data: Value = Field(
        description="The model artifact, e.g. {step: TuneModel, output: best_model}."
    )
    script: str | None = Field(
        default=None,
        description="Framework models: the inference script inside the code bundle "
        "(model_fn / input_fn / predict_fn / output_fn).",
    )
    environment: dict[str, StringValue] = Field(default_factory=empty_dict)


SplitType = Literal["None", "Line", "RecordIO", "TFRecord"]
BatchStrategy = Literal["MultiRecord", "SingleRecord"]


class TransformStep(StepBase):
    """Batch transform (CreateTransformJob) of an S3 prefix with a model step's model."""

    type: Literal["transform"]
    model: str = Field(description="The model step whose model scores the data.")
    input: Value = Field(description="S3 prefix (or reference) of the objects to score.")
    content_type: str | None = None
    split_type: SplitType = "None"
    compression: Literal["None", "Gzip"] = "None"
    accept: str | None = None
    assemble_with: Literal["None", "Line"] = "None"
    max_payload_mb: int | None = None
    max_concurrent_transforms: int | None = None
    batch_strategy: BatchStrategy | None = None
    input_filter: str | None = Field(default=None, description='JSONPath, e.g. "$[1:]".')
    join_source: Literal["None", "Input"] = "None"
    output_filter: str | None = Field(default=None, description='JSONPath, e.g. "$[0,-1]".')
    instance_type: StringValue | None = None
    instance_count: IntegerValue | None = None
    environment: dict[str, StringValue] = Field(default_factory=empty_dict)
    cache: CacheSpec | None = None


_NOT_CACHEABLE = "Not allowed (rule step-not-cacheable): SageMaker does not cache this step."


class LambdaStep(StepBase, LambdaStepFields):
    """Invoke a Lambda function; its returned outputs become the step's outputs."""

    cache: CacheSpec | None = Field(default=None, description=_NOT_CACHEABLE)


class CallbackStep(StepBase, CallbackStepFields):
    """Send a message with a callback token to an SQS queue and wait until someone answers."""

    cache: CacheSpec | None = Field(default=None, description=_NOT_CACHEABLE)


Step = Annotated[
    ProcessingStep
    | TrainingStep
    | TuningStep
    | ModelStep
    | TransformStep
    | ConditionStep
    | RegisterStep
    | FailStep
    | SparkStep
    | LambdaStep
    | CallbackStep,
    Field(discriminator="type"),
]
JobStep = ProcessingStep | TrainingStep | TuningStep | TransformStep


class Spec(Strict):
    """A SageMaker pipeline, declared."""

    version: Literal[1] = Field(description="Spec format version.")
    pipeline: PipelineSection
    parameters: dict[str, Parameter] = Field(default_factory=empty_dict)
    images: dict[str, Image] = Field(default_factory=empty_dict)
    defaults: Defaults = Field(default_factory=Defaults)
    steps: list[Step] = Field(min_length=1)
