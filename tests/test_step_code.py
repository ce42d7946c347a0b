"""The step scripts in pipeline/code/, run as the local engine runs them: a subprocess with
SMPIPE_CONTAINER_ROOT pointing at a sandbox that holds the container's /opt/ml tree."""

from __future__ import annotations

import csv
import io
import json
import os
import runpy
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from titanic_support import spec_hyperparameters

ROOT = Path(__file__).resolve().parents[1]
CODE = ROOT / "pipeline" / "code"
CURATED = ROOT / "data" / "curated"
PROCESSING = "opt/ml/processing"


def run_step(
    script: str, root: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMPIPE_CONTAINER_ROOT": str(root)}
    done = subprocess.run(
        [sys.executable, str(CODE / script), *args],
        cwd=CODE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


class Inline:
    """Run a step script in this process, as ``python script args`` would (``__main__``,
    argv, SMPIPE_CONTAINER_ROOT, the bundle on sys.path), for the many quick failure cases."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch, self.capsys = monkeypatch, capsys
        monkeypatch.syspath_prepend(str(CODE))

    def __call__(self, script: str, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
        self.monkeypatch.setenv("SMPIPE_CONTAINER_ROOT", str(root))
        self.monkeypatch.setattr(sys, "argv", [script, *args])
        self.capsys.readouterr()
        code = 0
        try:
            runpy.run_path(str(CODE / script), run_name="__main__")
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = self.capsys.readouterr()
        return subprocess.CompletedProcess([script, *args], code, captured.out, captured.err)


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Inline:
    return Inline(monkeypatch, capsys)


def stage_raw(root: Path, train: Path = CURATED / "train.csv") -> Path:
    """Lay the curated CSVs where DataPreProcessing's inputs land."""
    for split, source in (("train", train), ("validation", CURATED / "validation.csv")):
        folder = root / PROCESSING / "input" / split
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / f"{split}.csv")
    return root


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def rewrite(path: Path, edit: dict[str, str], row: int = 0) -> None:
    """Set fields of one data row of a raw CSV (row 0 = the first passenger)."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[row].update(edit)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def output(root: Path, split: str) -> Path:
    return root / PROCESSING / "output" / split / f"{split}.csv"


@pytest.fixture(scope="module")
def preprocessed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = stage_raw(tmp_path_factory.mktemp("preprocess"))
    run_step(
        "preprocess.py",
        root,
        "--input-train-uri",
        "s3://bucket/curated/train.csv",
        "--input-validation-uri",
        "s3://bucket/curated/validation.csv",
        "--code-bundle-uri",
        "s3://bucket/pipeline/code/abc/pipeline_code.tar.gz",
    )
    return root


# --- preprocess.py -----------------------------------------------------------------------


def test_preprocess_writes_one_label_first_headerless_file_per_prefix(preprocessed: Path) -> None:
    for split, count in (("train", 713), ("validation", 178)):
        folder = preprocessed / PROCESSING / "output" / split
        assert sorted(p.name for p in folder.iterdir()) == [f"{split}.csv"]
        rows = read_rows(output(preprocessed, split))
        assert len(rows) == count
        assert {len(row) for row in rows} == {18}
        for row in rows:
            [float(value) for value in row]  # numeric only, no header
        raw = read_rows(CURATED / f"{split}.csv")[1:]
        assert [row[0] for row in rows] == [row[1] for row in raw]  # the label, first


def test_preprocess_learns_nothing_from_validation(tmp_path: Path, preprocessed: Path) -> None:
    root = stage_raw(tmp_path)
    validation = root / PROCESSING / "input" / "validation" / "validation.csv"
    # Change what a validation passenger could teach: its age, port, fare, ticket and label.
    edits = {"Age": "80", "Embarked": "Q", "Fare": "500", "Ticket": "PC 17599", "Survived": "1"}
    for row in range(0, 40, 4):
        rewrite(validation, edits, row=row)
    run_step("preprocess.py", root)
    assert output(root, "train").read_bytes() == output(preprocessed, "train").read_bytes()


def test_validation_labels_reach_only_the_label_column(tmp_path: Path, preprocessed: Path) -> None:
    root = stage_raw(tmp_path)
    validation = root / PROCESSING / "input" / "validation" / "validation.csv"
    original = read_rows(output(preprocessed, "validation"))
    flipped = "1" if original[3][0] == "0" else "0"
    rewrite(validation, {"Survived": flipped}, row=3)
    run_step("preprocess.py", root)
    changed = read_rows(output(root, "validation"))
    assert changed[3][0] == flipped
    assert [r[1:] for r in changed] == [r[1:] for r in original]
    assert changed[:3] + changed[4:] == original[:3] + original[4:]


def test_preprocess_tolerates_extra_and_missing_provenance_arguments(
    tmp_path: Path, inline: Inline
) -> None:
    root = stage_raw(tmp_path)
    done = inline("preprocess.py", root, "--output-prefix", "s3://b/x", "--something", "else")
    assert done.returncode == 0, done.stderr
    assert "ignoring unknown arguments: --something else" in done.stdout


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"Fare": "abc"}, "train.csv: column Fare: non-numeric value 'abc' on line 3"),
        ({"Survived": "2"}, "train.csv: column Survived: labels must be 0 or 1, found 2 on line 3"),
        ({"Sex": "unknown"}, "train.csv: column Sex: must be male or female"),
        ({"Pclass": ""}, "train.csv: column Pclass: missing value on line 3"),
    ],
)
def test_preprocess_rejects_bad_values_naming_file_and_column(
    tmp_path: Path, inline: Inline, edit: dict[str, str], expected: str
) -> None:
    root = stage_raw(tmp_path)
    rewrite(root / PROCESSING / "input" / "train" / "train.csv", edit, row=1)
    assert_one_line_failure(inline("preprocess.py", root), expected)


def test_preprocess_fails_with_exit_code_1_and_one_stderr_line(tmp_path: Path) -> None:
    root = stage_raw(tmp_path)
    rewrite(root / PROCESSING / "input" / "validation" / "validation.csv", {"Age": "old"}, 4)
    done = run_step("preprocess.py", root, check=False)
    assert_one_line_failure(done, "validation.csv: column Age: non-numeric value 'old' on line 6")


def test_preprocess_rejects_a_missing_column(tmp_path: Path, inline: Inline) -> None:
    root = stage_raw(tmp_path)
    path = root / PROCESSING / "input" / "train" / "train.csv"
    rows = read_rows(path)
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([r[:5] + r[6:] for r in rows])
    assert_one_line_failure(
        inline("preprocess.py", root), "train.csv: missing required column(s): Age"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", "train.csv: the file is empty"), ("PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,"
      "Parch,Ticket,Fare,Cabin,Embarked\n", "train.csv: no data rows after the header")],
)  # fmt: skip
def test_preprocess_rejects_empty_input(
    tmp_path: Path, inline: Inline, content: str, expected: str
) -> None:
    root = stage_raw(tmp_path)
    (root / PROCESSING / "input" / "train" / "train.csv").write_text(content)
    assert_one_line_failure(inline("preprocess.py", root), expected)


def test_preprocess_wants_exactly_one_csv_per_input(tmp_path: Path, inline: Inline) -> None:
    root = stage_raw(tmp_path)
    folder = root / PROCESSING / "input" / "validation"
    shutil.copy(folder / "validation.csv", folder / "validation_labels.csv")
    done = inline("preprocess.py", root)
    assert_one_line_failure(done, "expected one .csv file in")
    assert "validation.csv, validation_labels.csv" in done.stderr
    shutil.rmtree(root / PROCESSING / "input" / "train")
    (root / PROCESSING / "input" / "train").mkdir()
    assert_one_line_failure(inline("preprocess.py", root), "no .csv file in")


def assert_one_line_failure(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert expected in lines[0]


# --- evaluate.py -------------------------------------------------------------------------

SPEC_HYPERPARAMETERS = spec_hyperparameters()


@pytest.fixture(scope="module")
def trained(preprocessed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """TrainModel's model.tar.gz, trained by the built-in XGBoost emulation on the spec."""
    from pipeline.local.xgboost_algorithm import Channel, train

    model_dir = tmp_path_factory.mktemp("model")
    output = preprocessed / PROCESSING / "output"
    channels = {split: Channel(output / split, "text/csv") for split in ("train", "validation")}
    train(channels, SPEC_HYPERPARAMETERS, model_dir, io.StringIO())
    return model_dir / "model.tar.gz"


def stage_evaluation(root: Path, model: Path, validation: Path) -> Path:
    """Lay ModelEvaluation's inputs: the model artifact and the preprocessed validation set."""
    (root / PROCESSING / "model").mkdir(parents=True)
    shutil.copy(model, root / PROCESSING / "model" / "model.tar.gz")
    (root / PROCESSING / "validation").mkdir(parents=True)
    shutil.copy(validation, root / PROCESSING / "validation" / "validation.csv")
    return root


@pytest.fixture(scope="module")
def evaluated(
    preprocessed: Path, trained: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = stage_evaluation(
        tmp_path_factory.mktemp("evaluate"), trained, output(preprocessed, "validation")
    )
    done = run_step("evaluate.py", root, "--accuracy-threshold", "0.78")
    return root, done


def test_evaluate_writes_the_gate_metrics_and_the_model_quality_section(
    evaluated: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, done = evaluated
    folder = root / PROCESSING / "evaluation"
    assert sorted(p.name for p in folder.iterdir()) == ["evaluation.json"]
    report = json.loads((folder / "evaluation.json").read_text())
    assert list(report) == ["metrics", "binary_classification_metrics"]
    metrics = report["metrics"]
    assert list(metrics) == ["accuracy", "precision", "recall", "f1"]
    assert all(value == round(value, 4) and 0 <= value <= 1 for value in metrics.values())
    quality = report["binary_classification_metrics"]
    for name in ("accuracy", "precision", "recall", "f1", "auc"):
        assert quality[name] == {"value": quality[name]["value"], "standard_deviation": "NaN"}
    for name in ("accuracy", "precision", "recall", "f1"):
        assert quality[name]["value"] == metrics[name]
    matrix = quality["confusion_matrix"]  # actual -> predicted
    cells = [matrix[a][p] for a in ("0", "1") for p in ("0", "1")]
    assert sum(cells) == 178 and matrix["1"]["0"] + matrix["1"]["1"] == 68
    tn, fp, fn, tp = cells
    assert metrics["accuracy"] == round((tp + tn) / 178, 4)
    assert metrics["precision"] == round(tp / (tp + fp), 4)
    assert metrics["recall"] == round(tp / (tp + fn), 4)
    assert "passes the threshold 0.78" in done.stdout


def test_validation_accuracy_meets_the_issue_bar(
    evaluated: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _ = evaluated
    report = json.loads((root / PROCESSING / "evaluation" / "evaluation.json").read_text())
    print("validation metrics:", report["metrics"])
    assert report["metrics"]["accuracy"] >= 0.82


def test_evaluate_reports_a_failed_threshold_without_failing(
    preprocessed: Path, trained: Path, tmp_path: Path, inline: Inline
) -> None:
    root = stage_evaluation(tmp_path, trained, output(preprocessed, "validation"))
    done = inline("evaluate.py", root, "--accuracy-threshold", "0.99")
    assert done.returncode == 0, done.stderr
    assert "does not pass the threshold 0.99" in done.stdout


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("no-model", "no model.tar.gz (or xgboost-model) in"),
        ("bad-tar", "model.tar.gz: not a readable tar.gz"),
        ("no-member", "model.tar.gz: no xgboost-model inside"),
        ("columns", "validation.csv: 17 columns, expected the label and the model's 17 features"),
        ("text", "validation.csv: column 3: non-numeric value 'abc' on line 2"),
        ("label", "validation.csv: column 1 (the label): must be 0 or 1, found 7 on line 1"),
        ("empty", "validation.csv: the file is empty"),
        ("threshold", "--accuracy-threshold must be a number, got 'high'"),
    ],
)
def test_evaluate_fails_in_one_line_naming_the_input(
    preprocessed: Path, trained: Path, tmp_path: Path, inline: Inline, damage: str, expected: str
) -> None:
    root = stage_evaluation(tmp_path, trained, output(preprocessed, "validation"))
    model = root / PROCESSING / "model" / "model.tar.gz"
    validation = root / PROCESSING / "validation" / "validation.csv"
    rows = read_rows(validation)
    args = ["--accuracy-threshold", "0.78"]
    if damage == "no-model":
        model.unlink()
    elif damage == "bad-tar":
        model.write_bytes(b"not a tarball")
    elif damage == "no-member":
        with tarfile.open(model, "w:gz") as tar:
            tar.add(validation, arcname="model.bin")
    elif damage in ("columns", "text", "label"):
        if damage == "columns":
            rows = [row[:-1] for row in rows]
        elif damage == "text":
            rows[1][2] = "abc"
        else:
            rows[0][0] = "7"
        with validation.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    elif damage == "empty":
        validation.write_text("")
    elif damage == "threshold":
        args = ["--accuracy-threshold", "high"]
    assert_one_line_failure(inline("evaluate.py", root, *args), expected)


def test_evaluate_fails_with_exit_code_1_and_one_stderr_line(tmp_path: Path) -> None:
    root = tmp_path
    (root / PROCESSING / "model").mkdir(parents=True)
    done = run_step("evaluate.py", root, "--accuracy-threshold", "0.78", check=False)
    assert_one_line_failure(done, "no model.tar.gz (or xgboost-model) in")


@pytest.mark.skipif(
    not os.environ.get("SMPIPE_CONTAINER_PYTHON"),
    reason="set SMPIPE_CONTAINER_PYTHON to a Python 3.8 with the containers' pandas/numpy",
)
def test_preprocess_gives_the_same_bytes_on_the_container_python(
    preprocessed: Path, tmp_path: Path
) -> None:
    root = stage_raw(tmp_path)
    subprocess.run(
        [os.environ["SMPIPE_CONTAINER_PYTHON"], str(CODE / "preprocess.py")],
        cwd=CODE,
        env={**os.environ, "SMPIPE_CONTAINER_ROOT": str(root)},
        check=True,
        capture_output=True,
    )
    for split in ("train", "validation"):
        assert output(root, split).read_bytes() == output(preprocessed, split).read_bytes()
