"""The local emulation of SageMaker's built-in XGBoost 1.7-1 training algorithm."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from titanic_support import spec_hyperparameters

from pipeline.local.xgboost_algorithm import AlgorithmError, Channel, train

ROOT = Path(__file__).resolve().parents[1]
SPEC_HYPERPARAMETERS = spec_hyperparameters()
QUICK = {**SPEC_HYPERPARAMETERS, "num_round": "3"}


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Channel]:
    """DataPreProcessing's output for the curated split, as the training channels."""
    root = tmp_path_factory.mktemp("channels")
    for split in ("train", "validation"):
        folder = root / "opt/ml/processing/input" / split
        folder.mkdir(parents=True)
        shutil.copy(ROOT / "data" / "curated" / f"{split}.csv", folder)
    subprocess.run(
        [sys.executable, str(ROOT / "pipeline" / "code" / "preprocess.py")],
        cwd=ROOT / "pipeline" / "code",
        env={**os.environ, "SMPIPE_CONTAINER_ROOT": str(root)},
        check=True,
        capture_output=True,
    )
    output = root / "opt/ml/processing/output"
    return {split: Channel(output / split, "text/csv") for split in ("train", "validation")}


def copy_channel(source: Channel, target: Path) -> Path:
    shutil.copytree(source.path, target)
    return target


def fail(channels: dict[str, Channel], hyperparameters: dict[str, str], tmp: Path) -> str:
    with pytest.raises(AlgorithmError) as caught:
        train(channels, hyperparameters, tmp / "model", io.StringIO())
    assert not (tmp / "model" / "model.tar.gz").exists()
    return caught.value.failure_reason


def test_trains_the_spec_model_into_model_tar_gz(
    channels: dict[str, Channel], tmp_path: Path
) -> None:
    import xgboost as xgb

    log = io.StringIO()
    train(channels, SPEC_HYPERPARAMETERS, tmp_path / "model", log)
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["model.tar.gz"]
    with tarfile.open(tmp_path / "model" / "model.tar.gz") as archive:
        assert archive.getnames() == ["xgboost-model"]
        archive.extract("xgboost-model", tmp_path)
    booster = xgb.Booster()
    booster.load_model(str(tmp_path / "xgboost-model"))
    assert booster.num_features() == 17
    assert (tmp_path / "xgboost-model").read_bytes()[:1] != b"{"  # 1.7's binary format
    rounds = re.findall(
        r"^\[(\d+)\]#011train-logloss:\d\.\d{5}#011validation-logloss:\d\.\d{5}$",
        log.getvalue(),
        re.MULTILINE,
    )
    assert rounds == [str(i) for i in range(200)]
    assert "Train matrix has 713 rows and 17 columns" in log.getvalue()
    assert "Validation matrix has 178 rows" in log.getvalue()


def test_training_is_deterministic_whatever_the_thread_count(
    channels: dict[str, Channel], tmp_path: Path
) -> None:
    # The emulation trains on one thread by default; the container on every core.
    train(channels, QUICK, tmp_path / "a", io.StringIO())
    train(channels, QUICK, tmp_path / "b", io.StringIO())
    train(channels, {**QUICK, "nthread": "2"}, tmp_path / "c", io.StringIO())
    first = (tmp_path / "a" / "model.tar.gz").read_bytes()
    assert first == (tmp_path / "b" / "model.tar.gz").read_bytes()
    assert first == (tmp_path / "c" / "model.tar.gz").read_bytes()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"eta": "2"}, "ClientError: Hyperparameter eta: 2.0 is not in [0, 1]"),
        ({"subsample": "0"}, "ClientError: Hyperparameter subsample: 0.0 is not in (0, 1]"),
        (
            {"max_depth": "five"},
            "ClientError: Hyperparameter max_depth: could not parse value (caused by ValueError)",
        ),
        ({"num_round": None}, "ClientError: Missing required hyperparameter: num_round"),
        ({"max_dept": "5"}, "ClientError: Extraneous hyperparameter found: max_dept"),
        (
            {"booster": "gbtre"},
            "ClientError: Hyperparameter booster: gbtre is not in ['gbtree', 'gblinear', 'dart']",
        ),
        ({"eval_metric": "logloss,bogus"}, "ClientError: Hyperparameter eval_metric: value "),
        (
            {"objective": "reg:squarederror", "eval_metric": "auc"},
            "ClientError: Metric 'auc' can only be applied for classification and ranking",
        ),
        (
            {"objective": "multi:softmax"},
            "ClientError: Require input for parameter 'num_class' for multi-classification",
        ),
    ],
)
def test_rejects_bad_hyperparameters_like_the_container(
    channels: dict[str, Channel], tmp_path: Path, change: dict[str, str | None], reason: str
) -> None:
    hyperparameters = {**SPEC_HYPERPARAMETERS, **change}
    given = {key: value for key, value in hyperparameters.items() if value is not None}
    assert fail(channels, given, tmp_path).startswith(reason)


def test_accepts_aliases(channels: dict[str, Channel], tmp_path: Path) -> None:
    quick = {key: value for key, value in QUICK.items() if key != "eta"}
    train(channels, {**quick, "learning_rate": "0.3"}, tmp_path / "model", io.StringIO())
    assert (tmp_path / "model" / "model.tar.gz").is_file()


