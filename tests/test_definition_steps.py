"""iter_steps: every step of a definition, branches included, malformed parts skipped."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.definition_steps import iter_steps

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
