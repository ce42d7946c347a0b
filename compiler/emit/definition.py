"""A checked spec -> the pipeline definition dict, in the shape SageMaker SDK v3 emits.

Steps named in a condition's if/else branches are nested inside that condition (as the
SDK does); every other step is top level, in the spec's order.
"""

from __future__ import annotations

import json
from typing import Any

from compiler.emit.gate import condition_arguments, fail_arguments, register_arguments
from compiler.emit.handoff import callback_entry, lambda_entry, local_metadata
from compiler.emit.processing import (
    cache_config,
    processing_arguments,
    promised_paths_metadata,
    property_files,
    training_arguments,
)
from compiler.emit.retry import retry_policies
from compiler.emit.spark import spark_arguments, spark_metadata
from compiler.emit.transform import model_arguments, transform_arguments
from compiler.emit.tuning import tuning_arguments
from compiler.emit.values import EmitContext
from compiler.job_settings import Retryable
from compiler.model import (
    CallbackStep,
    ConditionStep,
    FailStep,
    FrameworkImage,
    LambdaStep,
    ModelStep,
    ProcessingStep,
    RegisterStep,
    SparkStep,
    Spec,
    Step,
    TrainingStep,
    TransformStep,
    TuningStep,
)
from compiler.sagemaker_data import resolve_image

DEFINITION_VERSION = "2020-12-01"
_TYPE_NAMES = {
    "processing": "Processing",
    "spark": "Processing",
    "training": "Training",
    "tuning": "Tuning",
    "model": "Model",
    "transform": "Transform",
    "condition": "Condition",
    "register": "RegisterModel",
    "fail": "Fail",
    "lambda": "Lambda",
    "callback": "Callback",
}


def _parameter(name: str, parameter: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"Name": name, "Type": parameter.type}
    if parameter.default is not None:
        entry["DefaultValue"] = parameter.default
    return entry


def _step(ctx: EmitContext, step: Step, by_name: dict[str, Step]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Name": step.name, "Type": _TYPE_NAMES[step.type]}
    if isinstance(step, ProcessingStep):
        entry["Arguments"] = (
            spark_arguments(ctx, step)
            if isinstance(step, SparkStep)
            else processing_arguments(ctx, step)
        )
        if step.property_files:
            entry["PropertyFiles"] = property_files(step)
    elif isinstance(step, TrainingStep):
        entry["Arguments"] = training_arguments(ctx, step)
    elif isinstance(step, TuningStep):
        entry["Arguments"] = tuning_arguments(ctx, step)
    elif isinstance(step, ModelStep):
        entry["Arguments"] = model_arguments(ctx, step)
    elif isinstance(step, TransformStep):
        entry["Arguments"] = transform_arguments(ctx, step)
    elif isinstance(step, ConditionStep):
        if_steps = [_step(ctx, by_name[n], by_name) for n in step.if_steps]
        else_steps = [_step(ctx, by_name[n], by_name) for n in step.else_steps]
        entry["Arguments"] = condition_arguments(ctx, step, if_steps, else_steps)
    elif isinstance(step, RegisterStep):
        entry["Arguments"] = register_arguments(ctx, step)
    elif isinstance(step, FailStep):
        entry["Arguments"] = fail_arguments(ctx, step)
    elif isinstance(step, LambdaStep):
        entry.update(lambda_entry(ctx, step))
    elif isinstance(step, CallbackStep):
        entry.update(callback_entry(ctx, step))
    if isinstance(step, (ProcessingStep, TrainingStep, TuningStep, TransformStep)):
        cache = cache_config(ctx, step)
        if cache is not None:
            entry["CacheConfig"] = cache
    if isinstance(step, Retryable) and (policies := retry_policies(ctx, step)):
        entry["RetryPolicies"] = policies
    if step.depends_on:
        entry["DependsOn"] = list(step.depends_on)
    if step.display_name:
        entry["DisplayName"] = step.display_name
    if step.description:
        entry["Description"] = step.description
    return entry


def resolve_images(spec: Spec, region: str) -> dict[str, str]:
    return {
        key: resolve_image(image.framework, image.version, region)
        if isinstance(image, FrameworkImage)
        else image.uri
        for key, image in spec.images.items()
    }


def build_definition(spec: Spec, region: str) -> dict[str, Any]:
    """The definition as a dict; the spec must have passed every rule."""
    ctx = EmitContext(spec, resolve_images(spec, region), region)
    by_name: dict[str, Step] = {step.name: step for step in spec.steps}
    nested = {
        name
        for step in spec.steps
        if isinstance(step, ConditionStep)
        for name in (*step.if_steps, *step.else_steps)
    }
    return {
        "Version": DEFINITION_VERSION,
        "Metadata": {
            **local_metadata(ctx, spec.steps),
            **spark_metadata(spec.steps),
            **promised_paths_metadata(spec.steps),
        },
        "Parameters": [_parameter(n, p) for n, p in spec.parameters.items()],
        "PipelineExperimentConfig": {
            "ExperimentName": {"Get": "Execution.PipelineName"},
            "TrialName": {"Get": "Execution.PipelineExecutionId"},
        },
        "Steps": [_step(ctx, s, by_name) for s in spec.steps if s.name not in nested],
    }


def dumps(definition: dict[str, Any]) -> str:
    """The canonical text: sorted keys, 2-space indent, ASCII-safe, trailing newline."""
    return json.dumps(definition, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
