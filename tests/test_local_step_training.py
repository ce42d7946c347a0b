"""The Training runner called in this process on hand-written steps: script mode with a
few-line script on a framework image, and the built-in XGBoost emulation on a tiny CSV.
What the job is given (command, folder, environment, channels), the model archive and its
key, metrics, properties and each refusal in full."""

from __future__ import annotations

import io
import json
import locale
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from local_support import SKLEARN_IMAGE, XGBOOST_IMAGE, logged, make_bundle, step_context

from pipeline.local.errors import CannotRunLocally, StepFailed, StepStopped
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps import training
from pipeline.local.steps.context import StepResult
from pipeline.local.steps.training import final_metric_data, run_training

SOURCE = "s3://bucket/code/source.tar.gz"
TRAIN = "s3://bucket/data/train/"
MODELS = "s3://bucket/models/"
TRAIN_SCRIPT = """
import json, os, sys
model = os.environ["SM_MODEL_DIR"]
seen = {"argv": sys.argv[1:], "cwd": os.getcwd(),
        "env": {k: os.environ.get(k) for k in ("PYTHONUNBUFFERED", "ALPHA", "BETA",
                "SM_CHANNEL_TRAIN", "SMPIPE_CONTAINER_ROOT")},
        "train": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"]))}
os.makedirs(os.path.join(model, "sub"))
with open(os.path.join(model, "seen.json"), "w") as f:
    json.dump(seen, f, sort_keys=True)
with open(os.path.join(model, "sub", "weights.txt"), "w") as f:
    f.write("w")
print("loss=0.5")
print("loss=0.25 acc=0.75")
print("[3]#011train-auc:0.9")  # the built-in algorithm's line: not read in script mode
"""
ARCHIVE_SCRIPT = """
import os, tarfile
model = os.environ["SM_MODEL_DIR"]
with open(os.path.join(model, "inner.txt"), "w") as f:
    f.write("inner")
with tarfile.open(os.path.join(model, "model.tar.gz"), "w:gz") as tar:
    tar.add(os.path.join(model, "inner.txt"), arcname="packed-by-the-script.txt")
"""
FAIL_SCRIPT = """
import os, sys
if os.environ.get("WRITE_FAILURE"):
    with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
        f.write("  ClientError: the label column is missing\\n")
print("Traceback: something broke")
sys.exit(2)
"""
NOTHING_SCRIPT = "print('trained nothing')\n"
SLEEP_SCRIPT = "import time\ntime.sleep(30)\n"


def _arguments(program: str = "train.py", **extra: Any) -> dict[str, Any]:
    return {
        "AlgorithmSpecification": {
            "TrainingImage": SKLEARN_IMAGE,
            "TrainingInputMode": "File",
            "MetricDefinitions": [
                {"Name": "loss", "Regex": r"loss=([0-9.]+)"},
                {"Name": "acc", "Regex": r"acc=([0-9.]+)"},
            ],
        },
        "HyperParameters": {
            "sagemaker_program": program,
            "sagemaker_submit_directory": SOURCE,
            "depth": 3,
            "flag": True,
        },
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3Uri": TRAIN, "S3DataType": "S3Prefix"}},
                "ContentType": "text/csv",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": MODELS},
        "Environment": {"ALPHA": "a", "BETA": 2},
        **extra,
    }


def _context(tmp_path: Path, arguments: dict[str, Any], **kwargs: Any) -> Any:
    step = {"Name": "Train", "Type": "Training", "Arguments": arguments}
    context = step_context(tmp_path / "state", step, **kwargs)
    bundle = make_bundle(
        tmp_path / "source.tar.gz",
        {
            "train.py": TRAIN_SCRIPT,
            "archive.py": ARCHIVE_SCRIPT,
            "fail.py": FAIL_SCRIPT,
            "nothing.py": NOTHING_SCRIPT,
            "sleep.py": SLEEP_SCRIPT,
        },
    )
    context.home.store.put_file(bundle, SOURCE)
    context.home.store.put_bytes(f"{TRAIN}a.csv", b"1,2\n")
    context.home.store.put_bytes(f"{TRAIN}b.csv", b"0,3\n")
    return context


