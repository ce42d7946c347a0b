"""Model steps -> CreateModel arguments; transform steps -> CreateTransformJob arguments."""

from __future__ import annotations

from typing import Any

from compiler.emit.script_mode import inference_environment
from compiler.emit.values import EmitContext, emit_map, emit_value, execution_scoped, image_uri
from compiler.model import ModelStep, TransformStep

TRANSFORM_OUTPUT = "output"


def model_arguments(ctx: EmitContext, step: ModelStep) -> dict[str, Any]:
    environment: dict[str, Any] = emit_map(ctx, step.environment)
    if step.script is not None:
        environment.update(inference_environment(ctx, step.script))
    return {
        "ExecutionRoleArn": ctx.spec.pipeline.role,
        "PrimaryContainer": {
            "Image": image_uri(ctx, step.image),
            "Environment": environment,
            "ModelDataUrl": emit_value(ctx, step.model_data),
        },
    }


def transform_arguments(ctx: EmitContext, step: TransformStep) -> dict[str, Any]:
    defaults = ctx.spec.defaults
    transform_input: dict[str, Any] = {
        "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": emit_value(ctx, step.input)}
        },
        "SplitType": step.split_type,
        "CompressionType": step.compression,
    }
    if step.content_type is not None:
        transform_input["ContentType"] = step.content_type
    transform_output: dict[str, Any] = {
        "S3OutputPath": execution_scoped(ctx, step.name, TRANSFORM_OUTPUT),
        "AssembleWith": step.assemble_with,
    }
    if step.accept is not None:
        transform_output["Accept"] = step.accept
    arguments: dict[str, Any] = {
        "ModelName": {"Get": f"Steps.{step.model}.ModelName"},
        "TransformInput": transform_input,
        "TransformOutput": transform_output,
        "TransformResources": {
            "InstanceType": emit_value(
                ctx,
                step.instance_type if step.instance_type is not None else defaults.instance_type,
            ),
            "InstanceCount": emit_value(
                ctx,
                step.instance_count if step.instance_count is not None else defaults.instance_count,
            ),
        },
    }
    processing: dict[str, Any] = {}
    if step.input_filter is not None:
        processing["InputFilter"] = step.input_filter
    if step.output_filter is not None:
        processing["OutputFilter"] = step.output_filter
    if step.join_source != "None":
        processing["JoinSource"] = step.join_source
    if processing:
        arguments["DataProcessing"] = processing
    for key, value in (
        ("MaxPayloadInMB", step.max_payload_mb),
        ("MaxConcurrentTransforms", step.max_concurrent_transforms),
        ("BatchStrategy", step.batch_strategy),
    ):
        if value is not None:
            arguments[key] = value
    if step.environment:
        arguments["Environment"] = emit_map(ctx, step.environment)
    return arguments
