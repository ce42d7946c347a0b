"""Tuning steps (CreateHyperParameterTuningJob): real training jobs, up to
MaxParallelTrainingJobs at once, each with its own name and log; the best job by the
objective metric, and every job's summary best first, as DescribeHyperParameterTuningJob
and the pipeline's ``TrainingJobSummaries[k]`` idiom give them. Early stopping is not
emulated (every job runs to its end); see ``tuning_search`` for how values are picked."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from pipeline.local.database import utc_now
from pipeline.local.errors import StepFailed, StepStopped
from pipeline.local.expressions import to_text
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps.context import StepContext, StepResult
from pipeline.local.steps.training import TrainingJob, run_training_job
from pipeline.local.tuning_search import Search, grid, parse_ranges

TUNING_METRIC = "_tuning_objective_metric"


def tuning_job_name(ctx: StepContext) -> str:
    """At most 32 characters, as CreateHyperParameterTuningJob allows."""
    step = re.sub(r"[^A-Za-z0-9]", "", ctx.step.name)[:12] or "tuning"
    digest = hashlib.sha256(f"{ctx.execution_arn}/{ctx.attempt}".encode()).hexdigest()[:8]
    return f"{step}-{ctx.execution_id[-10:]}-{digest}"[:32].lower()


def run_tuning(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    config = arguments.get("HyperParameterTuningJobConfig") or {}
    definition = dict(arguments.get("TrainingJobDefinition") or {})
    ranges = parse_ranges(config)
    objective = config.get("HyperParameterTuningJobObjective") or {}
    metric = str(objective.get("MetricName", ""))
    maximize = objective.get("Type") == "Maximize"
    limits = config.get("ResourceLimits") or {}
    parallel = max(int(limits.get("MaxParallelTrainingJobs") or 1), 1)
    strategy = str(config.get("Strategy", "Bayesian"))
    max_jobs = limits.get("MaxNumberOfTrainingJobs")
    candidates = grid(ranges, max_jobs) if strategy == "Grid" else None
    total = len(candidates) if candidates is not None else int(max_jobs or 0)
    if total < 1:
        raise StepFailed("ClientError: ResourceLimits.MaxNumberOfTrainingJobs is required")
    search = Search(strategy, ranges, maximize, int(config.get("RandomSeed") or 0))
    static = {
        k: to_text(v) for k, v in (definition.pop("StaticHyperParameters", None) or {}).items()
    }
    if "sagemaker_program" not in static:  # built-in algorithms are told the objective
        static[TUNING_METRIC] = metric
    name = tuning_job_name(ctx)
    ctx.log(
        f"tuning job {name}: {strategy}, {total} training job(s), {parallel} at once, "
        f"{'maximize' if maximize else 'minimize'} {metric}"
    )
    logs = ctx.log_path.parent / f"{ctx.step.name}-{ctx.attempt}"

    def train(index: int, tuned: dict[str, str]) -> dict[str, Any]:
        digest = hashlib.sha256(json.dumps(tuned, sort_keys=True).encode()).hexdigest()[:8]
        job_name = f"{name}-{index + 1:03d}-{digest}"
        job = TrainingJob(
            job_name, ctx.job_dir / job_name / "sandbox", logs / f"{job_name}.log", ctx.stop
        )
        request = {**definition, "HyperParameters": {**static, **tuned}}
        summary: dict[str, Any] = {
            "TrainingJobName": job_name,
            "TrainingJobArn": f"{ARN_PREFIX}:training-job/{job_name}",
            "TuningJobName": name,
            "CreationTime": utc_now(),
            "TrainingStartTime": utc_now(),
            "TunedHyperParameters": tuned,
        }
        try:
            described = run_training_job(ctx.home.store, job, request)
        except StepFailed as failure:
            summary.update(
                TrainingJobStatus="Failed", FailureReason=str(failure), ObjectiveStatus="Failed"
            )
            return summary
        finally:
            summary["TrainingEndTime"] = utc_now()
        values = [m["Value"] for m in described["FinalMetricDataList"] if m["MetricName"] == metric]
        summary["TrainingJobStatus"] = "Completed"
        if values:
            summary["ObjectiveStatus"] = "Succeeded"
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": objective.get("Type"),
                "MetricName": metric,
                "Value": values[-1],
            }
        else:
            summary["ObjectiveStatus"] = "Failed"
            summary["FailureReason"] = f"the job emitted no {metric} metric"
        return summary

    summaries: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="smpipe-tuning") as pool:
        running: dict[Future[dict[str, Any]], int] = {}
        started = 0
        while started < total or running:
            while started < total and len(running) < parallel and not ctx.stop.is_set():
                tuned = candidates[started] if candidates is not None else search.propose(started)
                running[pool.submit(train, started, tuned)] = started
                started += 1
            if not running:
                break
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                index = running.pop(future)
                try:
                    summary = future.result()
                except StepStopped:
                    ctx.stop.set()
                    continue
                summaries.append(summary)
                value = summary.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value")
                search.tell(index, value)
                shown = f"{metric}={value:g}" if value is not None else summary.get("FailureReason")
                ctx.log(
                    f"{summary['TrainingJobName']}: {summary['TrainingJobStatus']} {shown} "
                    f"{json.dumps(summary['TunedHyperParameters'], sort_keys=True)}; "
                    f"log: {logs / (summary['TrainingJobName'] + '.log')}"
                )
    if ctx.stop.is_set():
        raise StepStopped("the execution was stopped")
    return _result(name, arguments, summaries, maximize)


def _result(
    name: str, arguments: Mapping[str, Any], summaries: list[dict[str, Any]], maximize: bool
) -> StepResult:
    def key(summary: dict[str, Any]) -> tuple[int, float]:
        value = summary.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value")
        if value is None:
            return (1, 0.0)
        return (0, -value if maximize else value)

    ranked = sorted(summaries, key=key)  # stable: ties keep the order jobs finished in
    succeeded = [s for s in ranked if s.get("ObjectiveStatus") == "Succeeded"]
    if not succeeded:
        reasons = "; ".join(s.get("FailureReason", "") for s in ranked[:3])
        raise StepFailed(f"ClientError: no training job of {name} succeeded: {reasons}")
    failed = len(ranked) - len(succeeded)
    best = succeeded[0]
    arn = f"{ARN_PREFIX}:hyper-parameter-tuning-job/{name}"
    properties = {
        **arguments,
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": arn,
        "HyperParameterTuningJobStatus": "Completed",
        "BestTrainingJob": best,
        "TrainingJobSummaries": ranked,
        "TrainingJobStatusCounters": {
            "Completed": sum(s["TrainingJobStatus"] == "Completed" for s in ranked),
            "InProgress": 0,
            "RetryableError": 0,
            "NonRetryableError": sum(s["TrainingJobStatus"] == "Failed" for s in ranked),
            "Stopped": 0,
        },
        "ObjectiveStatusCounters": {"Succeeded": len(succeeded), "Pending": 0, "Failed": failed},
    }
    objective = best["FinalHyperParameterTuningJobObjectiveMetric"]
    metadata = {
        "HyperParameterTuningJobArn": arn,
        "BestTrainingJob": best["TrainingJobName"],
        "BestObjective": f"{objective['MetricName']}={objective['Value']:g}",
        "TrainingJobs": f"{len(ranked)} ({failed} failed)",
    }
    return StepResult(properties, metadata)
