"""The step scripts in pipeline/code/, run as the local engine runs them: a subprocess with
SMPIPE_CONTAINER_ROOT pointing at a sandbox that holds the container's /opt/ml tree."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_preprocess_tolerates_extra_and_missing_provenance_arguments(tmp_path: Path) -> None:
    root = stage_raw(tmp_path)
    done = run_step("preprocess.py", root, "--output-prefix", "s3://b/x", "--something", "else")
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
    tmp_path: Path, edit: dict[str, str], expected: str
) -> None:
    root = stage_raw(tmp_path)
    rewrite(root / PROCESSING / "input" / "train" / "train.csv", edit, row=1)
    assert_one_line_failure(run_step("preprocess.py", root, check=False), expected)


def test_preprocess_rejects_a_missing_column(tmp_path: Path) -> None:
    root = stage_raw(tmp_path)
    path = root / PROCESSING / "input" / "train" / "train.csv"
    rows = read_rows(path)
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([r[:5] + r[6:] for r in rows])
    done = run_step("preprocess.py", root, check=False)
    assert_one_line_failure(done, "train.csv: missing required column(s): Age")


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", "train.csv: the file is empty"), ("PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,"
      "Parch,Ticket,Fare,Cabin,Embarked\n", "train.csv: no data rows after the header")],
)  # fmt: skip
def test_preprocess_rejects_empty_input(tmp_path: Path, content: str, expected: str) -> None:
    root = stage_raw(tmp_path)
    (root / PROCESSING / "input" / "train" / "train.csv").write_text(content)
    assert_one_line_failure(run_step("preprocess.py", root, check=False), expected)


def test_preprocess_wants_exactly_one_csv_per_input(tmp_path: Path) -> None:
    root = stage_raw(tmp_path)
    folder = root / PROCESSING / "input" / "validation"
    shutil.copy(folder / "validation.csv", folder / "validation_labels.csv")
    done = run_step("preprocess.py", root, check=False)
    assert_one_line_failure(done, "expected one .csv file in")
    assert "validation.csv, validation_labels.csv" in done.stderr
    shutil.rmtree(root / PROCESSING / "input" / "train")
    (root / PROCESSING / "input" / "train").mkdir()
    assert_one_line_failure(run_step("preprocess.py", root, check=False), "no .csv file in")


def assert_one_line_failure(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert expected in lines[0]
