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
    to_text,
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
        "e": {"Get": "Steps.Tune[0]['x']"},
        "f": [{"Get": "Steps.First.X"}, {"Get": "Steps.Second.X"}],
    }
    assert referenced_steps(arguments) == {
        "TrainModel",
        "Prep",
        "ModelEvaluation",
        "Tune",
        "First",
        "Second",
    }


def test_walk_reports_unparseable_paths() -> None:
    with pytest.raises(ExpressionError, match="cannot parse"):
        walk({"a": 1}, "a..b")


# ---- each error names what was read and where; edge values (mutation survivors) ----------


def scope_with(step_properties: dict[str, Any], files: dict[str, Any] | None = None) -> Scope:
    documents = files or {}

    def read_json(uri: str) -> Any:
        if uri not in documents:
            raise OSError(f"no object {uri}")
        return documents[uri]

    return Scope(
        parameters={"Path": "metrics.f1", "Uri": REPORT_URI, "Sep": "+", "Flag": True},
        execution={},
        step_properties=step_properties,
        read_json=read_json,
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"Get": "Steps.TrainModel"}, "Steps.TrainModel: expected Steps.<step>.<property>"),
        ({"Get": 5}, "Get expects a string reference, found 5"),
        (
            {"Get": "Steps.ModelEvaluation.PropertyFiles.Other"},
            "Steps.ModelEvaluation.PropertyFiles.Other: step 'ModelEvaluation' declares no "
            "property file 'Other'",
        ),
        (
            {"Get": "Steps.TrainModel.ModelArtifacts.Nope"},
            "Steps.TrainModel.ModelArtifacts.Nope: no property 'Nope'",
        ),
        (
            {"Get": "Steps.TrainModel.InputDataConfig[1]"},  # one past the end
            "Steps.TrainModel.InputDataConfig[1]: index [1] is out of range",
        ),
        (
            {"Get": "Steps.TrainModel.InputDataConfig['validation']"},
            "Steps.TrainModel.InputDataConfig['validation']: no entry named 'validation'",
        ),
        (
            json_get("metrics.auc"),
            "Invalid json path 'metrics.auc': property file 'EvaluationReport' of step "
            "'ModelEvaluation': no property 'auc'",
        ),
        (
            {"Std:JsonGet": {"S3Uri": "s3://b/missing.json", "Path": "a"}},
            "Std:JsonGet cannot read s3://b/missing.json at s3://b/missing.json: "
            "no object s3://b/missing.json",
        ),
        (
            {"Std:JsonGet": {"S3Uri": REPORT_URI, "Path": "nope"}},
            f"Invalid json path 'nope': {REPORT_URI}: no property 'nope'",
        ),
        (
            {"Std:JsonGet": {"S3Uri": REPORT_URI}},
            f"Std:JsonGet expects PropertyFile (or S3Uri) and Path: {{'S3Uri': '{REPORT_URI}'}}",
        ),
        ({"Std:JsonGet": {"Path": "a"}}, "Std:JsonGet needs a PropertyFile or an S3Uri"),
        (
            {"Std:JsonGet": {"PropertyFile": "s3://b/report.json", "Path": "a"}},
            "Std:JsonGet's PropertyFile must Get Steps.X.PropertyFiles.Y",
        ),
    ],
)
def test_resolve_error_messages_in_full(expression: Any, message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        resolve(expression, make_scope())
    assert str(raised.value) == message


def test_a_property_file_of_a_step_without_property_files_or_outputs() -> None:
    reference = {"Get": "Steps.Bare.PropertyFiles.Report"}
    with pytest.raises(ExpressionError, match="declares no property file 'Report'"):
        resolve(reference, scope_with({"Bare": {}}))
    declared = {"PropertyFiles": [{"PropertyFileName": "Report", "OutputName": "out"}]}
    for properties in (declared, {**declared, "ProcessingOutputConfig": {}}):
        with pytest.raises(ExpressionError) as raised:
            resolve(reference, scope_with({"Bare": properties}))
        assert str(raised.value) == (
            "Steps.Bare.PropertyFiles.Report: property file 'Report' reads output 'out', "
            "which step 'Bare' does not have"
        )


def test_a_property_file_joins_its_output_uri_and_path_with_one_slash() -> None:
    properties = {
        "PropertyFiles": [{"PropertyFileName": "Report", "OutputName": "out"}],
        "ProcessingOutputConfig": {
            "Outputs": [{"OutputName": "out", "S3Output": {"S3Uri": "s3://b/EX/"}}]
        },
    }
    scope = scope_with({"Eval": properties})
    ref = resolve({"Get": "Steps.Eval.PropertyFiles.Report"}, scope)
    assert ref == PropertyFileRef("Eval", "Report", "s3://b/EX/")  # no FilePath: the folder
    properties["PropertyFiles"][0]["FilePath"] = "report.json"
    ref = resolve({"Get": "Steps.Eval.PropertyFiles.Report"}, scope)
    assert ref == PropertyFileRef("Eval", "Report", "s3://b/EX/report.json")


def test_named_entries_are_found_by_name_not_position() -> None:
    outputs = [
        {"OutputName": "train", "S3Output": {"S3Uri": "s3://b/train"}},
        {"OutputName": "test", "S3Output": {"S3Uri": "s3://b/test"}},
    ]
    document = {"Outputs": outputs, "Names": ["test"]}
    assert walk(document, "Outputs['test'].S3Output.S3Uri") == "s3://b/test"
    assert walk(document, "Outputs['train'].S3Output.S3Uri") == "s3://b/train"
    with pytest.raises(ExpressionError, match="no entry named 'test'"):
        walk(document, "Names['test']")  # a list of plain strings has no named entries


def test_walk_names_the_path_when_no_place_is_given() -> None:
    with pytest.raises(ExpressionError) as raised:
        walk({"a": 1}, "b")
    assert str(raised.value) == "b: no property 'b'"
    with pytest.raises(ExpressionError) as raised:
        walk({"a": 1}, "a..b")
    assert str(raised.value) == "a..b: cannot parse the path at '..b'"


def test_expressions_inside_join_and_json_get_operands() -> None:
    scope = scope_with({}, {REPORT_URI: REPORT})
    joined = {"Std:Join": {"On": {"Get": "Parameters.Sep"}, "Values": ["a", "b"]}}
    assert resolve(joined, scope) == "a+b"
    assert resolve({"Std:Join": {"Values": ["a", 1, False]}}, scope) == "a1false"
    read = {"Std:JsonGet": {"S3Uri": {"Get": "Parameters.Uri"}, "Path": {"Get": "Parameters.Path"}}}
    assert resolve(read, scope) == 0.79


def test_conditions_resolve_their_operands_at_every_level() -> None:
    scope = make_scope()
    holds = comparison("Equals", {"Get": "Parameters.Name"}, "titanic")
    fails = comparison("Equals", {"Get": "Parameters.Name"}, "other")
    assert evaluate_conditions([holds], scope)
    assert evaluate_condition({"Type": "Not", "Condition": fails}, scope)
    assert evaluate_condition({"Type": "Or", "Conditions": [fails, holds]}, scope)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # integers compare exactly, not as floats
        (comparison("Equals", 9007199254740993, 9007199254740992), False),
        (comparison("GreaterThan", 9007199254740993, 9007199254740992), True),
        # a number against a numeric string compares as numbers, on either side
        (comparison("Equals", 0.84, "0.84"), True),
        (comparison("GreaterThan", 1, "0.5"), True),
        (comparison("GreaterThan", "2", 1), True),
        # a number against a non-number: Equals and In compare text, never equal here
        (comparison("Equals", 1, "abc"), False),
        (comparison("Equals", 1, None), False),
        (comparison("Equals", None, 1), False),
        ({"Type": "In", "QueryValue": 5, "Values": ["abc", 5]}, True),
        ({"Type": "In", "QueryValue": {"Get": "Parameters.Flag"}, "Values": [False, True]}, True),
        ({"Type": "In", "QueryValue": [1], "Values": [[2], [1]]}, True),
        (comparison("Equals", [1], [1]), True),
    ],
)
def test_comparison_edges(condition: dict[str, Any], expected: bool) -> None:
    assert evaluate_condition(condition, make_scope()) is expected


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("x", "a condition must be an object, found 'x'"),
        ({"Type": "Or", "Conditions": "x"}, "an Or condition needs a list of Conditions"),
        ({"Type": "In", "QueryValue": 1, "Values": 1}, "an In condition needs a list of Values"),
        (
            comparison("GreaterThan", "abc", 1),
            "GreaterThan: cannot compare 'abc' with 1 (a number and a non-number)",
        ),
        (comparison("LessThan", "a", [1]), "LessThan: cannot order 'a' and [1]"),
    ],
)
def test_condition_error_messages_in_full(condition: Any, message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        evaluate_condition(condition, make_scope())
    assert str(raised.value) == message


def test_conditions_must_be_a_list() -> None:
    with pytest.raises(ExpressionError) as raised:
        evaluate_conditions({"Type": "Equals"}, make_scope())
    assert str(raised.value) == "Conditions must be a list"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        ("s", "s"),
        (3, "3"),
        (0.5, "0.5"),
        (PropertyFileRef("S", "R", "s3://b/r.json"), "s3://b/r.json"),
        ({"b": 1, "a": [2, None]}, '{"a": [2, null], "b": 1}'),
        (None, "null"),
    ],
)
def test_to_text(value: Any, text: str) -> None:
    assert to_text(value) == text


def test_a_property_file_reads_as_its_uri_in_a_condition() -> None:
    reference = {"Get": "Steps.ModelEvaluation.PropertyFiles.EvaluationReport"}
    assert evaluate_condition(comparison("Equals", reference, REPORT_URI), make_scope())
    query = {"Type": "In", "QueryValue": reference, "Values": ["x", REPORT_URI]}
    assert evaluate_condition(query, make_scope())
