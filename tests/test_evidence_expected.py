"""``expected_from``: what a spec asks of an execution, read from its compiled definition,
for the Titanic spec, two others, and definitions with parts missing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from compiler.compile import compile_spec_file
from pipeline.backends.interface import StepRecord
from pipeline.evidence.expected import Expected, expected_from

ROOT = Path(__file__).resolve().parent.parent


def compiled(spec: str, env: str) -> dict[str, Any]:
    return compile_spec_file(ROOT / spec, env=env).definition


def test_titanic() -> None:
    expected = expected_from(compiled("spec/titanic-modelbuild.yaml", "dev"))
    assert expected == Expected(
        parameters=("CodeBundleUri", "InputTrainUri", "InputValidationUri", "AccuracyThreshold"),
        steps=(
            "DataPreProcessing",
            "TrainModel",
            "ModelEvaluation",
            "QualityGateAccuracy",
            "RegisterModel",
        ),
        bundle_parameter="CodeBundleUri",
        input_parameters=("InputTrainUri", "InputValidationUri"),
        gate_step="QualityGateAccuracy",
        gate_condition=0,
        gate_json_path="metrics.accuracy",
        gate_property_file="Steps.ModelEvaluation.PropertyFiles.EvaluationReport",
        gate_threshold="Parameters.AccuracyThreshold",
        guarded_steps=("RegisterModel",),
        else_steps=(),
        register_steps=("RegisterModel",),
        approval_status="PendingManualApproval",
    )
    assert expected.unconditional_steps == expected.steps[:4]
    assert expected.threshold_parameter == "AccuracyThreshold"


def test_a_spec_with_other_names_a_fail_branch_and_two_conditions() -> None:
    features = expected_from(compiled("tests/golden/features/spec.yaml", "test"))
    assert features.bundle_parameter == "Code"
    assert features.parameters == ("Code", "Rounds", "Strict", "MinAuc")
    assert (features.gate_step, features.gate_condition) == ("Gate", 0)
    assert features.gate_json_path == "binary_classification_metrics.auc.value"
    assert features.gate_threshold == "Parameters.MinAuc"
    assert (features.guarded_steps, features.else_steps) == (("Register",), ("Stop",))
    assert features.unconditional_steps == ("Prepare", "Train", "Score", "Gate")
    assert features.approval_status == "Approved"
    survival = expected_from(compiled("tests/fixtures/survival-f1/spec.yaml", "test"))
    assert (survival.bundle_parameter, survival.input_parameters) == (
        "StepCode",
        ("TrainCsv", "HoldoutCsv"),
    )
    assert survival.gate_json_path == "metrics.f1" and survival.register_steps == ("Publish",)


def condition(left: Any, right: Any = 0.5) -> dict[str, Any]:
    return {"Type": "GreaterThan", "LeftValue": left, "RightValue": right}


JSON_GET = {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.S.PropertyFiles.R"}, "Path": "m.x"}}


@pytest.mark.parametrize(
    ("conditions", "index", "path", "threshold"),
    [
        ([condition(JSON_GET, 0.7)], 0, "m.x", "0.7"),
        ([condition({"Get": "Parameters.P"}), condition(JSON_GET, True)], 1, "m.x", "True"),
        ([condition({"Get": "Parameters.P"}, None)], 0, None, None),
        ([], 0, None, None),
        ("not a list", 0, None, None),
    ],
)
def test_the_gate_condition_is_the_first_that_reads_a_property_file(
    conditions: Any, index: int, path: str | None, threshold: str | None
) -> None:
    gate = {"Name": "G", "Type": "Condition", "Arguments": {"Conditions": conditions}}
    expected = expected_from({"Parameters": [], "Steps": [gate]})
    assert (expected.gate_condition, expected.gate_json_path, expected.gate_threshold) == (
        index,
        path,
        threshold,
    )
    assert expected.threshold_parameter is None


def test_register_without_an_approval_status_and_no_register_at_all() -> None:
    register = {"Name": "R", "Type": "RegisterModel", "Arguments": {}}
    assert expected_from({"Steps": [register]}).approval_status == "PendingManualApproval"
    nothing = expected_from({"Steps": [{"Name": "P", "Type": "Processing"}]})
    assert (nothing.approval_status, nothing.register_steps, nothing.gate_step) == (None, (), None)
    assert (nothing.bundle_parameter, nothing.input_parameters) == (None, ())


def test_inputs_read_by_channels_and_processing_inputs_once_each() -> None:
    channel = {"DataSource": {"S3DataSource": {"S3Uri": {"Get": "Parameters.Train"}}}}
    literal = {"DataSource": {"S3DataSource": {"S3Uri": "s3://b/k"}}}
    step_output = {"S3Input": {"S3Uri": {"Get": "Steps.A.ProcessingOutputConfig"}}}
    steps = [
        {"Name": "T", "Arguments": {"InputDataConfig": [channel, literal, channel]}},
        {
            "Name": "P",
            "Arguments": {
                "ProcessingInputs": [
                    {"S3Input": {"S3Uri": {"Get": "Parameters.Extra"}}},
                    step_output,
                    "junk",
                ]
            },
        },
    ]
    assert expected_from({"Steps": steps}).input_parameters == ("Train", "Extra")


def test_without_a_definition_only_the_records_speak() -> None:
    steps = [StepRecord("A", "Processing", "Succeeded"), StepRecord("B", "Condition", "Failed")]
    expected = expected_from(None, steps, ["X", "Y"])
    assert (expected.steps, expected.parameters) == (("A", "B"), ("X", "Y"))
    assert expected == Expected(
        parameters=("X", "Y"),
        steps=("A", "B"),
        bundle_parameter=None,
        input_parameters=(),
        gate_step=None,
        gate_condition=0,
        gate_json_path=None,
        gate_property_file=None,
        gate_threshold=None,
        guarded_steps=(),
        else_steps=(),
        register_steps=(),
        approval_status=None,
    )
    assert expected.unconditional_steps == ("A", "B")


def test_the_shipped_abalone_example() -> None:
    """Another shape: an MSE gate (LessThanOrEqualTo), the approval status a parameter."""
    expected = expected_from(compiled("spec/examples/abalone-modelbuild.yaml", "dev"))
    assert expected.bundle_parameter == "CodeBundleUri"
    assert expected.gate_step == "CheckMSEAbaloneEvaluation"
    assert expected.gate_json_path == "regression_metrics.mse.value"
    assert expected.gate_threshold == "Parameters.MseThreshold"
    assert expected.guarded_steps == ("RegisterAbaloneModel",)
    assert expected.approval_status == "Parameters.ModelApprovalStatus"
    assert expected.approval_in({"ModelApprovalStatus": "Approved"}) == "Approved"
    assert expected.approval_in({}) == "Parameters.ModelApprovalStatus"


def test_malformed_parts_are_skipped_not_fatal() -> None:
    gate = {
        "Name": "G",
        "Type": "Condition",
        "Arguments": {
            "Conditions": [
                "junk",
                {
                    "Type": "GreaterThanOrEqualTo",
                    "LeftValue": {"Std:JsonGet": {"PropertyFile": {"Get": ""}, "Path": ""}},
                    "RightValue": {"Value": 1},
                },
            ],
            "IfSteps": [{"Name": "Yes"}, "junk"],
            "ElseSteps": None,
        },
    }
    register = {
        "Name": "R",
        "Type": "RegisterModel",
        "Arguments": {"ModelApprovalStatus": {"Get": "Parameters.Status"}},
    }
    definition = {
        "Parameters": [{"Name": "Status"}, "junk", {"Name": "T"}],
        "Steps": [gate, register],
    }
    expected = expected_from(definition)
    assert expected.parameters == ("Status", "T")
    assert expected.steps == ("G", "Yes", "R")
    assert (expected.gate_condition, expected.gate_json_path, expected.gate_property_file) == (
        0,
        None,
        None,
    )
    assert expected.gate_threshold == "{'Value': 1}"
    assert (expected.guarded_steps, expected.else_steps) == (("Yes",), ())
    assert expected.unconditional_steps == ("G", "R")
    assert expected.approval_status == "Parameters.Status"
    assert expected.approval_in({"Status": "Approved"}) == "Approved"
    assert expected.approval_in({"Other": "Approved"}) == "Parameters.Status"
    assert expected_from({"Parameters": None, "Steps": []}).parameters == ()


@pytest.mark.parametrize(
    ("status", "given", "asked"),
    [
        ("Approved", {"Approved": "Rejected"}, "Approved"),
        (None, {}, None),
        ("Parameters.S", {"S": "Rejected"}, "Rejected"),
    ],
)
def test_approval_in(status: str | None, given: dict[str, str], asked: str | None) -> None:
    expected = expected_from(None)
    assert replace(expected, approval_status=status).approval_in(given) == asked


@pytest.mark.parametrize(
    ("threshold", "parameter"),
    [("Parameters.Min", "Min"), ("0.8", None), (None, None), ("Steps.S.X", None)],
)
def test_threshold_parameter(threshold: str | None, parameter: str | None) -> None:
    expected = replace(expected_from(None), gate_threshold=threshold)
    assert expected.threshold_parameter == parameter
