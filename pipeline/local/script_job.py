"""Script mode, locally: what the SageMaker training toolkit does in a framework container.

From the toolkit's source (sagemaker-training-toolkit: ``environment.py``, ``files.py``,
``mapping.py``, ``entry_point.py``): the ``sagemaker_*`` hyperparameters are the toolkit's
own; ``sagemaker_submit_directory`` (a ``.tar.gz``, S3 or local) is unpacked into
``/opt/ml/code``; the script runs there as ``python <sagemaker_program> --key value ...``
with every other hyperparameter (sorted by name) as arguments and the ``SM_*`` environment;
``/opt/ml/input/config/hyperparameters.json`` holds them all. Here the container's paths are
folders of the job's sandbox and the script runs with this environment's Python.
A ``requirements.txt`` in the bundle is not installed locally (it would change the shared
environment): the job log says so.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.local.errors import LocalEngineError, StepFailed
from pipeline.local.store import ObjectStore

PROGRAM = "sagemaker_program"
SUBMIT_DIRECTORY = "sagemaker_submit_directory"
# Hyperparameters the toolkit keeps for itself (never passed to the script).
TOOLKIT_KEYS = (PROGRAM, SUBMIT_DIRECTORY, "sagemaker_region", "sagemaker_container_log_level",
                "sagemaker_job_name", "sagemaker_enable_cloudwatch_metrics")  # fmt: skip


def is_script_mode(hyperparameters: Mapping[str, str]) -> bool:
    return PROGRAM in hyperparameters


def unpack_code(store: ObjectStore, uri: str, destination: Path) -> int:
    """``files.download_and_extract``: a .tar.gz at an S3 URI (or a local path) into
    ``destination``; a folder is copied as it is. Returns the number of files."""
    source = store.path_for(uri)
    destination.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        files = [p for p in source.rglob("*") if p.is_file()]
        for path in files:
            target = destination / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
        return len(files)
    if not source.is_file():
        raise LocalEngineError(f"no code bundle at {uri} ({source})")
    if not tarfile.is_tarfile(source):
        raise LocalEngineError(f"{uri} is not a .tar.gz code bundle")
    with tarfile.open(source, "r:gz") as tar:
        tar.extractall(destination, filter="data")
        return sum(1 for member in tar.getmembers() if member.isfile())


def _decoded(value: str) -> Any:
    """The toolkit json-decodes each hyperparameter, keeping the text when it is not JSON."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _argument(value: Any) -> str:
    """``mapping.to_cmd_args``: strings as they are, anything else as its JSON text."""
    return value if isinstance(value, str) else json.dumps(value)


def prepare(
    store: ObjectStore,
    job_name: str,
    root: Path,
    channels: Mapping[str, Mapping[str, Any]],
    hyperparameters: Mapping[str, str],
    environment: Mapping[str, str],
) -> tuple[list[str], Path, dict[str, str]]:
    """Lay out the sandbox as the toolkit would; return (command, working folder, env)."""
    program = hyperparameters[PROGRAM]
    submit = hyperparameters.get(SUBMIT_DIRECTORY)
    if not submit:
        raise StepFailed(f"ClientError: script mode needs {SUBMIT_DIRECTORY} (the code bundle)")
    code_dir = root / "opt/ml/code"
    try:
        unpack_code(store, submit, code_dir)
    except LocalEngineError as error:
        raise StepFailed(f"ClientError: {SUBMIT_DIRECTORY}: {error}") from error
    script = code_dir / program
    if not script.is_file():
        raise StepFailed(f"ClientError: {program} is not in the code bundle {submit}")
    user = {k: _decoded(v) for k, v in hyperparameters.items() if k not in TOOLKIT_KEYS}
    user.pop("_tuning_objective_metric", None)
    config = root / "opt/ml/input/config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "hyperparameters.json").write_text(json.dumps(dict(hyperparameters), indent=2))
    (config / "resourceconfig.json").write_text(
        json.dumps({"current_host": "algo-1", "hosts": ["algo-1"]})
    )
    args: list[str] = []
    for key in sorted(user):
        args += [f"--{key}" if len(key) > 1 else f"-{key}", _argument(user[key])]
    output = root / "opt/ml/output"
    (output / "data").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **environment,
        "SMPIPE_CONTAINER_ROOT": str(root),
        "TRAINING_JOB_NAME": job_name,
        "SM_MODEL_DIR": str(root / "opt/ml/model"),
        "SM_INPUT_DIR": str(root / "opt/ml/input"),
        "SM_INPUT_CONFIG_DIR": str(config),
        "SM_OUTPUT_DIR": str(output),
        "SM_OUTPUT_DATA_DIR": str(output / "data"),
        "SM_OUTPUT_INTERMEDIATE_DIR": str(output / "intermediate"),
        "SM_MODULE_DIR": submit,
        "SM_MODULE_NAME": Path(program).stem,
        "SM_USER_ENTRY_POINT": program,
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_CURRENT_HOST": "algo-1",
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        "SM_NUM_GPUS": "0",
        "SM_CHANNELS": json.dumps(sorted(channels)),
        "SM_HPS": json.dumps(user, sort_keys=True),
        "SM_USER_ARGS": json.dumps(args),
        "SM_LOG_LEVEL": "20",
    }
    for name, channel in channels.items():
        env[f"SM_CHANNEL_{name.upper()}"] = str(channel["path"])
    for key, value in user.items():
        env[f"SM_HP_{key.upper()}"] = _argument(value)
    if (code_dir / "requirements.txt").is_file():
        print(f"smpipe: {code_dir / 'requirements.txt'} is not installed locally", file=sys.stderr)
    return [sys.executable, str(script), *args], code_dir, env


def metric_data(log_path: Path, definitions: Any) -> list[dict[str, Any]]:
    """FinalMetricDataList from the job's log: for each metric definition, the value its
    regex's first group matched last (as SageMaker keeps the final value)."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    metrics = []
    for definition in definitions or []:
        try:
            pattern = re.compile(str(definition["Regex"]))
        except (re.error, KeyError):
            continue
        last = None
        for match in pattern.finditer(text):
            try:
                last = float(match.group(1))
            except (IndexError, TypeError, ValueError):
                continue
        if last is not None:
            metrics.append({"MetricName": definition["Name"], "Value": last})
    return metrics
