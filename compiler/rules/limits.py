"""Rules from SageMaker's API limits (botocore's service model): names, sizes, enums."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from compiler.diagnostics import Diagnostic, problem
from compiler.model import (
    ProcessingStep,
    RegisterStep,
    Resources,
    TrainingStep,
    TransformStep,
    TuningStep,
)
from compiler.rules.context import SpecContext
from compiler.rules.pipeline_settings import max_parallel_steps_out_of_range
from compiler.rules.registry import rule
from compiler.sagemaker_data import check_name, limits
from compiler.variables import is_unresolved

PathT = tuple[str | int, ...]
# SageMaker's cache ExpireAfter: an ISO 8601 duration, with or without the leading "P"
# ("30d", "P30D", "T16m", "30dT5h", "5y"), case-insensitive.
_DURATION = re.compile(
    r"P?(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?", re.IGNORECASE
)


def _names(ctx: SpecContext) -> Iterator[tuple[str, str, PathT, str]]:
    """(limit kind, label, path, value) of every name SageMaker constrains."""
    yield "pipeline_name", "pipeline name", ("pipeline", "name"), ctx.spec.pipeline.name
    for name in ctx.spec.parameters:
        yield "parameter_name", "parameter name", ("parameters", name), name
    for index, step in enumerate(ctx.spec.steps):
        yield "step_name", "step name", ("steps", index, "name"), step.name
        if isinstance(step, (TrainingStep, TuningStep)):
            for position, channel in enumerate(step.channels):
                yield (
                    "channel_name",
                    "channel name",
                    ("steps", index, "channels", position, "name"),
                    channel.name,
                )
        if isinstance(step, RegisterStep):
            where = ("steps", index, "model_package_group")
            found = ctx.literal(step.model_package_group, where, str)
            if found is not None:
                value, path, via = found
                yield "model_package_group_name", f"model package group name{via}", path, value


@rule(
    "name-invalid",
    "limits",
    "A name breaks SageMaker's pattern or length for its kind (botocore's service model).",
)
def name_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    return _deduplicated(_invalid_names(ctx))


def _invalid_names(ctx: SpecContext) -> Iterator[Diagnostic]:
    for kind, label, path, value in _names(ctx):
        if is_unresolved(value):
            continue
        why = check_name(kind, value)
        if why:
            # Parameters are keyed by name: point at the key, not at its mapping.
            at_key = path[0] == "parameters" and path[-1] != "default"
            yield problem("name-invalid", path, f'{label} "{value}" {why}', at_key=at_key)
    if ctx.spec.pipeline.description is not None:
        why = check_name("pipeline_description", ctx.spec.pipeline.description)
        if why:
            yield problem(
                "name-invalid", ("pipeline", "description"), f"pipeline description {why}"
            )


@rule("role-arn-invalid", "limits", "The pipeline's role is not an IAM role ARN.")
def role_arn_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    role = ctx.spec.pipeline.role
    if not is_unresolved(role) and check_name("role_arn", role):
        yield problem(
            "role-arn-invalid",
            ("pipeline", "role"),
            f'"{role}" is not an IAM role ARN like arn:aws:iam::123456789012:role/NAME',
        )


def _job_setting(
    ctx: SpecContext, index: int, step: Resources | TransformStep, field: str
) -> tuple[Any, PathT]:
    """A step's own setting, or the default it inherits, with where it is written."""
    own = getattr(step, field)
    if own is not None:
        return own, ("steps", index, field)
    return getattr(ctx.spec.defaults, field), ("defaults", field)


def _deduplicated(found: Iterator[Diagnostic]) -> Iterator[Diagnostic]:
    """A default shared by several steps is one problem, reported once where it is written."""
    seen: set[PathT] = set()
    for diagnostic in found:
        if diagnostic.path not in seen:
            seen.add(diagnostic.path)
            yield diagnostic


@rule(
    "instance-type-unknown",
    "limits",
    "An instance type SageMaker does not offer for that kind of job.",
)
def instance_type_unknown(ctx: SpecContext) -> Iterator[Diagnostic]:
    return _deduplicated(_instance_types(ctx))


def _instance_types(ctx: SpecContext) -> Iterator[Diagnostic]:
    table = limits()
    for index, step in enumerate(ctx.spec.steps):
        checks: list[tuple[str, PathT, str]] = []
        if isinstance(step, (ProcessingStep, TrainingStep, TuningStep, TransformStep)):
            value, path = _job_setting(ctx, index, step, "instance_type")
            kind = {"processing": "processing", "transform": "transform"}.get(step.type, "training")
            checks.append((kind, path, value))
        elif isinstance(step, RegisterStep):
            for field, kind in (
                ("inference_instances", "inference"),
                ("transform_instances", "transform"),
            ):
                for position, value in enumerate(getattr(step, field)):
                    checks.append((kind, ("steps", index, field, position), value))
        for kind, where, setting in checks:
            found = ctx.literal(setting, where, str)
            if found is None:
                continue
            value, path, via = found
            if value not in table[f"{kind}_instance_type"]["enum"]:
                yield problem(
                    "instance-type-unknown",
                    path,
                    f'"{value}"{via} is not a SageMaker {kind} instance type',
                )


