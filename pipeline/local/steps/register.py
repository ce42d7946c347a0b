"""RegisterModel steps: a new version in the local model registry, with its metrics."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pipeline.local.errors import StepFailed
from pipeline.local.expressions import to_text
from pipeline.local.steps.context import StepContext, StepResult

# SageMaker's model-quality report sections whose entries read {"value": x}.
_QUALITY_SECTIONS = (
    "binary_classification_metrics",
    "multiclass_classification_metrics",
    "regression_metrics",
)


def run_register(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    group = to_text(arguments["ModelPackageGroupName"])
    container = (arguments.get("InferenceSpecification") or {}).get("Containers", [{}])[0]
    model_data = container.get("ModelDataUrl")
    if model_data is not None:
        model_data = to_text(model_data)
        if not ctx.home.store.exists(model_data):
            raise StepFailed(f"ClientError: the model data {model_data} does not exist")
    statistics = ((arguments.get("ModelMetrics") or {}).get("ModelQuality") or {}).get(
        "Statistics"
    ) or {}
    metrics_uri = to_text(statistics["S3Uri"]) if statistics.get("S3Uri") else None
    metrics = _read_metrics(ctx, metrics_uri) if metrics_uri else {}
    package = ctx.home.registry.register(
        group,
        approval_status=to_text(arguments.get("ModelApprovalStatus", "PendingManualApproval")),
        model_data_url=model_data,
        image=to_text(container["Image"]) if container.get("Image") else None,
        metrics=metrics,
        metrics_uri=metrics_uri,
        source_execution=ctx.execution_arn,
        inference_specification=arguments.get("InferenceSpecification") or {},
        description=(
            to_text(arguments["ModelPackageDescription"])
            if arguments.get("ModelPackageDescription")
            else None
        ),
    )
    ctx.log(f"registered {package.arn} ({package.approval_status}) with metrics {metrics}")
    properties = {"ModelPackageArn": package.arn, "ModelPackageVersion": package.version}
    return StepResult(
        properties,
        {"ModelPackageArn": package.arn, "ModelApprovalStatus": package.approval_status},
    )


def _read_metrics(ctx: StepContext, uri: str) -> dict[str, float]:
    """Numbers from the report: the quality sections' values, then the seed's ``metrics``."""
    try:
        report = ctx.home.store.read_json(uri)
    except (OSError, ValueError) as error:
        raise StepFailed(f"ClientError: cannot read the model metrics at {uri}: {error}") from error
    found: dict[str, float] = {}
    for section in _QUALITY_SECTIONS:
        for name, entry in (report.get(section) or {}).items():
            if isinstance(entry, Mapping) and isinstance(entry.get("value"), int | float):
                found[name] = float(entry["value"])
    for name, value in (report.get("metrics") or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            found[name] = float(value)
    if not found:
        ctx.log(f"no numeric metrics in {uri}: {json.dumps(report)[:200]}")
    return found