def test_a_stray_file_with_another_delimiter_fails_like_the_container(
    channels: dict[str, Channel], tmp_path: Path
) -> None:
    folder = copy_channel(channels["validation"], tmp_path / "validation")
    rows = (folder / "validation.csv").read_text()
    (folder / "validation_extra.csv").write_text(rows.replace(",", ";"))
    reason = fail({**channels, "validation": Channel(folder)}, QUICK, tmp_path)
    assert reason == (
        "ClientError: Failed to load csv data with exception: Encountered parser error: "
        "Delimiter ',' is not found in the line. Expected ',' as the delimiter to separate fields."
    )


def test_a_label_only_file_beside_the_data_fails_as_in_the_seed(
    channels: dict[str, Channel], tmp_path: Path
) -> None:
    folder = copy_channel(channels["validation"], tmp_path / "validation")
    labels = [line.split(",")[0] for line in (folder / "validation.csv").read_text().split()]
    (folder / "validation_labels.csv").write_text("\n".join(labels) + "\n")
    reason = fail({**channels, "validation": Channel(folder)}, QUICK, tmp_path)
    assert "Delimiter ',' is not found in the line" in reason


def test_a_semicolon_only_channel_is_sniffed_as_the_container_does(
    channels: dict[str, Channel], tmp_path: Path
) -> None:
    # The container sniffs each channel's delimiter from its first line (csv.Sniffer), so a
    # channel that is semicolon-delimited throughout trains there too.
    folder = copy_channel(channels["validation"], tmp_path / "validation")
    path = folder / "validation.csv"
    path.write_text(path.read_text().replace(",", ";"))
    log = io.StringIO()
    train({**channels, "validation": Channel(folder)}, QUICK, tmp_path / "model", log)
    assert "Determined delimiter of CSV input is ';'" in log.getvalue()


def test_a_header_line_is_rejected(channels: dict[str, Channel], tmp_path: Path) -> None:
    folder = copy_channel(channels["train"], tmp_path / "train")
    path = folder / "train.csv"
    path.write_text("Survived," + ",".join(f"f{i}" for i in range(17)) + "\n" + path.read_text())
    reason = fail({**channels, "train": Channel(folder)}, QUICK, tmp_path)
    assert reason.startswith("ClientError: Non-numeric value 'S' found in the header line")
    assert "of file 'train.csv'" in reason


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("hidden", "ClientError: Hidden file found in the data path! Remove that before training."),
        ("empty", "ClientError: No data in training channel path "),
        ("no-train", "ClientError: Missing required channel: train"),
        ("extra", "ClientError: Extraneous channel found: test"),
        ("json", "ClientError: application/json is not an accepted ContentType: csv, libsvm"),
        ("label-size", "ClientError: text/csv; label_size=2 is not an accepted csv ContentType"),
    ],
)
def test_rejects_bad_channels(
    channels: dict[str, Channel], tmp_path: Path, setup: str, reason: str
) -> None:
    folder = copy_channel(channels["train"], tmp_path / "train")
    given = {**channels, "train": Channel(folder)}
    if setup == "hidden":
        (folder / ".DS_Store").write_text("x")
    elif setup == "empty":
        (folder / "train.csv").write_text("")
    elif setup == "no-train":
        del given["train"]
    elif setup == "extra":
        given["test"] = channels["validation"]
    elif setup == "json":
        given["train"] = Channel(folder, "application/json")
    elif setup == "label-size":
        given["train"] = Channel(folder, "text/csv; label_size=2")
    assert fail(given, QUICK, tmp_path).startswith(reason)


def test_content_type_parameters_and_libsvm(channels: dict[str, Channel], tmp_path: Path) -> None:
    with_label_size = {k: Channel(c.path, "text/csv; label_size=1") for k, c in channels.items()}
    train(with_label_size, QUICK, tmp_path / "csv", io.StringIO())
    libsvm = tmp_path / "libsvm"
    libsvm.mkdir()
    lines = []
    for row in (channels["train"].path / "train.csv").read_text().split():
        label, *values = row.split(",")
        lines.append(" ".join([label] + [f"{i}:{v}" for i, v in enumerate(values) if v != "0"]))
    (libsvm / "train.libsvm").write_text("\n".join(lines) + "\n")
    log = io.StringIO()
    train({"train": Channel(libsvm, None)}, QUICK, tmp_path / "svm", log)  # None: LIBSVM
    assert "Train matrix has 713 rows" in log.getvalue()


def test_container_metrics_and_early_stopping(channels: dict[str, Channel], tmp_path: Path) -> None:
    log = io.StringIO()
    hyperparameters = {
        **SPEC_HYPERPARAMETERS,
        "eval_metric": "logloss,accuracy",
        "early_stopping_rounds": "5",
    }
    train(channels, hyperparameters, tmp_path / "model", log)
    rounds = re.findall(r"^\[(\d+)\].*#011validation-accuracy:", log.getvalue(), re.MULTILINE)
    assert 5 < len(rounds) < 200  # stopped early on validation accuracy


def test_importing_the_module_does_not_import_xgboost() -> None:
    code = "import sys, pipeline.local.xgboost_algorithm; print('xgboost' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_eval_metric_without_objective_is_the_containers_internal_failure(
    channels: dict[str, Channel], tmp_path: Path
) -> None:
    given = {"num_round": "3", "eval_metric": "logloss"}
    with pytest.raises(AlgorithmError) as caught:
        train(channels, given, tmp_path / "model", io.StringIO())
    assert caught.value.kind == "AlgorithmError"
    assert "KeyError: 'objective'" in str(caught.value)
