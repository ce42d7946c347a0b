"""Transform steps (CreateTransformJob arguments) -> ``type: transform``; the inverse of
``compiler.emit.transform.transform_arguments``. Its output is ``output``."""

from __future__ import annotations

from typing import Any

from compiler.importer import jobs
from compiler.importer.context import ImportContext, describe, mapping
from compiler.importer.values import spec_value

TYPE = "Transform"
KIND = "transform"
JOB = True
OUTPUT = "output"
_TOP_LEVEL = {
    "MaxPayloadInMB": "max_payload_mb",
    "MaxConcurrentTransforms": "max_concurrent_transforms",
    "BatchStrategy": "batch_strategy",
}
_PROCESSING = {
    "InputFilter": "input_filter",
    "OutputFilter": "output_filter",
    "JoinSource": "join_source",
}


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    return {f"Steps.{name}.TransformOutput.S3OutputPath": OUTPUT}


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    name = step["Name"]
    at = f"{path}.Arguments"
    arguments = mapping(ctx, step.get("Arguments"), at)
    model = arguments.get("ModelName")
    target = model.get("Get") if isinstance(model, dict) and len(model) == 1 else None
    prefix, _, prop = str(target).partition(".")
    step_name, _, prop = prop.partition(".")
    found: dict[str, Any] = {}
    if prefix == "Steps" and prop == "ModelName" and step_name in ctx.steps:
        found["model"] = step_name
    else:
        ctx.unsupported(
            f"{at}.ModelName",
            f"model {describe(model)}: the spec transforms "
            "with the model of a model step (model: STEP)",
        )
        found["model"] = str(step_name or "TODO")
    data_at = f"{at}.TransformInput"
    data = mapping(ctx, arguments.get("TransformInput"), data_at)
    source = mapping(
        ctx,
        mapping(ctx, data.get("DataSource"), f"{data_at}.DataSource").get("S3DataSource"),
        f"{data_at}.DataSource.S3DataSource",
    )
    found["input"] = spec_value(
        ctx, source.get("S3Uri"), f"{data_at}.DataSource.S3DataSource.S3Uri"
    )
    for key, field in (("ContentType", "content_type"), ("SplitType", "split_type"),
                       ("CompressionType", "compression")):  # fmt: skip
        if key in data:
            found[field] = data[key]
    out_at = f"{at}.TransformOutput"
    output = mapping(ctx, arguments.get("TransformOutput"), out_at)
    jobs.output_location(ctx, output.get("S3OutputPath"), name, OUTPUT, f"{out_at}.S3OutputPath")
    for key, field in (("AssembleWith", "assemble_with"), ("Accept", "accept")):
        if key in output:
            found[field] = output[key]
    found.update(
        jobs.resources(ctx, arguments.get("TransformResources"), f"{at}.TransformResources")
    )
    processing = mapping(ctx, arguments.get("DataProcessing") or {}, f"{at}.DataProcessing")
    for key, field in _PROCESSING.items():
        if key in processing:
            found[field] = processing[key]
    for key, field in _TOP_LEVEL.items():
        if key in arguments:
            found[field] = arguments[key]
    env = jobs.environment(ctx, arguments.get("Environment"), f"{at}.Environment")
    if env:
        found["environment"] = env
    return found
