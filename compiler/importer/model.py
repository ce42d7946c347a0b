"""Model steps (CreateModel arguments) -> ``type: model``; the inverse of
``compiler.emit.transform.model_arguments``. A transform step names it by ``model:``."""

from __future__ import annotations

from typing import Any

from compiler.importer import jobs
from compiler.importer.context import ImportContext, mapping
from compiler.importer.script_mode import take_script
from compiler.importer.values import image_value, spec_value

TYPE = "Model"
KIND = "model"
JOB = False


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    return {}


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    at = f"{path}.Arguments"
    arguments = mapping(ctx, step.get("Arguments"), at)
    jobs.role(ctx, arguments.get("ExecutionRoleArn"), f"{at}.ExecutionRoleArn")
    container = mapping(ctx, arguments.get("PrimaryContainer"), f"{at}.PrimaryContainer")
    found: dict[str, Any] = {
        "image": image_value(ctx, container.get("Image"), f"{at}.PrimaryContainer.Image"),
        "model_data": spec_value(
            ctx, container.get("ModelDataUrl"), f"{at}.PrimaryContainer.ModelDataUrl"
        ),
    }
    environment = dict(
        mapping(ctx, container.get("Environment") or {}, f"{at}.PrimaryContainer.Environment")
    )
    script = take_script(
        ctx, step["Name"], environment, f"{at}.PrimaryContainer.Environment", environment=True
    )
    if script is not None:
        found["script"] = script
    env = jobs.environment(ctx, environment, f"{at}.PrimaryContainer.Environment")
    if env:
        found["environment"] = env
    return found
