"""Model steps (CreateModel): check the model data exists and record the model by name, so
a transform step (of this or a later execution) finds its image, data and environment."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.local.errors import StepFailed
from pipeline.local.expressions import to_text
from pipeline.local.home import LocalHome
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps.context import StepContext, StepResult


def _models_dir(home: LocalHome) -> Path:
    return home.root / "models"


def load_model(home: LocalHome, name: str) -> dict[str, Any]:
    """DescribeModel of a model a model step created; StepFailed if there is none."""
    path = _models_dir(home) / f"{name}.json"
    if not path.is_file():
        raise StepFailed(f'ClientError: Could not find model "{name}"')
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def run_model(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    container = dict(arguments.get("PrimaryContainer") or {})
    if not container.get("Image"):
        raise StepFailed("ClientError: PrimaryContainer.Image is required")
    model_data = container.get("ModelDataUrl")
    if model_data is not None:
        model_data = to_text(model_data)
        container["ModelDataUrl"] = model_data
        if not ctx.home.store.exists(model_data):
            raise StepFailed(
                f"ClientError: Could not find model data at {model_data}; log: {ctx.log_path}"
            )
    container["Environment"] = {
        key: to_text(value) for key, value in (container.get("Environment") or {}).items()
    }
    name = ctx.job_name()
    arn = f"{ARN_PREFIX}:model/{name.lower()}"
    description = {
        "ModelName": name,
        "ModelArn": arn,
        "PrimaryContainer": container,
        "ExecutionRoleArn": arguments.get("ExecutionRoleArn"),
    }
    folder = _models_dir(ctx.home)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(description, indent=2, sort_keys=True))
    ctx.log(f"model {name}: {container['Image']} with {model_data}")
    return StepResult({**arguments, **description}, {"ModelArn": arn})
