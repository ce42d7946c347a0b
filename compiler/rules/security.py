"""Rules on job security and cost settings, with botocore's limits: VPC subnets and security
groups, KMS keys, managed spot training (max wait, checkpoints) and metric definitions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from compiler.diagnostics import Diagnostic, problem
from compiler.job_settings import JobSecurity
from compiler.model import TrainingStep
from compiler.rules.context import PathT, SpecContext
from compiler.rules.registry import rule
from compiler.sagemaker_data import check_name, limits
from compiler.variables import is_unresolved


def _owners(ctx: SpecContext) -> Iterator[tuple[PathT, JobSecurity]]:
    yield ("defaults",), ctx.spec.defaults
    for index, step in enumerate(ctx.spec.steps):
        if isinstance(step, JobSecurity):
            yield ("steps", index), step


def _too_many(kind: str, count: int) -> str | None:
    high = limits()[kind].get("max")
    return f"{count} given; SageMaker allows at most {high}" if high and count > high else None


@rule(
    "vpc-invalid",
    "security",
    "A VPC subnet or security group id breaks SageMaker's pattern or count (VpcConfig).",
)
def vpc_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    for base, owner in _owners(ctx):
        if owner.vpc is None:
            continue
        for field, kind, label in (
            ("subnets", "subnet_id", "subnet"),
            ("security_group_ids", "security_group_id", "security group"),
        ):
            values = getattr(owner.vpc, field)
            if why := _too_many(field, len(values)):
                yield problem("vpc-invalid", (*base, "vpc", field), f"{field}: {why}")
            prefix = "subnet-" if field == "subnets" else "sg-"
            for position, value in enumerate(values):
                if is_unresolved(value):
                    continue
                why = check_name(kind, value)
                if why is None and not value.startswith(prefix):
                    why = f"is not a {label} id ({prefix}...)"
                if why:
                    yield problem(
                        "vpc-invalid", (*base, "vpc", field, position), f'{label} "{value}" {why}'
                    )


@rule(
    "kms-key-invalid",
    "security",
    "A volume or output KMS key (or its parameter's default) is not a key id, ARN or alias.",
)
def kms_key_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    seen: set[PathT] = set()
    for base, owner in _owners(ctx):
        for field in ("volume_kms_key", "output_kms_key"):
            found = ctx.literal(getattr(owner, field), (*base, field), str)
            if found is None or found[1] in seen:
                continue
            value, path, via = found
            seen.add(path)
            why = check_name("kms_key_id", value) if value else "must not be empty"
            if why:
                yield problem("kms-key-invalid", path, f'{field} "{value}"{via} {why}')


@rule(
    "spot-training",
    "security",
    "Managed spot training: max_wait_seconds below the step's max_runtime_seconds, or a "
    "checkpoint location that is not an S3 URI.",
)
def spot_training(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, TrainingStep) or step.spot is None:
            continue
        path: PathT = ("steps", index, "spot")
        wait = step.spot.max_wait_seconds
        runtime: Any = step.stopping_condition.max_runtime_seconds
        found = ctx.literal(runtime, ("steps", index), int)
        if wait < 1:
            yield problem(
                "spot-training", (*path, "max_wait_seconds"), "max_wait_seconds must be at least 1"
            )
        elif found is not None and wait < found[0]:
            yield problem(
                "spot-training",
                (*path, "max_wait_seconds"),
                f"max_wait_seconds {wait} is less than max_runtime_seconds {found[0]}"
                f"{found[2]}: the wait for spot capacity plus the run must fit in it",
            )
        uri = step.spot.checkpoint_s3_uri
        if (
            uri is not None
            and not is_unresolved(uri)
            and (not uri.startswith("s3://") or check_name("checkpoint_s3_uri", uri))
        ):
            yield problem(
                "spot-training",
                (*path, "checkpoint_s3_uri"),
                f'checkpoint_s3_uri "{uri}" is not an s3://bucket/prefix URI',
            )


@rule(
    "metric-definition",
    "security",
    "A training metric definition has a bad name or regex (length, duplicate, no capture "
    "group, not a valid regular expression) or there are too many.",
)
def metric_definition(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, TrainingStep):
            continue
        base: PathT = ("steps", index, "metric_definitions")
        if why := _too_many("metric_definitions", len(step.metric_definitions)):
            yield problem("metric-definition", base, f"metric_definitions: {why}")
        names: set[str] = set()
        for position, metric in enumerate(step.metric_definitions):
            at = (*base, position)
            if why := check_name("metric_name", metric.name):
                yield problem(
                    "metric-definition", (*at, "name"), f'metric name "{metric.name}" {why}'
                )
            elif metric.name in names:
                yield problem(
                    "metric-definition", (*at, "name"), f'metric "{metric.name}" is defined twice'
                )
            names.add(metric.name)
            if why := check_name("metric_regex", metric.regex):
                yield problem("metric-definition", (*at, "regex"), f"regex {why}")
                continue
            try:
                groups = re.compile(metric.regex).groups
            except re.error as error:
                yield problem("metric-definition", (*at, "regex"), f"regex is not valid: {error}")
                continue
            if groups < 1:
                yield problem(
                    "metric-definition",
                    (*at, "regex"),
                    "regex has no capture group: SageMaker takes the metric's value from the first",
                )
