"""Training steps on the built-in XGBoost image, emulated by ``xgboost_algorithm.train`` in a
subprocess (so ``smpipe stop`` and the time limit can end it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.local import containers
from pipeline.local.errors import LocalEngineError, StepFailed
from pipeline.local.expressions import to_text
from pipeline.local.jobs import log_tail, run_job
from pipeline.local.metrics import defined_metric_data, merged
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps.context import StepContext, StepResult

_EVALUATION_LINE = re.compile(r"^\[\d+\](?:#011|\t)")
_METRIC = re.compile(r"(?:#011|\t)([A-Za-z0-9_]+-[A-Za-z0-9_@:.-]+?):(-?[0-9.]+(?:[eE][-+]?\d+)?)")


def run_training(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    algorithm = arguments.get("AlgorithmSpecification") or {}
    containers.check_training_image(ctx.step.name, algorithm.get("TrainingImage"))
    root = ctx.job_dir / "sandbox"
    if root.exists():
        shutil.rmtree(root)
    job_name = ctx.job_name()
    ctx.log(f"training job {job_name} ({algorithm.get('TrainingImage')}) in sandbox {root}")

    channels: dict[str, dict[str, str | None]] = {}
    for channel in arguments.get("InputDataConfig") or []:
        name = channel["ChannelName"]
        source = channel["DataSource"]["S3DataSource"]
        uri = to_text(source["S3Uri"])
        destination = root / "opt/ml/input/data" / name
        try:
            count = ctx.home.store.download(uri, destination, source.get("S3DataType", "S3Prefix"))
        except LocalEngineError as error:
            raise StepFailed(
                f"ClientError: channel {name!r}: {error}; log: {ctx.log_path}"
            ) from error
        ctx.log(f"channel {name}: {count} object(s) from {uri}")
        content_type = channel.get("ContentType")
        channels[name] = {"path": str(destination), "content_type": content_type}

    model_dir = root / "opt/ml/model"
    failure_file = root / "opt/ml/output/failure"
    model_dir.mkdir(parents=True)
    failure_file.parent.mkdir(parents=True)
    job = {
        "channels": channels,
        "hyperparameters": {
            key: to_text(value) for key, value in (arguments.get("HyperParameters") or {}).items()
        },
        "model_dir": str(model_dir),
        "failure_file": str(failure_file),
    }
    job_file = root / "job.json"
    job_file.write_text(json.dumps(job, indent=2))
    env = {
        **os.environ,
        **{key: to_text(value) for key, value in (arguments.get("Environment") or {}).items()},
        "SMPIPE_CONTAINER_ROOT": str(root),
        "PYTHONUNBUFFERED": "1",
    }
    stopping = arguments.get("StoppingCondition") or {}
    exit_code = run_job(
        [sys.executable, "-m", "pipeline.local.training_job", str(job_file)],
        cwd=root,
        env=env,
        log_path=ctx.log_path,
        stop=ctx.stop,
        max_runtime=stopping.get("MaxRuntimeInSeconds"),
        on_start=ctx.job_started,
    )
    if exit_code != 0:
        # The job writes its own "ClientError: ..." / "AlgorithmError: ..." reason.
        reason = failure_file.read_text().strip() if failure_file.is_file() else ""
        if not reason:
            reason = f"AlgorithmError: {log_tail(ctx.log_path) or 'training failed'}"
        raise StepFailed(f"{reason} (exit code {exit_code}); see the log: {ctx.log_path}")

    artifact = _model_archive(model_dir, root)
    output_path = to_text((arguments.get("OutputDataConfig") or {}).get("S3OutputPath", ""))
    if not output_path:
        raise StepFailed("ClientError: OutputDataConfig.S3OutputPath is missing")
    model_uri = f"{output_path.rstrip('/')}/{job_name}/output/model.tar.gz"
    ctx.home.store.put_file(artifact, model_uri)
    ctx.log(f"model artifacts: {model_uri}")
    ctx.discard(root)

    arn = f"{ARN_PREFIX}:training-job/{job_name.lower()}"
    definitions = (arguments.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []
    final_metrics = merged(
        final_metric_data(ctx.log_path), defined_metric_data(ctx.log_path, definitions)
    )
    properties = {
        **arguments,
        "TrainingJobName": job_name,
        "TrainingJobArn": arn,
        "TrainingJobStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": model_uri},
        "FinalMetricDataList": final_metrics,
    }
    metadata = {"TrainingJobArn": arn, "ModelArtifacts": model_uri}
    if final_metrics:
        metadata["FinalMetrics"] = " ".join(
            f"{m['MetricName']}={m['Value']:g}" for m in final_metrics
        )
    return StepResult(properties, metadata)


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
