"""The committed curated split keeps its contract: raw columns, a clean stratified 80/20 split."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "data" / "curated"
RAW_COLUMNS = [
    "PassengerId", "Survived", "Pclass", "Name", "Sex", "Age",
    "SibSp", "Parch", "Ticket", "Fare", "Cabin", "Embarked",
]  # fmt: skip
SOURCE = Path("/work/shared/data/titanic.csv")


def read(name: str) -> list[dict[str, str]]:
    with (CURATED / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == RAW_COLUMNS
        return list(reader)


def survival_rate(rows: list[dict[str, str]]) -> float:
    return sum(row["Survived"] == "1" for row in rows) / len(rows)


def test_split_covers_every_passenger_once() -> None:
    train, validation = read("train.csv"), read("validation.csv")
    assert (len(train), len(validation)) == (713, 178)
    train_ids = {row["PassengerId"] for row in train}
    validation_ids = {row["PassengerId"] for row in validation}
    assert len(train_ids) == len(train) and len(validation_ids) == len(validation)
    assert not train_ids & validation_ids
    assert train_ids | validation_ids == {str(i) for i in range(1, 892)}


def test_split_is_stratified_and_roughly_80_20() -> None:
    train, validation = read("train.csv"), read("validation.csv")
    assert abs(survival_rate(train) - survival_rate(validation)) < 0.01
    assert abs(len(validation) / (len(train) + len(validation)) - 0.2) < 0.01
    assert {row["Survived"] for row in train + validation} == {"0", "1"}


@pytest.mark.skipif(not SOURCE.exists(), reason="the raw source lives outside the repo")
def test_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_curated_split.py"), str(SOURCE),
         "--out", str(tmp_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    for name in ("train.csv", "validation.csv"):
        made = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        committed = hashlib.sha256((CURATED / name).read_bytes()).hexdigest()
        assert made == committed, name
