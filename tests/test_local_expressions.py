"""The local engine's expression evaluator, without running any step."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.local.errors import ExpressionError
from pipeline.local.expressions import (
    PropertyFileRef,
    Scope,
    evaluate_condition,
    evaluate_conditions,
    referenced_steps,
    resolve,
    walk,
)

REPORT_URI = "s3://b/runtime/p/exec1/ModelEvaluation/evaluation/evaluation.json"
REPORT = {
    "metrics": {"accuracy": 0.84, "f1": 0.79},
    "binary_classification_metrics": {"accuracy": {"value": 0.84}},
    "classes": [{"name": "died", "support": 110}, {"name": "survived", "support": 69}],
    "label": "ok",
}


def make_scope(files: dict[str, Any] | None = None) -> Scope:
    documents = {REPORT_URI: REPORT, **(files or {})}

    def read_json(uri: str) -> Any:
        if uri not in documents:
            raise OSError(f"no object {uri}")
        return documents[uri]

    evaluation = {
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "evaluation",
                    "S3Output": {"S3Uri": "s3://b/runtime/p/exec1/ModelEvaluation/evaluation"},
                }
            ]
        },
        "PropertyFiles": [
            {
                "PropertyFileName": "EvaluationReport",
                "OutputName": "evaluation",
                "FilePath": "evaluation.json",
            }
        ],
        "ProcessingJobName": "pipelines-exec1-ModelEvaluation",
    }
    training = {
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m/job/output/model.tar.gz"},
        "HyperParameters": {"max_depth": "5"},
        "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv"}],
    }
    return Scope(
        parameters={"Threshold": 0.78, "Name": "titanic", "Count": 3, "Flag": True},
        execution={"PipelineExecutionId": "exec1", "PipelineName": "p"},
        step_properties={"ModelEvaluation": evaluation, "TrainModel": training},
        read_json=read_json,
    )


def json_get(path: str) -> dict[str, Any]:
    return {
        "Std:JsonGet": {
            "PropertyFile": {"Get": "Steps.ModelEvaluation.PropertyFiles.EvaluationReport"},
            "Path": path,
        }
    }


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Get": "Parameters.Threshold"}, 0.78),
        ({"Get": "Parameters.Flag"}, True),
        ({"Get": "Execution.PipelineExecutionId"}, "exec1"),
        (
            {"Get": "Steps.TrainModel.ModelArtifacts.S3ModelArtifacts"},
            "s3://b/m/job/output/model.tar.gz",
        ),
        (
            {
                "Get": "Steps.ModelEvaluation.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"
            },
            "s3://b/runtime/p/exec1/ModelEvaluation/evaluation",
        ),
        ({"Get": "Steps.TrainModel.InputDataConfig[0].ContentType"}, "text/csv"),
        ({"Get": "Steps.TrainModel.HyperParameters['max_depth']"}, "5"),
        (
            {"Std:Join": {"On": "/", "Values": ["s3://b", {"Get": "Execution.PipelineName"}, 3]}},
            "s3://b/p/3",
        ),
        (
            {
                "Std:Join": {
                    "On": "-",
                    "Values": [{"Get": "Parameters.Threshold"}, {"Get": "Parameters.Flag"}],
                }
            },
            "0.78-true",
        ),
        (json_get("metrics.accuracy"), 0.84),
        (json_get("binary_classification_metrics.accuracy.value"), 0.84),
        (json_get("classes[1].support"), 69),
        (json_get("classes[0]['name']"), "died"),
        ({"Std:JsonGet": {"S3Uri": REPORT_URI, "Path": "label"}}, "ok"),
        ({"nested": [{"Get": "Parameters.Name"}, "literal"]}, {"nested": ["titanic", "literal"]}),
    ],
)
def test_resolve(expression: Any, expected: Any) -> None:
    assert resolve(expression, make_scope()) == expected


def test_property_file_reference_points_at_the_file() -> None:
    ref = resolve({"Get": "Steps.ModelEvaluation.PropertyFiles.EvaluationReport"}, make_scope())
    assert ref == PropertyFileRef("ModelEvaluation", "EvaluationReport", REPORT_URI)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"Get": "Parameters.Missing"}, "no such pipeline parameter"),
        ({"Get": "Execution.Nope"}, "unknown execution variable"),
        ({"Get": "Steps.Later.Foo"}, "has not run"),
        ({"Get": "Steps.TrainModel.ModelArtifacts.Nope"}, "no property 'Nope'"),
        ({"Get": "Steps.TrainModel.InputDataConfig[4]"}, "out of range"),
        ({"Get": "Steps.ModelEvaluation.PropertyFiles.Other"}, "declares no property file"),
        ({"Get": "Somewhere.X"}, "must start with"),
        (json_get("metrics.auc"), "no property 'auc'"),
        ({"Std:JsonGet": {"S3Uri": "s3://b/missing.json", "Path": "a"}}, "cannot read"),
        ({"Std:Join": {"On": "/"}}, "Std:Join expects"),
    ],
)
def test_resolve_errors(expression: Any, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        resolve(expression, make_scope())


def comparison(kind: str, left: Any, right: Any) -> dict[str, Any]:
    return {"Type": kind, "LeftValue": left, "RightValue": right}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            comparison(
                "GreaterThanOrEqualTo",
                json_get("metrics.accuracy"),
                {"Get": "Parameters.Threshold"},
            ),
            True,
        ),
        (comparison("GreaterThanOrEqualTo", 0.78, {"Get": "Parameters.Threshold"}), True),
        (comparison("GreaterThan", 0.78, {"Get": "Parameters.Threshold"}), False),
        (comparison("LessThan", json_get("metrics.f1"), 0.8), True),
        (comparison("LessThanOrEqualTo", 0.81, 0.8), False),
        (comparison("Equals", {"Get": "Parameters.Name"}, "titanic"), True),
        (comparison("Equals", {"Get": "Parameters.Count"}, 3.0), True),
        (comparison("Equals", "0.84", json_get("metrics.accuracy")), True),
        (comparison("Equals", {"Get": "Parameters.Flag"}, True), True),
        (
            {"Type": "In", "QueryValue": {"Get": "Parameters.Name"}, "Values": ["a", "titanic"]},
            True,
        ),
        ({"Type": "In", "QueryValue": 5, "Values": [1, {"Get": "Parameters.Count"}]}, False),
        ({"Type": "Not", "Condition": comparison("Equals", 1, 1)}, False),
        ({"Type": "Not", "Condition": comparison("Equals", 1, 2)}, True),
        (
            {
                "Type": "Or",
                "Conditions": [comparison("Equals", 1, 2), comparison("LessThan", 1, 2)],
            },
            True,
        ),
        (
            {
                "Type": "Or",
                "Conditions": [comparison("Equals", 1, 2), comparison("LessThan", 3, 2)],
            },
            False,
        ),
        (
            {
                "Type": "Not",
                "Condition": {"Type": "Or", "Conditions": [comparison("Equals", 1, 2)]},
            },
            True,
        ),
    ],
)
def test_conditions(condition: dict[str, Any], expected: bool) -> None:
    assert evaluate_condition(condition, make_scope()) is expected


def test_conditions_list_is_anded() -> None:
    scope = make_scope()
    assert evaluate_conditions([comparison("Equals", 1, 1), comparison("LessThan", 1, 2)], scope)
    assert not evaluate_conditions(
        [comparison("Equals", 1, 1), comparison("LessThan", 3, 2)], scope
    )


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (comparison("GreaterThan", "abc", 1), "cannot compare"),
        (comparison("LessThan", [1], [2]), "cannot order"),
        ({"Type": "Between", "LeftValue": 1, "RightValue": 2}, "unknown condition type"),
        ({"Type": "Or", "Conditions": "x"}, "needs a list"),
    ],
)
def test_condition_errors(condition: dict[str, Any], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        evaluate_condition(condition, make_scope())


def test_referenced_steps_finds_every_step_get() -> None:
    arguments = {
        "a": {"Get": "Steps.TrainModel.ModelArtifacts.S3ModelArtifacts"},
        "b": [{"Std:Join": {"On": "/", "Values": [{"Get": "Steps.Prep.Outputs['x']"}]}}],
        "c": json_get("metrics.accuracy"),
        "d": {"Get": "Parameters.Threshold"},
    }
    assert referenced_steps(arguments) == {"TrainModel", "Prep", "ModelEvaluation"}


def test_walk_reports_unparseable_paths() -> None:
    with pytest.raises(ExpressionError, match="cannot parse"):
        walk({"a": 1}, "a..b")
