"""RegisterModel steps (CreateModelPackage arguments) -> ``type: register``; the inverse
of ``compiler.emit.gate.register_arguments``."""

from __future__ import annotations

from typing import Any

from compiler.importer import jobs
from compiler.importer.context import ImportContext, describe, mapping, sequence
from compiler.importer.values import image_value, spec_value, typed_value
from compiler.rules import context as context_rules

TYPE = "RegisterModel"
KIND = "register"
JOB = False
_LISTS = {
    "SupportedContentTypes": "content_types",
    "SupportedResponseMIMETypes": "response_types",
    "SupportedRealtimeInferenceInstanceTypes": "inference_instances",
    "SupportedTransformInstanceTypes": "transform_instances",
}
_METRICS = {"Statistics": "model_statistics", "Constraints": "model_constraints"}


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    # The package ARN, in compilers whose register steps have that output.
    output = getattr(context_rules, "REGISTER_OUTPUT", None)
    return {f"Steps.{name}.ModelPackageArn": output} if isinstance(output, str) else {}


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    at = f"{path}.Arguments"
    arguments = mapping(ctx, step.get("Arguments"), at)
    spec_at = f"{at}.InferenceSpecification"
    inference = mapping(ctx, arguments.get("InferenceSpecification"), spec_at)
    containers = sequence(ctx, inference.get("Containers"), f"{spec_at}.Containers")
    if len(containers) != 1:
        ctx.unsupported(
            f"{spec_at}.Containers",
            f"{len(containers)} containers: the spec registers one inference container",
        )
    container = mapping(ctx, containers[0] if containers else {}, f"{spec_at}.Containers[0]")
    found: dict[str, Any] = {
        "model_data": spec_value(
            ctx, container.get("ModelDataUrl"), f"{spec_at}.Containers[0].ModelDataUrl"
        ),
        "image": image_value(ctx, container.get("Image"), f"{spec_at}.Containers[0].Image"),
        "model_package_group": typed_value(
            ctx, arguments.get("ModelPackageGroupName"), f"{at}.ModelPackageGroupName"
        ),
    }
    if "ModelApprovalStatus" in arguments:
        found["approval_status"] = typed_value(
            ctx, arguments["ModelApprovalStatus"], f"{at}.ModelApprovalStatus"
        )
    if step.get("Description") is None and "ModelPackageDescription" in arguments:
        found["description"] = arguments["ModelPackageDescription"]
    for key, field in _LISTS.items():
        values = [
            typed_value(ctx, item, f"{spec_at}.{key}[{index}]")
            for index, item in enumerate(sequence(ctx, inference.get(key), f"{spec_at}.{key}"))
        ]
        if values or field in ("content_types", "response_types"):
            found[field] = values
    metrics = _metrics(ctx, arguments.get("ModelMetrics"), f"{at}.ModelMetrics")
    if metrics:
        found["model_metrics"] = metrics
    env = jobs.environment(
        ctx, container.get("Environment"), f"{spec_at}.Containers[0].Environment"
    )
    if env:
        found["environment"] = env
    return found


def _metrics(ctx: ImportContext, value: Any, at: str) -> dict[str, Any]:
    quality = mapping(ctx, value, at).get("ModelQuality") if value is not None else None
    found = {}
    for key, field in _METRICS.items():
        source = quality.get(key) if isinstance(quality, dict) else None
        if source is None:
            continue
        where = f"{at}.ModelQuality.{key}"
        source = mapping(ctx, source, where)
        uri = source.get("S3Uri")
        parts = _output_and_file(ctx, uri)
        if parts is None:
            ctx.unsupported(
                f"{where}.S3Uri",
                f"metrics at {describe(uri)}: the spec names a "
                "file inside a step output ({source: {step:, output:}, file:})",
            )
            continue
        entry: dict[str, Any] = {"source": parts[0], "file": parts[1]}
        content_type = source.get("ContentType")
        if content_type != "application/json":
            entry["content_type"] = content_type
        found[field] = entry
    return found


def _output_and_file(ctx: ImportContext, uri: Any) -> tuple[dict[str, str], str] | None:
    """Std:Join("/", [<a step output>, "file"]) -> ({step, output}, file)."""
    body = uri.get("Std:Join") if isinstance(uri, dict) and len(uri) == 1 else None
    if not isinstance(body, dict) or body.get("On") != "/":
        return None
    values = body.get("Values")
    if not (isinstance(values, list) and len(values) == 2 and isinstance(values[1], str)):
        return None
    target = values[0].get("Get") if isinstance(values[0], dict) else None
    found = ctx.outputs.get(target) if isinstance(target, str) else None
    if found is None:
        return None
    return {"step": found[0], "output": found[1]}, values[1]
