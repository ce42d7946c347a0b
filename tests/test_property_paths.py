"""Step property paths: parsing, the SDK's rendering, resolution against the Describe*
shapes, and that compiler/data/describe_shapes.json matches the installed botocore."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from compiler import property_paths

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "tokens", "rendered"),
    [
        ("BestTrainingJob.TrainingJobName", ["BestTrainingJob", "TrainingJobName"], None),
        (
            'FinalMetricDataList["validation:auc"].Value',
            ["FinalMetricDataList", "'validation:auc'", "Value"],
            "FinalMetricDataList['validation:auc'].Value",
        ),
        (
            "TrainingJobSummaries[0].TrainingJobName",
            ["TrainingJobSummaries", 0, "TrainingJobName"],
            None,
        ),
    ],
)
def test_parse_and_render(text: str, tokens: list[Any], rendered: str | None) -> None:
    assert property_paths.parse(text) == tokens
    assert property_paths.render(tokens) == (rendered or text)


@pytest.mark.parametrize("text", ["", ".A", "A..B", "A[x]", "[0]", "A.B[", "'a'"])
def test_not_paths(text: str) -> None:
    assert property_paths.parse(text) is None


@pytest.mark.parametrize(
    ("step_type", "path", "kind"),
    [
        ("Tuning", "BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value", "float"),
        ("Tuning", "TrainingJobSummaries[3].TrainingJobName", "string"),
        ("Training", "FinalMetricDataList['validation:auc'].Value", "float"),
        ("Training", "ModelArtifacts.S3ModelArtifacts", "string"),
        ("Processing", "ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri", "string"),
        ("Transform", "TransformOutput.S3OutputPath", "string"),
        ("Model", "ModelName", "string"),
        ("RegisterModel", "ModelPackageArn", "string"),
    ],
)
def test_paths_sagemaker_documents_resolve(step_type: str, path: str, kind: str) -> None:
    tokens = property_paths.parse(path)
    assert tokens is not None
    assert property_paths.resolve(step_type, tokens).type == kind


@pytest.mark.parametrize(
    ("step_type", "path", "problem"),
    [
        ("Tuning", "BestTrainingJob.Nope", 'has no member "Nope"'),
        ("Training", "FinalMetricDataList.Value", "is a list"),
        ("Training", "ModelArtifacts", "is a structure"),
        ("Training", "TrainingJobName.Length", "is a string"),
        ("Condition", "Outcome", "have no properties"),
    ],
)
def test_wrong_paths_say_why(step_type: str, path: str, problem: str) -> None:
    tokens = property_paths.parse(path)
    assert tokens is not None
    found = property_paths.resolve(step_type, tokens)
    assert found.type is None and problem in found.problem


def test_the_shapes_file_matches_botocore() -> None:
    spec = importlib.util.spec_from_file_location(
        "sync_describe_shapes", ROOT / "scripts" / "sync_describe_shapes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = json.loads(module.OUT.read_text())
    fresh = module.shapes()
    committed.pop("_source"), fresh.pop("_source")
    assert committed == fresh, "run: python scripts/sync_describe_shapes.py"
