"""SageMaker API responses (PascalCase dicts) as the backend's dataclasses.

Pure functions: the backend serialises the SDK's objects to the API's shapes first, so the
same code reads live responses, recorded ones and the SDK's, and is tested without AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipeline.backends.interface import ExecutionSummary, ModelPackage, ParameterValue, StepRecord
from pipeline.definition_steps import code_bundle_parameters as bundle_parameters_of
from pipeline.definition_steps import iter_steps

# Metadata key of ListPipelineExecutionSteps -> the step type a definition would name.
METADATA_STEP_TYPES = {
    "ProcessingJob": "Processing",
    "TrainingJob": "Training",
    "TransformJob": "Transform",
    "TuningJob": "Tuning",
    "Model": "Model",
    "RegisterModel": "RegisterModel",
    "Condition": "Condition",
    "Callback": "Callback",
    "Lambda": "Lambda",
    "EMR": "EMR",
    "QualityCheck": "QualityCheck",
    "ClarifyCheck": "ClarifyCheck",
    "Fail": "Fail",
    "AutoMLJob": "AutoML",
}

# Where a job step's container logs go: (ARN marker, CloudWatch log group, the start of its
# streams' names after "<job name>/"). Processing and training streams are named by host,
# "algo-<n>-<epoch>" (the first instance's is read); a transform job's by EC2 instance id,
# "<instance id>-<epoch>" and ".../data-log", so all of the job's streams are read.
JOB_LOG_GROUPS = {
    "ProcessingJob": ("processing-job/", "/aws/sagemaker/ProcessingJobs", "algo-1-"),
    "TrainingJob": ("training-job/", "/aws/sagemaker/TrainingJobs", "algo-1-"),
    "TransformJob": ("transform-job/", "/aws/sagemaker/TransformJobs", ""),
}


def pipeline_name_of(arn: str) -> str:
    """``arn:...:pipeline/NAME/execution/ID`` -> ``NAME``."""
    parts = arn.split(":pipeline/", 1)
    return parts[1].split("/", 1)[0] if len(parts) == 2 else ""


def execution_summary(item: Mapping[str, Any]) -> ExecutionSummary:
    """From DescribePipelineExecution (or a ListPipelineExecutions summary)."""
    arn = str(item.get("PipelineExecutionArn", ""))
    return ExecutionSummary(
        arn=arn,
        pipeline_name=pipeline_name_of(str(item.get("PipelineArn") or arn)),
        status=str(item.get("PipelineExecutionStatus", "")),
        started=_time(item.get("CreationTime") or item.get("StartTime")),
        ended=_ended(item),
        description=item.get("PipelineExecutionDescription") or None,
        failure_reason=item.get("FailureReason")
        or item.get("PipelineExecutionFailureReason")
        or None,
        display_name=item.get("PipelineExecutionDisplayName") or None,
        # The execution's own limit: the start override, else the pipeline's at start time.
        max_parallel=(item.get("ParallelismConfiguration") or {}).get("MaxParallelExecutionSteps"),
    )


def _ended(item: Mapping[str, Any]) -> datetime | None:
    # DescribePipelineExecution has no end time: a terminal execution ended when last modified.
    if item.get("PipelineExecutionStatus") in {"Succeeded", "Failed", "Stopped"}:
        return _time(item.get("LastModifiedTime"))
    return None


def step_types(definition: str) -> dict[str, str]:
    """Step name -> Type from a pipeline definition, the condition branches included."""
    return {str(step.get("Name")): str(step.get("Type")) for step in iter_steps(_parse(definition))}


def property_files(definition: str) -> dict[str, list[tuple[str, str]]]:
    """Step name -> [(OutputName, FilePath)] of its PropertyFiles, from a definition."""
    found: dict[str, list[tuple[str, str]]] = {}
    for step in iter_steps(_parse(definition)):
        for item in step.get("PropertyFiles") or []:
            if isinstance(item, dict) and item.get("OutputName") and item.get("FilePath"):
                entry = (str(item["OutputName"]), str(item["FilePath"]))
                found.setdefault(str(step.get("Name")), []).append(entry)
    return found


def code_bundle_parameters(definition: str) -> list[str]:
    """The parameters a definition's processing steps take their code bundle from."""
    return bundle_parameters_of(_parse(definition))


def _parse(definition: str) -> Any:
    try:
        return json.loads(definition)
    except ValueError:
        return None


def step_record(item: Mapping[str, Any], types: Mapping[str, str]) -> StepRecord:
    """From one ListPipelineExecutionSteps item; ``types`` comes from ``step_types``."""
    name = str(item.get("StepName", ""))
    metadata_in = item.get("Metadata") or {}
    metadata = step_metadata(metadata_in)
    kind = types.get(name) or next(
        (METADATA_STEP_TYPES[key] for key in metadata_in if key in METADATA_STEP_TYPES), ""
    )
    cache = item.get("CacheHitResult") or {}
    return StepRecord(
        name=name,
        type=kind,
        status=str(item.get("StepStatus", "")),
        started=_time(item.get("StartTime")),
        ended=_time(item.get("EndTime")),
        failure_reason=item.get("FailureReason") or None,
        cache_source_execution=cache.get("SourcePipelineExecutionArn") or None,
        attempt=int(item.get("AttemptCount") or 1),
        metadata=metadata,
    )