def _members(context: Any, uri: str) -> dict[str, bytes]:
    with tarfile.open(context.home.store.path_for(uri), "r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def test_script_mode_trains_and_records_the_model_and_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # set by the runner, not inherited
    arguments = _arguments()
    context = _context(tmp_path, arguments, attempt=2)
    stale = context.job_dir / "sandbox" / "opt/ml/model" / "stale.bin"
    stale.parent.mkdir(parents=True)
    stale.write_text("an earlier attempt's")
    result = run_training(context, arguments)

    name = f"pipelines-{context.execution_id}-Train-2"
    arn = f"{ARN_PREFIX}:training-job/{name.lower()}"
    model_uri = f"s3://bucket/models/{name}/output/model.tar.gz"
    metrics = [{"MetricName": "loss", "Value": 0.25}, {"MetricName": "acc", "Value": 0.75}]
    assert result == StepResult(
        {
            **arguments,
            "TrainingJobName": name,
            "TrainingJobArn": arn,
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
            "FinalMetricDataList": metrics,
        },
        {"TrainingJobArn": arn, "ModelArtifacts": model_uri, "FinalMetrics": "loss=0.25 acc=0.75"},
    )
    root = context.job_dir / "sandbox"
    members = _members(context, model_uri)
    assert sorted(members) == ["seen.json", "sub/weights.txt"]
    seen = json.loads(members["seen.json"])
    assert seen == {
        "argv": ["--depth", "3", "--flag", "true"],
        "cwd": str(root / "opt/ml/code"),
        "env": {
            "PYTHONUNBUFFERED": "1",
            "ALPHA": "a",
            "BETA": "2",
            "SM_CHANNEL_TRAIN": str(root / "opt/ml/input/data/train"),
            "SMPIPE_CONTAINER_ROOT": str(root),
        },
        "train": ["a.csv", "b.csv"],
    }
    assert not root.exists()
    lines = logged(context)
    assert lines[:2] == [
        f"training job {name} ({SKLEARN_IMAGE}) in sandbox {root}",
        f"channel train: 2 object(s) from {TRAIN}",
    ]
    assert lines[-1] == f"model artifacts: {model_uri}"
    (row,) = context.home.state.steps(context.execution_arn)
    assert row["log_path"] == str(context.log_path) and isinstance(row["job_pid"], int)


def test_a_model_archive_the_job_wrote_is_kept_and_no_metric_no_final_metrics(
    tmp_path: Path,
) -> None:
    arguments = _arguments("archive.py", OutputDataConfig={"S3OutputPath": "s3://bucket/mX//"})
    arguments["AlgorithmSpecification"].pop("MetricDefinitions")
    context = _context(tmp_path, arguments)
    result = run_training(context, arguments)
    model_uri = f"s3://bucket/mX/{context.job_name()}/output/model.tar.gz"
    assert result.properties["ModelArtifacts"] == {"S3ModelArtifacts": model_uri}
    assert result.properties["FinalMetricDataList"] == []
    assert result.metadata == {
        "TrainingJobArn": result.properties["TrainingJobArn"],
        "ModelArtifacts": model_uri,
    }
    assert _members(context, model_uri) == {"packed-by-the-script.txt": b"inner"}


def test_a_channel_read_as_one_object_or_as_a_prefix(tmp_path: Path) -> None:
    arguments = _arguments()
    source = arguments["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    source.update(S3Uri=f"{TRAIN}a.csv", S3DataType="S3Object")
    context = _context(tmp_path, arguments)
    result = run_training(context, arguments)
    seen = json.loads(_members(context, result.metadata["ModelArtifacts"])["seen.json"])
    assert seen["train"] == ["a.csv"]
    source["S3Uri"] = f"{TRAIN}a"  # no such object; as a prefix, every key that starts so
    with pytest.raises(StepFailed, match="ClientError: channel 'train': no object found"):
        run_training(context, arguments)
    del source["S3DataType"]  # S3Prefix
    context = _context(tmp_path / "prefix", arguments)
    context.home.store.put_bytes(f"{TRAIN}a.csv.bak", b"x")
    result = run_training(context, arguments)
    seen = json.loads(_members(context, result.metadata["ModelArtifacts"])["seen.json"])
    assert seen["train"] == ["a.csv", "a.csv.bak"]


def test_a_missing_channel_fails_naming_it(tmp_path: Path) -> None:
    arguments = _arguments()
    arguments["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = "s3://bucket/none/"
    context = _context(tmp_path, arguments)
    with pytest.raises(StepFailed) as raised:
        run_training(context, arguments)
    folder = context.home.root / "s3" / "bucket" / "none"
    assert str(raised.value) == (
        f"ClientError: channel 'train': no object found at s3://bucket/none/ ({folder}); "
        f"log: {context.log_path}"
    )
    assert raised.value.__cause__ is not None


def test_a_failing_job_fails_with_its_failure_file_or_log(tmp_path: Path) -> None:
    arguments = _arguments("fail.py")
    context = _context(tmp_path, arguments)
    with pytest.raises(StepFailed) as raised:
        run_training(context, arguments)
    assert str(raised.value) == (
        f"AlgorithmError: Traceback: something broke (exit code 2); see the log: {context.log_path}"
    )
    arguments["Environment"]["WRITE_FAILURE"] = "1"
    context = _context(tmp_path / "failure", arguments)
    with pytest.raises(StepFailed) as raised:
        run_training(context, arguments)
    assert str(raised.value) == (
        f"ClientError: the label column is missing (exit code 2); see the log: {context.log_path}"
    )


def test_a_job_that_writes_no_model(tmp_path: Path) -> None:
    arguments = _arguments("nothing.py")
    context = _context(tmp_path, arguments)
    with pytest.raises(StepFailed) as raised:
        run_training(context, arguments)
    assert str(raised.value) == "AlgorithmError: the algorithm wrote no model to /opt/ml/model"


@pytest.mark.parametrize("output", [{}, {"S3OutputPath": ""}, None])
def test_an_output_path_is_required(tmp_path: Path, output: Any) -> None:
    arguments = _arguments(OutputDataConfig=output)
    context = _context(tmp_path, arguments)
    with pytest.raises(StepFailed) as raised:
        run_training(context, arguments)
    assert str(raised.value) == "ClientError: OutputDataConfig.S3OutputPath is missing"


def test_the_stopping_condition_and_a_stop(tmp_path: Path) -> None:
    arguments = _arguments("sleep.py", StoppingCondition={"MaxRuntimeInSeconds": 0.5})
    context = _context(tmp_path, arguments)
    with pytest.raises(StepFailed) as raised:
        run_training(context, arguments)
    assert str(raised.value) == (
        "MaxRuntimeExceeded: the job ran longer than its 0.5 s stopping condition; "
        f"log: {context.log_path}"
    )
    context = _context(tmp_path / "stopped", arguments)
    context.stop.set()
    with pytest.raises(StepStopped):
        run_training(context, arguments)


def test_images_are_checked_for_each_mode(tmp_path: Path) -> None:
    arguments = _arguments()
    arguments["AlgorithmSpecification"]["TrainingImage"] = XGBOOST_IMAGE.replace(
        "sagemaker-xgboost:1.7-1", "my-trainer:1"
    )
    context = _context(tmp_path, arguments)
    with pytest.raises(CannotRunLocally) as raised:
        run_training(context, arguments)
    assert str(raised.value).startswith(
        f"step '{context.job_name()}': image '{arguments['AlgorithmSpecification']['TrainingImage']}'"
        " cannot run a script locally"
    )
    del arguments["HyperParameters"]["sagemaker_program"]
    arguments["AlgorithmSpecification"]["TrainingImage"] = SKLEARN_IMAGE
    with pytest.raises(CannotRunLocally) as raised:
        run_training(context, arguments)
    assert str(raised.value).startswith(
        f"step '{context.job_name()}': training image '{SKLEARN_IMAGE}' cannot run locally"
    )


# ---- the built-in XGBoost emulation ----

XGBOOST_ARGUMENTS: dict[str, Any] = {
    "AlgorithmSpecification": {"TrainingImage": XGBOOST_IMAGE, "TrainingInputMode": "File"},
    "HyperParameters": {
        "objective": "binary:logistic",
        "num_round": 2,
        "max_depth": "2",
        "eval_metric": "error",
    },
    "InputDataConfig": [
        {
            "ChannelName": name,
            "DataSource": {"S3DataSource": {"S3Uri": f"s3://bucket/xgb/{name}/"}},
            "ContentType": "text/csv",
        }
        for name in ("train", "validation")
    ],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/xgb-models"},
}
ROWS = "".join(f"{i % 2},{i},{(i * 7) % 5}\n" for i in range(20))


def test_the_built_in_algorithm_trains_on_a_tiny_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs: list[dict[str, Any]] = []
    real_run_job = training.run_job

    def recorded(command: list[str], **kwargs: Any) -> int:
        spec = json.loads(Path(command[-1]).read_text())
        jobs.append(
            {"command": command, "spec": spec, "text": Path(command[-1]).read_text(), **kwargs}
        )
        return real_run_job(command, **kwargs)

    monkeypatch.setattr(training, "run_job", recorded)
    monkeypatch.setenv("KEPT_FROM_PARENT", "yes")
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    arguments = json.loads(json.dumps(XGBOOST_ARGUMENTS))
    arguments["AlgorithmSpecification"]["MetricDefinitions"] = [
        {"Name": "validation:error", "Regex": "never matches ([0-9]+)"},
        {"Name": "train:error", "Regex": r"#011train-error:([0-9.]+)"},
    ]
    arguments["Environment"] = {"ALPHA": 1}
    arguments["InputDataConfig"][1].pop("ContentType")  # libsvm by default: a failure
    context = step_context(tmp_path, {"Name": "Train", "Type": "Training", "Arguments": {}})
    for name in ("train", "validation"):
        context.home.store.put_bytes(f"s3://bucket/xgb/{name}/part.csv", ROWS.encode())
    result = run_training(context, arguments)
    root = context.job_dir / "sandbox"
    job = jobs[-1]
    assert job["command"][-4:] == [
        job["command"][-4],
        "-m",
        "pipeline.local.training_job",
        str(root / "job.json"),
    ]
    assert job["spec"] == {
        "channels": {
            "train": {"path": str(root / "opt/ml/input/data/train"), "content_type": "text/csv"},
            "validation": {
                "path": str(root / "opt/ml/input/data/validation"),
                "content_type": None,
            },
        },
        "hyperparameters": {
            "objective": "binary:logistic",
            "num_round": "2",
            "max_depth": "2",
            "eval_metric": "error",
        },
        "model_dir": str(root / "opt/ml/model"),
        "failure_file": str(root / "opt/ml/output/failure"),
    }
    assert job["text"] == json.dumps(job["spec"], indent=2)
    assert job["cwd"] == root
    env = job["env"]
    assert (env["ALPHA"], env["SMPIPE_CONTAINER_ROOT"], env["PYTHONUNBUFFERED"]) == (
        "1",
        str(root),
        "1",
    )
    assert env["KEPT_FROM_PARENT"] == "yes"
    assert (job["log_path"], job["stop"], job["max_runtime"]) == (
        context.log_path,
        context.stop,
        None,
    )
    metrics = {m["MetricName"]: m["Value"] for m in result.properties["FinalMetricDataList"]}
    assert set(metrics) == {"validation:error", "train:error"}
    names = [m["MetricName"] for m in result.properties["FinalMetricDataList"]]
    assert names == ["validation:error", "train:error"]  # built-in first, then the defined
    assert result.metadata["FinalMetrics"] == " ".join(f"{k}={v:g}" for k, v in metrics.items())
    members = _members(context, result.metadata["ModelArtifacts"])
    assert list(members) == ["xgboost-model"]


def test_final_metrics_are_the_last_evaluation_line(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text(
        "[0]#011train-logloss:0.9#011validation-auc:0.5\n"
        "[1]\ttrain-logloss:0.25\tvalidation-auc:0.75\tvalidation-ndcg@5:1e-3\n"
        "noise [2]#011train-logloss:0.1\n"
        " [3]#011train-logloss:0.2\n"
        "[x]#011train-logloss:0.3\n"
    )
    assert final_metric_data(log) == [
        {"MetricName": "train:logloss", "Value": 0.25},
        {"MetricName": "validation:auc", "Value": 0.75},
        {"MetricName": "validation:ndcg@5", "Value": 0.001},
    ]
    assert final_metric_data(tmp_path / "missing.log") == []
    log.write_text("no evaluation\n")
    assert final_metric_data(log) == []
    log.write_bytes(b"[7]#011train-rmse:-2.5E+1#011x:1#011valid-my-metric:2\xff\n")
    assert final_metric_data(log) == [
        {"MetricName": "train:rmse", "Value": -25.0},
        {"MetricName": "valid:my-metric", "Value": 2.0},  # the channel ends at the first -
    ]


def test_final_metrics_are_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text("[\u0661]#011train-auc:0.5\n", encoding="utf-8")  # an Arabic-Indic one
    before = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")
        assert final_metric_data(log) == [{"MetricName": "train:auc", "Value": 0.5}]
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_an_archive_holds_every_file_the_algorithm_left(tmp_path: Path) -> None:
    model = tmp_path / "sandbox" / "opt/ml/model"
    (model / "a" / "b").mkdir(parents=True)
    (model / "a" / "b" / "deep.bin").write_bytes(b"deep")
    (model / "top.json").write_text("{}")
    (model / "empty").mkdir()
    packed = training._model_archive(model, tmp_path / "sandbox")
    assert packed == tmp_path / "sandbox" / "model.tar.gz"
    with tarfile.open(packed, "r:gz") as tar:
        assert [m.name for m in tar.getmembers()] == ["a/b/deep.bin", "top.json"]
    (model / "model.tar.gz").write_bytes(io.BytesIO(b"own").getvalue())
    assert training._model_archive(model, tmp_path / "sandbox") == model / "model.tar.gz"
    assert os.path.exists(packed)


def test_a_job_without_channels_and_a_log_in_utf8(tmp_path: Path) -> None:
    arguments = _arguments("archive.py", OutputDataConfig={"S3OutputPath": "s3://bucket/modèles"})
    del arguments["InputDataConfig"]
    context = _context(tmp_path, arguments)
    before = locale.setlocale(locale.LC_CTYPE)
    try:  # the log is UTF-8 whatever the locale
        locale.setlocale(locale.LC_CTYPE, "C")
        result = run_training(context, arguments)
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    model_uri = f"s3://bucket/modèles/{context.job_name()}/output/model.tar.gz"
    assert result.metadata["ModelArtifacts"] == model_uri
    assert logged(context)[-1] == f"model artifacts: {model_uri}"
