"""Rules on S3 locations: the artifacts prefix and parameter defaults, checked against how
each parameter is used (a default that feeds an S3 input must be an s3:// URI)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.model import ProcessingStep, RegisterStep, Step, TrainingStep
from compiler.references import ParamRef
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.variables import is_unresolved

PathT = tuple[str | int, ...]
_BUCKET_CHARACTERS = re.compile(r"[a-z0-9.\-]+")


def bucket_problem(bucket: str) -> str | None:
    """Why ``bucket`` is not an S3 bucket name (the general-purpose bucket naming rules)."""
    if not 3 <= len(bucket) <= 63:
        return f"is {len(bucket)} characters long; a bucket name has 3 to 63"
    if not _BUCKET_CHARACTERS.fullmatch(bucket):
        return "may hold only lowercase letters, digits, dots and hyphens"
    if not (bucket[0].isalnum() and bucket[-1].isalnum()):
        return "must begin and end with a letter or a digit"
    if ".." in bucket:
        return "must not hold two dots in a row"
    try:
        ipaddress.IPv4Address(bucket)
    except ValueError:
        pass
    else:
        return "must not look like an IP address"
    if bucket.startswith(("xn--", "sthree-")) or bucket.endswith(("-s3alias", "--ol-s3")):
        return "uses a prefix or suffix S3 reserves"
    return None


def s3_uri_problem(uri: str) -> str | None:
    """Why ``uri`` is not an ``s3://bucket/key`` URI, naming the bucket when it is at fault."""
    if not uri.startswith("s3://"):
        return "is not an s3://bucket/key URI"
    bucket = uri[len("s3://") :].split("/", 1)[0]
    why = bucket_problem(bucket)
    return f'has an invalid bucket name "{bucket}": it {why}' if why else None


@rule(
    "s3-uri-invalid",
    "limits",
    "The artifact location or an s3:// parameter default is not a valid S3 URI (bucket "
    "naming rules included).",
)
def s3_uri_invalid(ctx: SpecContext) -> Iterator[Diagnostic]:
    artifacts = ctx.spec.pipeline.artifacts
    where = ("pipeline", "artifacts")
    if not is_unresolved(artifacts):
        why = s3_uri_problem(artifacts)
        if why == "is not an s3://bucket/key URI":
            yield problem(
                "s3-uri-invalid", where, f'artifacts "{artifacts}" is not an s3://bucket/prefix URI'
            )
        elif why:
            yield problem("s3-uri-invalid", where, f'artifacts "{artifacts}" {why}')
        elif artifacts.endswith("/"):
            yield problem("s3-uri-invalid", where, f'artifacts "{artifacts}" must not end with "/"')
    for name, parameter in ctx.spec.parameters.items():
        default = parameter.default
        if isinstance(default, str) and default.startswith("s3://") and not is_unresolved(default):
            why = s3_uri_problem(default)
            if why:
                yield problem(
                    "s3-uri-invalid",
                    ("parameters", name, "default"),
                    f'default "{default}" of parameter "{name}" {why}',
                )


def _s3_uses(ctx: SpecContext) -> dict[str, list[str]]:
    """Parameter name -> what it feeds that must be an S3 location, in words."""
    uses: dict[str, list[str]] = {ctx.spec.pipeline.code_bundle: ["the code bundle"]}
    for step in ctx.spec.steps:
        for where, value in _s3_inputs(step):
            if isinstance(value, ParamRef):
                uses.setdefault(value.param, []).append(f'{where} of step "{step.name}"')
    return uses


def _s3_inputs(step: Step) -> Iterator[tuple[str, object]]:
    if isinstance(step, ProcessingStep):
        for item in step.inputs:
            yield f'the S3 input "{item.name}"', item.source
    elif isinstance(step, TrainingStep):
        for channel in step.channels:
            yield f'the channel "{channel.name}"', channel.source
    elif isinstance(step, RegisterStep):
        yield "the model data", step.model_data


@rule(
    "param-default-use",
    "references",
    "A parameter's default cannot be what its use needs (e.g. an http:// URL that feeds an S3 input).",
)
def param_default_use(ctx: SpecContext) -> Iterator[Diagnostic]:
    for name, uses in _s3_uses(ctx).items():
        parameter = ctx.spec.parameters.get(name)
        if parameter is None or parameter.type != "String":
            continue  # param-undefined / param-default-type report these
        default = parameter.default
        if not isinstance(default, str) or is_unresolved(default) or default.startswith("s3://"):
            continue
        more = f" (and {len(uses) - 1} more)" if len(uses) > 1 else ""
        yield problem(
            "param-default-use",
            ("parameters", name, "default"),
            f'parameter "{name}" feeds {uses[0]}{more}, which SageMaker reads from S3, but its '
            f'default "{default}" is not an s3:// URI',
        )
