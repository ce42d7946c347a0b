"""Processing and training steps -> their CreateProcessingJob / CreateTrainingJob arguments."""

from __future__ import annotations

import json
from typing import Any

# Re-exported: importers and the local engine's readers take them from here too.
from compiler.emit.bootstrap import BUNDLE_BOOTSTRAP as BUNDLE_BOOTSTRAP
from compiler.emit.bootstrap import CODE_DIR as CODE_DIR
from compiler.emit.metadata import PROMISED_PATHS_PREFIX, pieces
from compiler.emit.script_mode import training_hyperparameters
from compiler.emit.security import processing_security, training_security
from compiler.emit.values import (
    EmitContext,
    emit_map,
    emit_value,
    execution_scoped,
    image_uri,
    job_setting,
)
from compiler.model import (
    CacheSpec,
    ProcessingStep,
    Resources,
    Step,
    TrainingStep,
    TransformStep,
    TuningStep,
)

CODE_INPUT_NAME = "code"


def _resources(ctx: EmitContext, step: Resources) -> dict[str, Any]:
    return {
        "InstanceType": emit_value(ctx, job_setting(ctx, step, "instance_type")),
        "InstanceCount": emit_value(ctx, job_setting(ctx, step, "instance_count")),
        "VolumeSizeInGB": emit_value(ctx, job_setting(ctx, step, "volume_size_gb")),
    }


def cache_config(ctx: EmitContext, step: Resources | TransformStep) -> dict[str, Any] | None:
    cache: CacheSpec | None = step.cache or ctx.spec.defaults.cache
    if cache is None:
        return None
    config: dict[str, Any] = {"Enabled": cache.enabled}
    if cache.enabled and cache.expire_after:
        config["ExpireAfter"] = cache.expire_after
    return config


def _s3_input(name: str, uri: Any, local_path: str) -> dict[str, Any]:
    return {
        "InputName": name,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
            "S3CompressionType": "None",
        },
    }


def processing_arguments(ctx: EmitContext, step: ProcessingStep) -> dict[str, Any]:
    app: dict[str, Any] = {
        "ImageUri": image_uri(ctx, step.image),
        "ContainerEntrypoint": ["/bin/sh", "-c", BUNDLE_BOOTSTRAP, step.script],
    }
    if step.arguments:
        app["ContainerArguments"] = [emit_value(ctx, a, as_text=True) for a in step.arguments]
    inputs = [_s3_input(i.name, emit_value(ctx, i.source), i.destination) for i in step.inputs]
    bundle = {"Get": f"Parameters.{ctx.spec.pipeline.code_bundle}"}
    inputs.append(_s3_input(CODE_INPUT_NAME, bundle, CODE_DIR))
    arguments: dict[str, Any] = {
        "ProcessingResources": {"ClusterConfig": _resources(ctx, step)},
        "AppSpecification": app,
        "RoleArn": ctx.spec.pipeline.role,
        "ProcessingInputs": inputs,
    }
    if step.outputs:
        arguments["ProcessingOutputConfig"] = {
            "Outputs": [
                {
                    "OutputName": o.name,
                    "S3Output": {
                        "S3Uri": execution_scoped(ctx, step.name, o.name),
                        "LocalPath": o.source,
                        "S3UploadMode": "EndOfJob",
                    },
                }
                for o in step.outputs
            ]
        }
    if step.environment:
        arguments["Environment"] = emit_map(ctx, step.environment)
    processing_security(ctx, step, arguments)
    return arguments


def property_files(step: ProcessingStep) -> list[dict[str, str]]:
    return [
        {"PropertyFileName": p.name, "OutputName": p.output, "FilePath": p.path}
        for p in step.property_files
    ]


def promised_paths_metadata(steps: list[Step]) -> dict[str, str]:
    """``Metadata`` pieces ``smpipe-property-paths-<step>-<n>``: per step whose property files
    declare ``paths``, ``{"<property file>": [<path>, ...]}``. SageMaker's PropertyFile has
    no field for them; the local engine checks the written file against them. A spec that
    declares no paths emits nothing (the Titanic definition stays as it is)."""
    found: dict[str, str] = {}
    for step in steps:
        if not isinstance(step, ProcessingStep):
            continue
        promised = {p.name: list(p.paths) for p in step.property_files if p.paths}
        if promised:
            text = json.dumps(promised, sort_keys=True, separators=(",", ":"))
            found.update(pieces(f"{PROMISED_PATHS_PREFIX}{step.name}-", text))
    return found


def training_arguments(ctx: EmitContext, step: TrainingStep | TuningStep) -> dict[str, Any]:
    """CreateTrainingJob's request (a tuning step's TrainingJobDefinition starts from it)."""
    channels = []
    for channel in step.channels:
        entry: dict[str, Any] = {
            "ChannelName": channel.name,
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": emit_value(ctx, channel.source),
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
            "InputMode": "File",
        }
        if channel.content_type:
            entry["ContentType"] = channel.content_type
        channels.append(entry)
    arguments: dict[str, Any] = {
        "AlgorithmSpecification": {
            "TrainingInputMode": "File",
            "TrainingImage": image_uri(ctx, step.image),
        },
        "HyperParameters": {
            k: emit_value(ctx, v, as_text=True) for k, v in step.hyperparameters.items()
        },
        "InputDataConfig": channels,
        "ResourceConfig": _resources(ctx, step),
        "RoleArn": ctx.spec.pipeline.role,
        "StoppingCondition": {
            "MaxRuntimeInSeconds": emit_value(ctx, step.stopping_condition.max_runtime_seconds)
        },
        "OutputDataConfig": {
            "S3OutputPath": execution_scoped(ctx, step.name, "model"),
            "CompressionType": "GZIP",
        },
    }
    if step.script is not None:
        arguments["HyperParameters"].update(training_hyperparameters(ctx, step.script))
    if step.environment:
        arguments["Environment"] = emit_map(ctx, step.environment)
    if step.metric_definitions:
        arguments["AlgorithmSpecification"]["MetricDefinitions"] = [
            {"Name": m.name, "Regex": m.regex} for m in step.metric_definitions
        ]
    training_security(ctx, step, arguments)
    return arguments
