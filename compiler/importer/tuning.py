"""Tuning steps (CreateHyperParameterTuningJob arguments) -> ``type: tuning``; the inverse of
``compiler.emit.tuning``: the TrainingJobDefinition reads like a training step, the tuning
configuration becomes objective, ranges, strategy and limits. Its output is ``best_model``."""

from __future__ import annotations

from typing import Any

from compiler.importer import training
from compiler.importer.context import ImportContext, describe, mapping, sequence
from compiler.importer.values import literal_from_text

TYPE = "Tuning"
KIND = "tuning"
JOB = True
_RANGES = {
    "IntegerParameterRanges": "integer",
    "ContinuousParameterRanges": "continuous",
    "CategoricalParameterRanges": "categorical",
}


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    return {}  # best_model is an expression (values.top_model), not a property path


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    at = f"{path}.Arguments"
    arguments = mapping(ctx, step.get("Arguments"), at)
    job_at = f"{at}.TrainingJobDefinition"
    job = dict(mapping(ctx, arguments.get("TrainingJobDefinition"), job_at))
    job["HyperParameters"] = job.pop("StaticHyperParameters", {})
    found = training.import_job(ctx, step["Name"], job, job_at, kind=KIND)
    algorithm = job.get("AlgorithmSpecification")
    metrics = algorithm.get("MetricDefinitions") if isinstance(algorithm, dict) else None
    if metrics:
        found["metric_definitions"] = [
            {"name": m.get("Name"), "regex": m.get("Regex")}
            for m in sequence(ctx, metrics, f"{job_at}.AlgorithmSpecification.MetricDefinitions")
            if isinstance(m, dict)
        ]
    config_at = f"{at}.HyperParameterTuningJobConfig"
    config = mapping(ctx, arguments.get("HyperParameterTuningJobConfig"), config_at)
    objective = mapping(
        ctx,
        config.get("HyperParameterTuningJobObjective"),
        f"{config_at}.HyperParameterTuningJobObjective",
    )
    found["objective"] = {"metric": objective.get("MetricName"), "type": objective.get("Type")}
    ranges: dict[str, Any] = {}
    by_kind = mapping(ctx, config.get("ParameterRanges"), f"{config_at}.ParameterRanges")
    for key, kind in _RANGES.items():
        for index, item in enumerate(
            sequence(ctx, by_kind.get(key), f"{config_at}.ParameterRanges.{key}")
        ):
            item = mapping(ctx, item, f"{config_at}.ParameterRanges.{key}[{index}]")
            ranges[str(item.get("Name"))] = _range(
                ctx, kind, item, f"{config_at}.ParameterRanges.{key}[{index}]"
            )
    found["ranges"] = ranges
    found["strategy"] = config.get("Strategy")
    limits = mapping(ctx, config.get("ResourceLimits"), f"{config_at}.ResourceLimits")
    if "MaxNumberOfTrainingJobs" in limits:
        found["max_jobs"] = limits["MaxNumberOfTrainingJobs"]
    found["max_parallel_jobs"] = limits.get("MaxParallelTrainingJobs")
    if "TrainingJobEarlyStoppingType" in config:
        found["early_stopping"] = config["TrainingJobEarlyStoppingType"]
    if "RandomSeed" in config:
        found["random_seed"] = config["RandomSeed"]
    return found


def _range(ctx: ImportContext, kind: str, item: dict[str, Any], path: str) -> dict[str, Any]:
    if kind == "categorical":
        values = sequence(ctx, item.get("Values"), f"{path}.Values")
        return {
            "type": kind,
            "values": [literal_from_text(v) if isinstance(v, str) else v for v in values],
        }
    found: dict[str, Any] = {"type": kind}
    for key, field in (("MinValue", "min"), ("MaxValue", "max")):
        value = item.get(key)
        number = literal_from_text(value) if isinstance(value, str) else value
        if kind == "integer" and isinstance(number, float) and number.is_integer():
            number = value  # "3.0" has no integer form that writes the same text
        if not isinstance(number, (int, float)) or isinstance(number, bool):
            ctx.unsupported(
                f"{path}.{key}", f"a range bound the spec cannot express: {describe(value)}"
            )
        found[field] = number
    if item.get("ScalingType", "Auto") != "Auto":
        found["scaling"] = item["ScalingType"]
    return found