@rule(
    "approval-status-invalid",
    "limits",
    "A register step's approval status (or its parameter's default) is not one SageMaker takes.",
)
def approval_status_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    return _deduplicated(_approval_statuses(ctx))


def _approval_statuses(ctx: SpecContext) -> Iterator[Diagnostic]:
    allowed = limits()["model_approval_status"]["enum"]
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, RegisterStep):
            continue
        found = ctx.literal(step.approval_status, ("steps", index, "approval_status"), str)
        if found is not None and found[0] not in allowed:
            value, path, via = found
            yield problem(
                "approval-status-invalid",
                path,
                f'approval status "{value}"{via} is not one of {", ".join(allowed)}',
            )


@rule(
    "value-out-of-range",
    "limits",
    "A count, size, duration or string length is outside SageMaker's limits.",
)
def value_out_of_range(ctx: SpecContext) -> Iterator[Diagnostic]:
    yield from max_parallel_steps_out_of_range(ctx)
    yield from _deduplicated(_out_of_range(ctx))


def _out_of_range(ctx: SpecContext) -> Iterator[Diagnostic]:
    table = limits()

    def outside(kind: str, value: int) -> str | None:
        low, high = table[kind].get("min"), table[kind].get("max")
        low = max(low or 0, 1)  # a job needs at least one instance, one GB, one second
        if value < low:
            return f"at least {low}"
        if high is not None and value > high:
            return f"at most {high}"
        return None

    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, (ProcessingStep, TrainingStep, TuningStep)):
            continue
        job = "processing" if isinstance(step, ProcessingStep) else "training"
        settings: list[tuple[str, str, Any, PathT]] = [
            (f"{job}_{field}", field, *_job_setting(ctx, index, step, field))
            for field in ("instance_count", "volume_size_gb")
        ]
        if isinstance(step, (TrainingStep, TuningStep)):
            runtime = step.stopping_condition.max_runtime_seconds
            at: PathT = ("steps", index, "stopping_condition", "max_runtime_seconds")
            settings.append(("max_runtime_seconds", "max_runtime_seconds", runtime, at))
        for kind, field, setting, where in settings:
            found = ctx.literal(setting, where, int)
            if found is None:
                continue
            value, path, via = found
            bound = outside(kind, value)
            if bound:
                yield problem(
                    "value-out-of-range",
                    path,
                    f"{field} {value}{via} must be {bound} for a {job} job",
                )
        if isinstance(step, (TrainingStep, TuningStep)):
            maximum = table["hyperparameter_value"]["max"]
            for key, hyperparameter in step.hyperparameters.items():
                if isinstance(hyperparameter, BaseModel):
                    continue
                if len(str(hyperparameter)) > maximum:
                    yield problem(
                        "value-out-of-range",
                        ("steps", index, "hyperparameters", key),
                        f'hyperparameter "{key}" is {len(str(hyperparameter))} characters; SageMaker allows {maximum}',
                    )
        if isinstance(step, ProcessingStep):
            maximum = table["container_argument"]["max"]
            for position, argument in enumerate(step.arguments):
                if isinstance(argument, str) and len(argument) > maximum:
                    yield problem(
                        "value-out-of-range",
                        ("steps", index, "arguments", position),
                        f"argument is {len(argument)} characters; SageMaker allows {maximum}",
                    )


@rule(
    "processing-local-path",
    "limits",
    "A processing input or output path is not under /opt/ml/processing/.",
)
def processing_local_path(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, ProcessingStep):
            continue
        places = [
            ("inputs", i, "destination", item.destination) for i, item in enumerate(step.inputs)
        ]
        places += [("outputs", i, "source", item.source) for i, item in enumerate(step.outputs)]
        for field, position, key, path in places:
            if (
                not path.startswith("/opt/ml/processing/")
                or ".." in path.split("/")
                or path.rstrip("/") == "/opt/ml/processing/input/code"
            ):
                yield problem(
                    "processing-local-path",
                    ("steps", index, field, position, key),
                    f'"{path}" must be a folder under /opt/ml/processing/ (SageMaker mounts inputs and '
                    "collects outputs only there; /opt/ml/processing/input/code holds the code bundle)",
                )


@rule(
    "cache-expire-after",
    "limits",
    "A cache expire_after is not an ISO 8601 duration SageMaker accepts (e.g. 30d, P30D, T16m).",
)
def cache_expire_after(ctx: SpecContext) -> Iterator[Diagnostic]:
    places: list[tuple[PathT, str | None]] = []
    if ctx.spec.defaults.cache is not None:
        places.append((("defaults", "cache", "expire_after"), ctx.spec.defaults.cache.expire_after))
    for index, step in enumerate(ctx.spec.steps):
        cache = getattr(step, "cache", None)
        if cache is not None:
            places.append((("steps", index, "cache", "expire_after"), cache.expire_after))
    for path, value in places:
        if value is not None and not _DURATION.fullmatch(value):
            yield problem(
                "cache-expire-after",
                path,
                f'expire_after "{value}" is not an ISO 8601 duration such as "30d", "P30D", "T16m" or "30dT5h"',
            )
