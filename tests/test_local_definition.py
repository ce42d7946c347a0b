"""What the local engine accepts before anything runs: durations, parameters, entrypoints,
images; and the state database's guards."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.local.containers import (
    BUNDLE_BOOTSTRAP,
    check_training_image,
    local_command,
    sandbox_path,
)
from pipeline.local.database import Database
from pipeline.local.definition import Definition, dependencies, load_definition, parse_expire_after
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


# ---- load_definition: what it reads and each refusal, in full (no step runs) -------------

XGBOOST = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SKLEARN = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
SCRIPT = ["python3", "/opt/ml/processing/input/code/x.py"]


def proc(name: str, **extra: Any) -> dict[str, Any]:
    arguments = {"AppSpecification": {"ContainerEntrypoint": SCRIPT}}
    return {"Name": name, "Type": "Processing", "Arguments": arguments, **extra}


def load(steps: list[Any], parameters: list[Any] | None = None) -> Definition:
    return load_definition(json.dumps({"Parameters": parameters, "Steps": steps}))


def refusal(steps: list[Any], parameters: list[Any] | None = None) -> str:
    with pytest.raises(CannotRunLocally) as raised:
        load(steps, parameters)
    return str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5Y", timedelta(days=5 * 365)),
        ("2M", timedelta(days=60)),
        ("1W", timedelta(days=7)),
        ("PT1H30M45S", timedelta(hours=1, minutes=30, seconds=45)),
        ("T2h", timedelta(hours=2)),
        ("T10s", timedelta(seconds=10)),
        (" 3d ", timedelta(days=3)),
        ("T0m", timedelta(0)),
    ],
)
def test_expire_after_units(text: str, expected: timedelta) -> None:
    assert parse_expire_after(text) == expected


def test_expire_after_message() -> None:
    with pytest.raises(CannotRunLocally) as raised:
        parse_expire_after(" ")
    assert str(raised.value) == "ExpireAfter ' ' is not an ISO 8601 duration like 30d or T16m"


def test_steps_branches_parameters_and_cache_settings_are_read() -> None:
    cached = proc("Prep", CacheConfig={"Enabled": True, "ExpireAfter": "T5m"}, DependsOn=["X"])
    gate = {
        "Name": "Gate",
        "Type": "Condition",
        "Arguments": {
            "Conditions": [{"Type": "Equals", "LeftValue": 1, "RightValue": 1}],
            "IfSteps": [proc("Yes")],
            "ElseSteps": [proc("No"), proc("No2")],
        },
    }
    parameters = [{"Name": "A", "Type": "Float"}, {"Name": "B"}]
    loaded = load([proc("X"), cached, gate, proc("Plain", CacheConfig=None)], parameters)
    assert loaded.raw == {
        "Parameters": parameters,
        "Steps": [proc("X"), cached, gate, proc("Plain", CacheConfig=None)],
    }
    assert loaded.parameters == parameters
    assert loaded.top_level == ["X", "Prep", "Gate", "Plain"]
    assert list(loaded.steps) == ["X", "Prep", "Gate", "Yes", "No", "No2", "Plain"]
    prep = loaded.steps["Prep"]
    assert (prep.type, prep.depends_on, prep.parent, prep.branch) == (
        "Processing",
        frozenset({"X"}),
        None,
        None,
    )
    assert (prep.cache_enabled, prep.cache_expire_after) == (True, timedelta(minutes=5))
    assert prep.arguments == cached["Arguments"] and prep.raw == cached
    plain = loaded.steps["Plain"]
    assert (plain.cache_enabled, plain.cache_expire_after, plain.depends_on) == (
        False,
        None,
        frozenset(),
    )
    assert (loaded.steps["Yes"].parent, loaded.steps["Yes"].branch) == ("Gate", True)
    assert (loaded.steps["No2"].parent, loaded.steps["No2"].branch) == ("Gate", False)
    assert loaded.branch("Gate", True) == ["Yes"]
    assert loaded.branch("Gate", False) == ["No", "No2"]
    assert loaded.branch("Prep", True) == []
    assert load([{"Name": "F", "Type": "Fail"}]).steps["F"].arguments == {}


def test_dependencies_are_data_references_depends_on_and_the_parent() -> None:
    reader = proc("B", PropertyFiles=[{"Get": "Steps.P.X"}], DependsOn=["D"])
    reader["Arguments"]["Environment"] = {"U": {"Get": "Steps.A.ProcessingJobName"}}
    reads_c = proc("E")
    reads_c["Arguments"]["Environment"] = {"C": {"Get": "Steps.C.ProcessingJobName"}}
    gate = {
        "Name": "Gate",
        "Type": "Condition",
        "Arguments": {
            "Conditions": [{"Type": "Equals", "LeftValue": {"Get": "Steps.B.X"}, "RightValue": 1}],
            # a branch step reading a sibling: no dependency of the condition on either
            "IfSteps": [proc("C"), reads_c],
        },
    }
    loaded = load([proc("A"), proc("P"), proc("D"), reader, gate])
    assert dependencies(loaded, loaded.steps["B"]) == {"A", "P", "D"}
    assert dependencies(loaded, loaded.steps["Gate"]) == {"B"}
    assert dependencies(loaded, loaded.steps["E"]) == {"C", "Gate"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "the pipeline definition is not valid JSON: Expecting property name enclosed in "),
        ("[]", "the pipeline definition has no Steps list"),
        ('{"Steps": {}}', "the pipeline definition has no Steps list"),
    ],
)
def test_a_definition_that_is_not_one(text: str, message: str) -> None:
    with pytest.raises(CannotRunLocally) as raised:
        load_definition(text)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("steps", "parameters", "message"),
    [
        (
            [proc("A")],
            [{"Name": "P", "Type": "Choice"}],
            "parameter 'P' has type 'Choice'; the local engine knows "
            "['String', 'Integer', 'Float', 'Boolean']",
        ),
        (["A"], None, "a step must be an object with a Name, found 'A'"),
        ([{"Name": 1}], None, "a step must be an object with a Name, found {'Name': 1}"),
        ([proc("A"), proc("A")], None, "step name 'A' is used twice"),
        (
            [{"Name": "Q", "Type": "QualityCheck"}],
            None,
            "step 'Q' has type 'QualityCheck', which the local engine cannot run (it runs "
            "Processing, Training, Tuning, Model, Transform, Condition, RegisterModel, Fail, "
            "Lambda, Callback)",
        ),
        (
            [proc("B", DependsOn=["Zed", "Ghost"])],
            None,
            "step 'B' refers to unknown step(s) ['Ghost', 'Zed']",
        ),
        (
            [proc("A", DependsOn=["B"]), proc("B", DependsOn=["C"]), proc("C", DependsOn=["B"])],
            None,
            "the steps depend on each other: B -> C -> B",
        ),
        ([{"Name": "L", "Type": "Lambda"}], None, "step 'L': a Lambda step needs FunctionArn"),
        (
            [{"Name": "L", "Type": "Lambda", "FunctionArn": {"Get": "Parameters.F"}}],
            None,
            "step 'L': a Lambda step needs FunctionArn",
        ),
        ([{"Name": "W", "Type": "Callback"}], None, "step 'W': a Callback step needs SqsQueueUrl"),
        (
            [{"Name": "C", "Type": "Condition", "Arguments": {"Conditions": {}}}],
            None,
            "step 'C': Conditions must be a list",
        ),
        (
            [{"Name": "C", "Type": "Condition", "Arguments": {"Conditions": ["x"]}}],
            None,
            "step 'C': unknown condition type None",
        ),
        (
            [
                {
                    "Name": "C",
                    "Type": "Condition",
                    "Arguments": {"Conditions": [{"Type": "Not", "Condition": {"Type": "Xor"}}]},
                }
            ],
            None,
            "step 'C': unknown condition type 'Xor'",
        ),
        (
            [
                {
                    "Name": "C",
                    "Type": "Condition",
                    "Arguments": {"Conditions": [{"Type": "Or", "Conditions": [{"Type": "Xor"}]}]},
                }
            ],
            None,
            "step 'C': unknown condition type 'Xor'",
        ),
        (
            [{"Name": "C", "Type": "Condition", "Arguments": {"Conditions": [{"Type": "Or"}]}}],
            None,
            "step 'C': Conditions must be a list",
        ),
        (
            [{"Name": "R", "Type": "RegisterModel", "Arguments": {"ModelPackageGroupName": "g"}}],
            None,
            "step 'R': RegisterModel needs ModelPackageGroupName and "
            "InferenceSpecification.Containers",
        ),
        (
            [
                {
                    "Name": "R",
                    "Type": "RegisterModel",
                    "Arguments": {"InferenceSpecification": {"Containers": [{"Image": "i"}]}},
                }
            ],
            None,
            "step 'R': RegisterModel needs ModelPackageGroupName and "
            "InferenceSpecification.Containers",
        ),
    ],
)
def test_refusals_in_full(steps: list[Any], parameters: Any, message: str) -> None:
    assert refusal(steps, parameters) == message


def processing_input(**s3: Any) -> dict[str, Any]:
    step = proc("P")
    step["Arguments"]["ProcessingInputs"] = [{"InputName": "data", **s3}]
    return step


def test_processing_inputs_that_run_locally() -> None:
    for s3 in (
        {},
        {"S3CompressionType": "None", "S3DataType": "S3Object"},
        {"S3CompressionType": None, "S3DataType": "S3Prefix"},
    ):
        load([processing_input(S3Input={"S3Uri": "s3://b/x", **s3})])


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"DatasetDefinition": {}},
            "step 'P': input 'data' has no S3Input (dataset definitions cannot run locally)",
        ),
        (
            {"S3Input": {"S3CompressionType": "Gzip"}},
            "step 'P': input 'data' uses S3CompressionType Gzip, which cannot run locally",
        ),
        (
            {"S3Input": {"S3DataType": "ManifestFile"}},
            "step 'P': input 'data' uses S3DataType ManifestFile, which cannot run locally",
        ),
    ],
)
def test_processing_inputs_that_do_not(item: dict[str, Any], message: str) -> None:
    assert refusal([processing_input(**item)]) == message


def test_a_processing_step_without_an_app_specification() -> None:
    assert refusal([{"Name": "P", "Type": "Processing", "Arguments": {}}]).startswith(
        "step 'P': ContainerEntrypoint must be a list of literal strings"
    )


def training(image: str, hyperparameters: dict[str, str] | None, tuning: bool = False) -> Any:
    job: dict[str, Any] = {"AlgorithmSpecification": {"TrainingImage": image}}
    if hyperparameters is not None:
        job["StaticHyperParameters" if tuning else "HyperParameters"] = hyperparameters
    if tuning:
        return {"Name": "T", "Type": "Tuning", "Arguments": {"TrainingJobDefinition": job}}
    return {"Name": "T", "Type": "Training", "Arguments": job}


@pytest.mark.parametrize("tuning", [False, True])
def test_training_and_tuning_images(tuning: bool) -> None:
    load([training(XGBOOST, None, tuning)])
    load([training(SKLEARN, {"sagemaker_program": "train.py"}, tuning)])
    assert refusal([training(SKLEARN, {}, tuning)]).startswith(
        f"step 'T': training image {SKLEARN!r} cannot run locally; the local engine emulates "
        "only the built-in XGBoost"
    )
    scripted = training("123.dkr.ecr.x/custom:1", {"sagemaker_program": "t.py"}, tuning)
    assert refusal([scripted]).startswith(
        "step 'T': image '123.dkr.ecr.x/custom:1' cannot run a script locally"
    )
    bare = {"Name": "T", "Type": "Tuning", "Arguments": {}}
    assert "training image None cannot run locally" in refusal([bare])


def test_a_dag_whose_paths_multiply_is_checked_once_per_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """12 layers of two steps, each depending on both steps of the layer before: 2**12 paths.
    The cycle check reads each step's dependencies once (and the reference check once more);
    one that forgot a visited step would read them once per path."""
    steps = [proc("L0a"), proc("L0b")]
    for layer in range(1, 12):
        before = [f"L{layer - 1}a", f"L{layer - 1}b"]
        steps += [proc(f"L{layer}a", DependsOn=before), proc(f"L{layer}b", DependsOn=before)]
    calls: list[str] = []

    def counted(definition: Definition, step: Any) -> set[str]:
        calls.append(step.name)
        return dependencies(definition, step)

    monkeypatch.setattr("pipeline.local.definition.dependencies", counted)
    assert len(load(steps).steps) == 24
    assert sorted(calls) == sorted(2 * [s["Name"] for s in steps])
