"""iter_steps: every step of a definition, branches included, malformed parts skipped."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.definition_steps import code_bundle_parameters, iter_steps

GOLDEN = Path(__file__).resolve().parent / "golden"


def test_nested_branch_steps_come_in_document_order() -> None:
    definition = json.loads((GOLDEN / "titanic-modelbuild-dev.json").read_text())
    assert [s["Name"] for s in iter_steps(definition)] == [
        "DataPreProcessing",
        "TrainModel",
        "ModelEvaluation",
        "QualityGateAccuracy",
        "RegisterModel",
    ]
    features = json.loads((GOLDEN / "features" / "definition.json").read_text())
    assert [s["Name"] for s in iter_steps(features)][-3:] == ["Gate", "Register", "Stop"]


def test_malformed_parts_are_skipped() -> None:
    assert list(iter_steps(None)) == []
    assert list(iter_steps({"Steps": "nope"})) == []
    odd = {
        "Steps": [1, {"Name": "A", "Arguments": {"IfSteps": [{"Name": "B"}], "ElseSteps": None}}]
    }
    assert [s["Name"] for s in iter_steps(odd)] == ["A", "B"]


def test_code_bundle_parameters_are_read_from_the_code_inputs() -> None:
    titanic = json.loads((GOLDEN / "titanic-modelbuild-dev.json").read_text())
    assert code_bundle_parameters(titanic) == ["CodeBundleUri"]
    features = json.loads((GOLDEN / "features" / "definition.json").read_text())
    assert code_bundle_parameters(features) == ["Code"]
    code = "/opt/ml/processing/input/code"

    def step(*inputs: object) -> dict[str, object]:
        return {"Name": "P", "Arguments": {"ProcessingInputs": list(inputs)}}

    def code_input(uri: object, name: str = "code", path: str = code) -> dict[str, object]:
        return {"InputName": name, "S3Input": {"S3Uri": uri, "LocalPath": path}}

    odd = {
        "Steps": [
            step(
                "junk",
                {"InputName": "code", "S3Input": "junk"},
                code_input({"Get": "Parameters.A"}),
                code_input({"Get": "Parameters.B"}, name="data"),
                code_input({"Get": "Parameters.C"}, path="/opt/ml/processing/input/data"),
                code_input("s3://b/literal.tar.gz"),
                code_input({"Get": "Steps.X.Output"}),
            ),
            step(code_input({"Get": "Parameters.A"}), code_input({"Get": "Parameters.D"})),
            {"Name": "Q", "Arguments": "junk"},
        ]
    }
    assert code_bundle_parameters(odd) == ["A", "D"]
    assert code_bundle_parameters(None) == []
