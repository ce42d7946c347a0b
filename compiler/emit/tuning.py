"""Tuning steps -> their CreateHyperParameterTuningJob arguments: the training job's request
(as a training step emits it) as the TrainingJobDefinition, plus the tuning configuration."""

from __future__ import annotations

from typing import Any

from compiler.emit.processing import training_arguments
from compiler.emit.values import EmitContext, literal_text, tuning_output_path
from compiler.model import CategoricalRange, ContinuousRange, IntegerRange, TuningStep

_RANGE_KEYS = {
    "integer": "IntegerParameterRanges",
    "continuous": "ContinuousParameterRanges",
    "categorical": "CategoricalParameterRanges",
}


def _range(name: str, spec: IntegerRange | ContinuousRange | CategoricalRange) -> dict[str, Any]:
    if isinstance(spec, CategoricalRange):
        return {"Name": name, "Values": [literal_text(v) for v in spec.values]}
    return {
        "Name": name,
        "MinValue": literal_text(spec.min),
        "MaxValue": literal_text(spec.max),
        "ScalingType": spec.scaling,
    }


def parameter_ranges(step: TuningStep) -> dict[str, list[dict[str, Any]]]:
    """Ranges by kind; a kind with no range is left out (as the SDK does)."""
    ranges: dict[str, list[dict[str, Any]]] = {}
    for name, spec in step.ranges.items():
        ranges.setdefault(_RANGE_KEYS[spec.type], []).append(_range(name, spec))
    return ranges


def tuning_arguments(ctx: EmitContext, step: TuningStep) -> dict[str, Any]:
    job = training_arguments(ctx, step)
    job["OutputDataConfig"]["S3OutputPath"] = tuning_output_path(ctx, step.name)
    definition: dict[str, Any] = {
        "StaticHyperParameters": job.pop("HyperParameters"),
        **job,
    }
    if step.metric_definitions:
        definition["AlgorithmSpecification"]["MetricDefinitions"] = [
            {"Name": m.name, "Regex": m.regex} for m in step.metric_definitions
        ]
    limits: dict[str, Any] = {"MaxParallelTrainingJobs": step.max_parallel_jobs}
    if step.max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = step.max_jobs
    config: dict[str, Any] = {
        "Strategy": step.strategy,
        "ResourceLimits": limits,
        "TrainingJobEarlyStoppingType": step.early_stopping,
        "HyperParameterTuningJobObjective": {
            "Type": step.objective.type,
            "MetricName": step.objective.metric,
        },
        "ParameterRanges": parameter_ranges(step),
    }
    if step.random_seed is not None:
        config["RandomSeed"] = step.random_seed
    return {"HyperParameterTuningJobConfig": config, "TrainingJobDefinition": definition}
