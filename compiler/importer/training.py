"""Training steps (CreateTrainingJob arguments) -> ``type: training``; the inverse of
``compiler.emit.processing.training_arguments``. A training step's one output is ``model``."""

from __future__ import annotations

from typing import Any

from compiler.importer import jobs, security
from compiler.importer.context import ImportContext, describe, mapping, sequence
from compiler.importer.fields import spec_fields
from compiler.importer.script_mode import take_script
from compiler.importer.values import image_value, spec_value, typed_value

TYPE = "Training"
KIND = "training"
JOB = True


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    return {f"Steps.{name}.ModelArtifacts.S3ModelArtifacts": "model"}


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    at = f"{path}.Arguments"
    return import_job(ctx, step["Name"], mapping(ctx, step.get("Arguments"), at), at)


def import_job(
    ctx: ImportContext, name: str, arguments: dict[str, Any], at: str, *, kind: str = KIND
) -> dict[str, Any]:
    """A CreateTrainingJob request (a tuning step's TrainingJobDefinition, its static
    hyperparameters as HyperParameters) -> the fields training and tuning steps share."""
    algorithm = mapping(
        ctx, arguments.get("AlgorithmSpecification"), f"{at}.AlgorithmSpecification"
    )
    found: dict[str, Any] = {
        "image": image_value(
            ctx, algorithm.get("TrainingImage"), f"{at}.AlgorithmSpecification.TrainingImage"
        ),
    }
    found.update(jobs.resources(ctx, arguments.get("ResourceConfig"), f"{at}.ResourceConfig"))
    jobs.role(ctx, arguments.get("RoleArn"), f"{at}.RoleArn")
    found.update(security.training(ctx, arguments, at))
    hyperparameters = dict(
        mapping(ctx, arguments.get("HyperParameters") or {}, f"{at}.HyperParameters")
    )
    if "script" in spec_fields(kind):
        script = take_script(ctx, name, hyperparameters, f"{at}.HyperParameters")
        if script is not None:
            found["script"] = script
    if hyperparameters:
        found["hyperparameters"] = {
            key: spec_value(ctx, value, f"{at}.HyperParameters.{key}", text=True)
            for key, value in hyperparameters.items()
        }
    channels = []
    for index, item in enumerate(
        sequence(ctx, arguments.get("InputDataConfig"), f"{at}.InputDataConfig")
    ):
        where = f"{at}.InputDataConfig[{index}]"
        item = mapping(ctx, item, where)
        source = mapping(
            ctx,
            mapping(ctx, item.get("DataSource"), f"{where}.DataSource").get("S3DataSource"),
            f"{where}.DataSource.S3DataSource",
        )
        channel: dict[str, Any] = {
            "name": item.get("ChannelName"),
            "source": spec_value(
                ctx, source.get("S3Uri"), f"{where}.DataSource.S3DataSource.S3Uri"
            ),
        }
        if "ContentType" in item:
            channel["content_type"] = item["ContentType"]
        channels.append(channel)
    found["channels"] = channels
    stopping = mapping(ctx, arguments.get("StoppingCondition") or {}, f"{at}.StoppingCondition")
    runtime = stopping.get("MaxRuntimeInSeconds")
    if isinstance(runtime, int) and not isinstance(runtime, bool):
        found["stopping_condition"] = {"max_runtime_seconds": runtime}
    elif isinstance(runtime, dict):
        where = f"{at}.StoppingCondition.MaxRuntimeInSeconds"
        found["stopping_condition"] = {"max_runtime_seconds": typed_value(ctx, runtime, where)}
    elif runtime is not None:
        ctx.unsupported(
            f"{at}.StoppingCondition.MaxRuntimeInSeconds",
            f"the spec takes a literal number of seconds, not {describe(runtime)}",
        )
    output = mapping(ctx, arguments.get("OutputDataConfig"), f"{at}.OutputDataConfig")
    jobs.output_location(
        ctx,
        output.get("S3OutputPath"),
        name,
        "model",
        f"{at}.OutputDataConfig.S3OutputPath",
        scoped=kind == KIND,
    )
    env = jobs.environment(ctx, arguments.get("Environment"), f"{at}.Environment")
    if env:
        found["environment"] = env
    return found
