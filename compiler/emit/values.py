"""Spec values and references -> the definition's expressions (Get, Std:Join, Std:JsonGet)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from compiler import property_paths
from compiler.model import (
    CallbackStep,
    LambdaStep,
    ProcessingStep,
    RegisterStep,
    Spec,
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


@dataclass(frozen=True)
class EmitContext:
    spec: Spec
    images: dict[str, str]  # image key -> resolved URI
    region: str = ""  # the deploy region (script mode names it for the toolkit)

    @cached_property
    def _by_name(self) -> dict[str, Any]:
        # Every reference to a step output looks its step up: a scan of the steps each
        # time made emitting a chain quadratic. The first step of a name wins, as before.
        by_name: dict[str, Any] = {}
        for step in self.spec.steps:
            by_name.setdefault(step.name, step)
        return by_name

    def step(self, name: str) -> Any:
        return self._by_name[name]


def job_setting(ctx: EmitContext, step: Any, field: str) -> Any:
    """A job step's own setting, or the one it inherits from ``defaults``."""
    own = getattr(step, field)
    return own if own is not None else getattr(ctx.spec.defaults, field)


def image_uri(ctx: EmitContext, image: Any) -> Any:
    """A key of ``images`` -> its resolved URI; a {param} -> the parameter's value."""
    return ctx.images[image] if isinstance(image, str) else emit_value(ctx, image)


def emit_map(ctx: EmitContext, values: dict[str, Any]) -> dict[str, Any]:
    """A mapping of typed values (environment): literals as written, references emitted."""
    return {key: emit_value(ctx, value) for key, value in values.items()}


def output_property(ctx: EmitContext, ref: StepOutputRef) -> str:
    """The property path SageMaker resolves to an output's S3 URI."""
    target = ctx.step(ref.step)
    if isinstance(target, TrainingStep):
        return f"Steps.{ref.step}.ModelArtifacts.S3ModelArtifacts"
    if isinstance(target, ProcessingStep):
        return f"Steps.{ref.step}.ProcessingOutputConfig.Outputs['{ref.output}'].S3Output.S3Uri"
    if isinstance(target, TransformStep):
        return f"Steps.{ref.step}.TransformOutput.S3OutputPath"
    if isinstance(target, RegisterStep):
        return f"Steps.{ref.step}.ModelPackageArn"
    if isinstance(target, (LambdaStep, CallbackStep)):
        return f"Steps.{ref.step}.OutputParameters['{ref.output}']"
    raise ValueError(f"step {ref.step} has no outputs")  # rules reject this before emit


def output_expression(ctx: EmitContext, ref: StepOutputRef) -> dict[str, Any]:
    """The expression SageMaker resolves to an output's S3 URI (a Get, or a tuning step's
    best model through the top-k idiom)."""
    target = ctx.step(ref.step)
    if isinstance(target, TuningStep):
        return top_model_uri(ctx, target.name, 0)
    return {"Get": output_property(ctx, ref)}


def tuning_output_path(ctx: EmitContext, step: str) -> dict[str, Any]:
    """<artifacts>/<pipeline>/<step>/model: a tuning step's output path is NOT execution-scoped.
    Its jobs' names are unique already, and the top-k idiom rebuilds a model's URI from this
    path in the *reading* execution: with the execution id in it, a cached tuning step (whose
    jobs ran in an earlier execution) would point at a model that is not there."""
    return {
        "Std:Join": {
            "On": "/",
            "Values": [ctx.spec.pipeline.artifacts, ctx.spec.pipeline.name, step, "model"],
        }
    }


def top_model_uri(ctx: EmitContext, step: str, top_k: int) -> dict[str, Any]:
    """What the SDK's ``TuningStep.get_top_model_s3_uri(top_k, bucket, prefix)`` builds:
    ``s3://<bucket>/<prefix>/<k-th best job>/output/model.tar.gz`` under the tuning step's
    output path (TrainingJobSummaries are ordered best first)."""
    bucket, prefix = split_s3_uri(ctx.spec.pipeline.artifacts)
    prefix = "/".join(p for p in (prefix, ctx.spec.pipeline.name, step, "model") if p)
    return {
        "Std:Join": {
            "On": "/",
            "Values": [
                "s3:/",
                bucket,
                prefix,
                {"Get": f"Steps.{step}.TrainingJobSummaries[{top_k}].TrainingJobName"},
                "output/model.tar.gz",
            ],
        }
    }


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> ("bucket", "a/b")."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


def emit_value(ctx: EmitContext, value: Any, *, as_text: bool = False) -> Any:
    """A literal stays itself (as text where SageMaker wants strings); a reference becomes
    the expression SageMaker evaluates at run time."""
    if isinstance(value, ParamRef):
        return {"Get": f"Parameters.{value.param}"}
    if isinstance(value, StepOutputRef):
        return output_expression(ctx, value)
    if isinstance(value, ExecutionRef):
        return {"Get": f"Execution.{value.execution}"}
    if isinstance(value, PropertyRef):
        return {"Get": f"Steps.{value.property.step}.{property_path_text(value)}"}
    if isinstance(value, JoinRef):
        return {"Std:Join": {"On": value.on, "Values": [emit_value(ctx, v) for v in value.join]}}
    if isinstance(value, JsonGetRef):
        target = value.json_get
        return {
            "Std:JsonGet": {
                "PropertyFile": {
                    "Get": f"Steps.{target.step}.PropertyFiles.{target.property_file}"
                },
                "Path": target.path,
            }
        }
    if as_text and not isinstance(value, str):
        return literal_text(value)
    return value


def property_path_text(ref: PropertyRef) -> str:
    """The path as the SDK writes it (``A.B[0].C['key']``); rules checked that it parses."""
    tokens = property_paths.parse(ref.property.path)
    return property_paths.render(tokens) if tokens else ref.property.path


def literal_text(value: object) -> str:
    """How a literal is written where the API takes strings (arguments, hyperparameters)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def execution_scoped(ctx: EmitContext, step: str, output: str) -> dict[str, Any]:
    """<artifacts>/<pipeline>/<execution id>/<step>/<output>: no execution reads a prefix
    another execution could have filled."""
    return {
        "Std:Join": {
            "On": "/",
            "Values": [
                ctx.spec.pipeline.artifacts,
                ctx.spec.pipeline.name,
                {"Get": "Execution.PipelineExecutionId"},
                step,
                output,
            ],
        }
    }
