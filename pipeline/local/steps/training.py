"""Training steps: the built-in XGBoost image, emulated by ``xgboost_algorithm.train`` in a
subprocess (so ``smpipe stop`` and the time limit can end it), or script mode on a
framework image (``script_job``: the training toolkit's contract). Tuning steps run their
training jobs through :func:`run_training_job` too."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tarfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.local import containers, script_job
from pipeline.local.database import utc_now
from pipeline.local.errors import LocalEngineError, StepFailed
from pipeline.local.expressions import to_text
from pipeline.local.jobs import log_tail, run_job
from pipeline.local.metrics import defined_metric_data, merged
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps.context import StepContext, StepResult
from pipeline.local.store import ObjectStore

_EVALUATION_LINE = re.compile(r"^\[\d+\](?:#011|\t)")
_METRIC = re.compile(r"(?:#011|\t)([A-Za-z0-9_]+-[A-Za-z0-9_@:.-]+?):(-?[0-9.]+(?:[eE][-+]?\d+)?)")


@dataclass(frozen=True)
class TrainingJob:
    """One training job: a pipeline step's own, or one of a tuning step's."""

    name: str
    root: Path  # the sandbox standing in for the container's filesystem
    log_path: Path
    stop: threading.Event
    on_start: Callable[[int], None] | None = None

    def log(self, message: str) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"[smpipe {utc_now()}] {message}\n")


def run_training(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    job = TrainingJob(
        ctx.job_name(), ctx.job_dir / "sandbox", ctx.log_path, ctx.stop, ctx.job_started
    )
    properties = run_training_job(ctx.home.store, job, arguments)
    metadata = {
        "TrainingJobArn": properties["TrainingJobArn"],
        "ModelArtifacts": properties["ModelArtifacts"]["S3ModelArtifacts"],
    }
    if properties["FinalMetricDataList"]:
        metadata["FinalMetrics"] = " ".join(
            f"{m['MetricName']}={m['Value']:g}" for m in properties["FinalMetricDataList"]
        )
    return StepResult(properties, metadata)


def run_training_job(
    store: ObjectStore, job: TrainingJob, arguments: Mapping[str, Any]
) -> dict[str, Any]:
    """Run a CreateTrainingJob request; return its DescribeTrainingJob-like properties."""
    algorithm = arguments.get("AlgorithmSpecification") or {}
    hyperparameters = {
        key: to_text(value) for key, value in (arguments.get("HyperParameters") or {}).items()
    }
    script_mode = script_job.is_script_mode(hyperparameters)
    image = algorithm.get("TrainingImage")
    if script_mode:
        containers.check_framework_image(job.name, image)
    else:
        containers.check_training_image(job.name, image)
    root = job.root
    if root.exists():
        shutil.rmtree(root)
    job.log(f"training job {job.name} ({image}) in sandbox {root}")

    channels: dict[str, dict[str, str | None]] = {}
    for channel in arguments.get("InputDataConfig") or []:
        name = channel["ChannelName"]
        source = channel["DataSource"]["S3DataSource"]
        uri = to_text(source["S3Uri"])
        destination = root / "opt/ml/input/data" / name
        try:
            count = store.download(uri, destination, source.get("S3DataType", "S3Prefix"))
        except LocalEngineError as error:
            raise StepFailed(
                f"ClientError: channel {name!r}: {error}; log: {job.log_path}"
            ) from error
        job.log(f"channel {name}: {count} object(s) from {uri}")
        content_type = channel.get("ContentType")
        channels[name] = {"path": str(destination), "content_type": content_type}

    model_dir = root / "opt/ml/model"
    failure_file = root / "opt/ml/output/failure"
    model_dir.mkdir(parents=True)
    failure_file.parent.mkdir(parents=True)
    environment = {
        key: to_text(value) for key, value in (arguments.get("Environment") or {}).items()
    }
    if script_mode:
        command, cwd, env = script_job.prepare(
            store, job.name, root, channels, hyperparameters, environment
        )
    else:
        spec = {
            "channels": channels,
            "hyperparameters": hyperparameters,
            "model_dir": str(model_dir),
            "failure_file": str(failure_file),
        }
        job_file = root / "job.json"
        job_file.write_text(json.dumps(spec, indent=2))
        command = [sys.executable, "-m", "pipeline.local.training_job", str(job_file)]
        cwd = root
        env = {**os.environ, **environment, "SMPIPE_CONTAINER_ROOT": str(root)}
    env["PYTHONUNBUFFERED"] = "1"
    stopping = arguments.get("StoppingCondition") or {}
    exit_code = run_job(
        command,
        cwd=cwd,
        env=env,
        log_path=job.log_path,
        stop=job.stop,
        max_runtime=stopping.get("MaxRuntimeInSeconds"),
        on_start=job.on_start,
    )
    if exit_code != 0:
        # The job writes its own "ClientError: ..." / "AlgorithmError: ..." reason.
        reason = failure_file.read_text().strip() if failure_file.is_file() else ""
        if not reason:
            reason = f"AlgorithmError: {log_tail(job.log_path) or 'training failed'}"
        raise StepFailed(f"{reason} (exit code {exit_code}); see the log: {job.log_path}")

    artifact = _model_archive(model_dir, root)
    output_path = to_text((arguments.get("OutputDataConfig") or {}).get("S3OutputPath", ""))
    if not output_path:
        raise StepFailed("ClientError: OutputDataConfig.S3OutputPath is missing")
    model_uri = f"{output_path.rstrip('/')}/{job.name}/output/model.tar.gz"
    store.put_file(artifact, model_uri)
    job.log(f"model artifacts: {model_uri}")
    shutil.rmtree(root, ignore_errors=True)

    definitions = algorithm.get("MetricDefinitions") or []
    if script_mode:
        final_metrics = defined_metric_data(job.log_path, definitions)
    else:
        final_metrics = merged(
            final_metric_data(job.log_path), defined_metric_data(job.log_path, definitions)
        )
    return {
        **arguments,
        "TrainingJobName": job.name,
        "TrainingJobArn": f"{ARN_PREFIX}:training-job/{job.name.lower()}",
        "TrainingJobStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": model_uri},
        "FinalMetricDataList": final_metrics,
    }


def final_metric_data(log_path: Path) -> list[dict[str, Any]]:
    """The built-in algorithm's last evaluation line (``[199]#011train-logloss:0.1...``) as
    SageMaker's FinalMetricDataList (``validation:logloss`` ...)."""
    last = ""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            for line in log:
                if _EVALUATION_LINE.match(line):
                    last = line
    except OSError:
        return []
    metrics = []
    for name, value in _METRIC.findall(last):
        channel, _, metric = name.partition("-")
        metrics.append({"MetricName": f"{channel}:{metric}", "Value": float(value)})
    return metrics


def _model_archive(model_dir: Path, root: Path) -> Path:
    """The algorithm's model.tar.gz, or (as SageMaker does) a tarball of what it left there."""
    archive = model_dir / "model.tar.gz"
    if archive.is_file():
        return archive
    files = sorted(path for path in model_dir.rglob("*") if path.is_file())
    if not files:
        raise StepFailed("AlgorithmError: the algorithm wrote no model to /opt/ml/model")
    packed = root / "model.tar.gz"
    with tarfile.open(packed, "w:gz") as tar:
        for path in files:
            tar.add(path, arcname=path.relative_to(model_dir).as_posix())
    return packed
