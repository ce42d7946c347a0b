"""Condition, register and fail steps -> their definition arguments."""

from __future__ import annotations

from typing import Any

from compiler.emit.values import EmitContext, emit_map, emit_value, image_uri, output_expression
from compiler.model import ConditionStep, FailStep, MetricsFile, RegisterStep


def condition_arguments(
    ctx: EmitContext,
    step: ConditionStep,
    if_steps: list[dict[str, Any]],
    else_steps: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "Conditions": [
            {
                "Type": c.operator,
                "LeftValue": emit_value(ctx, c.left),
                "RightValue": emit_value(ctx, c.right),
            }
            for c in step.conditions
        ],
        "IfSteps": if_steps,
        "ElseSteps": else_steps,
    }


def _metrics_source(ctx: EmitContext, metrics: MetricsFile) -> dict[str, Any]:
    return {
        "ContentType": metrics.content_type,
        "S3Uri": {
            "Std:Join": {
                "On": "/",
                "Values": [output_expression(ctx, metrics.source), metrics.file],
            }
        },
    }


def register_arguments(ctx: EmitContext, step: RegisterStep) -> dict[str, Any]:
    quality: dict[str, Any] = {}
    if step.model_metrics is not None:
        if step.model_metrics.model_statistics is not None:
            quality["Statistics"] = _metrics_source(ctx, step.model_metrics.model_statistics)
        if step.model_metrics.model_constraints is not None:
            quality["Constraints"] = _metrics_source(ctx, step.model_metrics.model_constraints)
    arguments: dict[str, Any] = {
        "ModelPackageGroupName": emit_value(ctx, step.model_package_group),
        "InferenceSpecification": {
            "Containers": [
                {
                    "Image": image_uri(ctx, step.image),
                    "Environment": emit_map(ctx, step.environment),
                    "ModelDataUrl": emit_value(ctx, step.model_data),
                }
            ],
            "SupportedContentTypes": list(step.content_types),
            "SupportedResponseMIMETypes": list(step.response_types),
            "SupportedRealtimeInferenceInstanceTypes": [
                emit_value(ctx, i) for i in step.inference_instances
            ],
            "SupportedTransformInstanceTypes": [
                emit_value(ctx, i) for i in step.transform_instances
            ],
        },
        "ModelApprovalStatus": emit_value(ctx, step.approval_status),
        # What the SDK's ModelBuilder.register() sends: validation is left to SageMaker.
        "SkipModelValidation": "None",
    }
    if quality:
        # The SDK always sends the three sections; the empty ones are accepted as such.
        arguments["ModelMetrics"] = {"ModelQuality": quality, "Bias": {}, "Explainability": {}}
    if step.description:
        arguments["ModelPackageDescription"] = step.description
    return arguments


def fail_arguments(ctx: EmitContext, step: FailStep) -> dict[str, Any]:
    return {"ErrorMessage": emit_value(ctx, step.error_message, as_text=True)}