def step_metadata(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The step's job ARN, model package ARN, condition outcome and log location, flat."""
    flat: dict[str, str] = {}
    for key, (marker, group, stream) in JOB_LOG_GROUPS.items():
        arn = (metadata.get(key) or {}).get("Arn")
        if arn:
            flat[f"{key}Arn"] = str(arn)
            job_name = str(arn).split(marker, 1)[-1]
            flat["JobName"] = job_name
            flat["LogGroup"] = group
            flat["LogStreamPrefix"] = f"{job_name}/{stream}"
    tuning = (metadata.get("TuningJob") or {}).get("Arn")
    if tuning:
        # Its training jobs are named <tuning job>-<NNN>-<suffix>: one prefix finds all their
        # log streams in the training jobs' group.
        name = str(tuning).split("hyper-parameter-tuning-job/", 1)[-1]
        flat.update(
            TuningJobArn=str(tuning),
            JobName=name,
            LogGroup="/aws/sagemaker/TrainingJobs",
            LogStreamPrefix=f"{name}-",
        )
    if (metadata.get("RegisterModel") or {}).get("Arn"):
        flat["ModelPackageArn"] = str(metadata["RegisterModel"]["Arn"])
    if (metadata.get("Model") or {}).get("Arn"):
        flat["ModelArn"] = str(metadata["Model"]["Arn"])
    outcome = (metadata.get("Condition") or {}).get("Outcome")
    if outcome is not None:
        flat["Outcome"] = str(outcome)
    callback = metadata.get("Callback") or {}
    for key in ("CallbackToken", "SqsQueueUrl"):
        if callback.get(key):
            flat[key] = str(callback[key])
    if (metadata.get("Lambda") or {}).get("Arn"):
        flat["FunctionArn"] = str(metadata["Lambda"]["Arn"])
    for source in (callback, metadata.get("Lambda") or {}):
        for parameter in source.get("OutputParameters") or []:
            flat[f"Output.{parameter.get('Name')}"] = str(parameter.get("Value", ""))
    message = (metadata.get("Fail") or {}).get("ErrorMessage")
    if message:
        flat["ErrorMessage"] = str(message)
    return flat


def model_package(
    item: Mapping[str, Any], metrics: Mapping[str, float] | None = None
) -> ModelPackage:
    """From DescribeModelPackage; ``metrics`` are read separately from the statistics file."""
    containers = (item.get("InferenceSpecification") or {}).get("Containers") or [{}]
    first = containers[0] if isinstance(containers[0], dict) else {}
    arn = str(item.get("ModelPackageArn", ""))
    return ModelPackage(
        arn=arn,
        group=str(item.get("ModelPackageGroupName") or _group_of(arn)),
        version=int(item.get("ModelPackageVersion") or 0),
        approval_status=str(item.get("ModelApprovalStatus", "")),
        created=_time(item.get("CreationTime")),
        description=item.get("ModelPackageDescription") or None,
        approval_description=item.get("ApprovalDescription") or None,
        model_data_url=first.get("ModelDataUrl") or None,
        image=first.get("Image") or None,
        metrics=dict(metrics or {}),
        source_execution=(item.get("MetadataProperties") or {}).get("GeneratedBy") or None,
    )


def statistics_uri(item: Mapping[str, Any]) -> str | None:
    """The model-quality statistics file a package points at (our evaluation.json)."""
    statistics = ((item.get("ModelMetrics") or {}).get("ModelQuality") or {}).get("Statistics")
    uri = (statistics or {}).get("S3Uri")
    return str(uri) if uri else None


def metrics_from_report(document: Any) -> dict[str, float]:
    """``{"metrics": {"accuracy": 0.81}}`` (ours) or SageMaker's ``{"..._metrics":
    {"accuracy": {"value": 0.81}}}`` -> ``{"accuracy": 0.81}``."""
    found: dict[str, float] = {}
    if not isinstance(document, dict):
        return found
    for key, section in document.items():
        if not (key == "metrics" or key.endswith("_metrics")) or not isinstance(section, dict):
            continue
        for name, value in section.items():
            if isinstance(value, dict):
                value = value.get("value")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found[str(name)] = float(value)
    return found


def _group_of(arn: str) -> str:
    parts = arn.split(":model-package/", 1)
    return parts[1].split("/", 1)[0] if len(parts) == 2 else ""


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def declared_parameters(definition: str) -> dict[str, str | None]:
    """Parameter name -> default value (as text) from a pipeline definition."""
    try:
        document = json.loads(definition)
    except ValueError:
        return {}
    declared: dict[str, str | None] = {}
    for parameter in document.get("Parameters", []) if isinstance(document, dict) else []:
        if isinstance(parameter, dict) and "Name" in parameter:
            default = parameter.get("DefaultValue")
            declared[str(parameter["Name"])] = None if default is None else str(default)
    return declared


def parameter_text(value: ParameterValue) -> str:
    """Pipeline parameter values travel as strings; booleans as SageMaker writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
