"""What the local engine accepts before anything runs: durations, parameters, entrypoints,
images; and the state database's guards."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.local.containers import (
    BUNDLE_BOOTSTRAP,
    check_training_image,
    local_command,
    sandbox_path,
)
from pipeline.local.database import Database
from pipeline.local.definition import parse_expire_after
from pipeline.local.errors import CannotRunLocally, LocalEngineError
from pipeline.local.parameters import parameter_values
from pipeline.local.schema import SCHEMA_VERSION


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("5y", timedelta(days=5 * 365)),
        ("T16m", timedelta(minutes=16)),
        ("30dT5h", timedelta(days=30, hours=5)),
        ("P30D", timedelta(days=30)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("2w", timedelta(days=14)),
        ("1m", timedelta(days=30)),  # before T, m is months
    ],
)
def test_expire_after(text: str, expected: timedelta) -> None:
    assert parse_expire_after(text) == expected


@pytest.mark.parametrize("text", ["soon", "", "30", "T", "d30", "P"])
def test_expire_after_rejects(text: str) -> None:
    with pytest.raises(CannotRunLocally, match="ISO 8601 duration"):
        parse_expire_after(text)


DECLARED = [
    {"Name": "S", "Type": "String", "DefaultValue": "x"},
    {"Name": "I", "Type": "Integer", "DefaultValue": 3},
    {"Name": "F", "Type": "Float", "DefaultValue": 0.5},
    {"Name": "B", "Type": "Boolean", "DefaultValue": False},
]


def test_parameter_values_are_typed() -> None:
    assert parameter_values(DECLARED, {}) == {"S": "x", "I": 3, "F": 0.5, "B": False}
    given = {"S": "y", "I": "7", "F": "1", "B": "TRUE"}
    assert parameter_values(DECLARED, given) == {"S": "y", "I": 7, "F": 1.0, "B": True}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"I": "1.5"}, "parameter I is Integer"),
        ({"B": "yes"}, "parameter B is Boolean"),
        ({"F": "x"}, "parameter F is Float"),
        ({"Other": "1"}, "unknown parameter"),
    ],
)
def test_parameter_values_reject(given: dict[str, str], message: str) -> None:
    with pytest.raises(LocalEngineError, match=message):
        parameter_values(DECLARED, given)


def test_a_parameter_without_default_must_be_given() -> None:
    with pytest.raises(LocalEngineError, match="no default"):
        parameter_values([{"Name": "Uri", "Type": "String"}], {})


def test_entrypoints() -> None:
    bundle = local_command("S", ["/bin/sh", "-c", BUNDLE_BOOTSTRAP, "preprocess.py"])
    assert (bundle.script, bundle.unpack_bundles) == (
        "/opt/ml/processing/input/code/preprocess.py",
        True,
    )
    plain = local_command("S", ["python3", "/opt/ml/processing/input/code/x.py"])
    assert (plain.script, plain.unpack_bundles) == ("/opt/ml/processing/input/code/x.py", False)


@pytest.mark.parametrize(
    "entrypoint",
    [
        ["/bin/sh", "-c", "echo hi"],
        ["/bin/sh", "-c", BUNDLE_BOOTSTRAP, "../escape.py"],
        ["python3", "/tmp/x.py"],
        ["java", "-jar", "/opt/ml/x.jar"],
        None,
        ["python3", {"Get": "Parameters.Script"}],
    ],
)
def test_entrypoints_that_cannot_run(entrypoint: object) -> None:
    with pytest.raises(CannotRunLocally, match="step 'S'"):
        local_command("S", entrypoint)


@pytest.mark.parametrize(
    "image",
    [
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1",
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1-cpu-py3",
        "390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.3-1",
    ],
)
def test_builtin_xgboost_images_run(image: str) -> None:
    check_training_image("T", image)


@pytest.mark.parametrize(
    "image",
    [
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:0.90-2",
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/my-xgboost:1.7-1",
        "docker.io/library/python:3.11",
        {"Get": "Parameters.Image"},
    ],
)
def test_other_training_images_do_not(image: object) -> None:
    with pytest.raises(CannotRunLocally, match="emulates only the built-in XGBoost"):
        check_training_image("T", image)


def test_sandbox_paths_stay_inside() -> None:
    assert sandbox_path(Path("/sb"), "/opt/ml/processing/x") == Path("/sb/opt/ml/processing/x")
    with pytest.raises(CannotRunLocally):
        sandbox_path(Path("/sb"), "/opt/ml/../../etc")


def test_state_database_is_wal_and_versioned(tmp_path: Path) -> None:
    database = Database(tmp_path / "state.db")
    connection = database.connection()
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    database.close()
    with sqlite3.connect(tmp_path / "state.db") as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LocalEngineError, match="newer than this smpipe knows"):
        Database(tmp_path / "state.db")
