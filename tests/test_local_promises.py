"""What a property file promises (``property_files[].paths``): the compiler carries it in the
definition's Metadata, the local engine checks the file the step wrote against it and fails
the step on a missing path, as a JsonGet on that path fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_support import run_pipeline, score_pipeline, seed_all

from compiler.compile import compile_spec_file
from compiler.emit.metadata import PROMISED_PATHS_PREFIX, pieces
from compiler.emit_sdk import without_local_metadata
from pipeline.local.backend import LocalBackend

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    return LocalBackend(state)


def promising(paths: list[str]) -> str:
    """The score pipeline (Score writes report.json, Gate reads metrics.score) whose Score
    step promises ``paths`` of its Report property file."""
    document = json.loads(score_pipeline())
    document["Metadata"] = pieces(
        f"{PROMISED_PATHS_PREFIX}Score-", json.dumps({"Report": paths}, separators=(",", ":"))
    )
    return json.dumps(document)


def test_a_file_missing_a_promised_path_fails_its_step_as_json_get_would(
    backend: LocalBackend,
) -> None:
    arn = run_pipeline(backend, "promises", promising(["metrics.score", "metrics.auc"]))
    execution = backend.describe_execution(arn)
    assert execution.status == "Failed"
    steps = {step.name: step for step in backend.list_steps(arn)}
    assert set(steps) == {"Score"}  # the gate never reads the broken promise
    reason = steps["Score"].failure_reason or ""
    uri = f"s3://test-bucket/runtime/promises/{arn.rsplit('/', 1)[1]}/Score/report/report.json"
    assert reason.startswith(
        f"ClientError: Invalid json path 'metrics.auc': property file 'Report' of step "
        f"'Score' ({uri}): no property 'auc'; the step promises it (property_files[].paths); "
        "log: "
    )
    assert execution.failure_reason == f"Step failure: Score: {reason}"


def test_a_file_holding_every_promised_path_passes(backend: LocalBackend) -> None:
    arn = run_pipeline(
        backend,
        "promises",
        promising(["metrics.score", "binary_classification_metrics.accuracy.value"]),
    )
    assert backend.describe_execution(arn).status == "Succeeded"
    assert "holds metrics.score, binary_classification_metrics.accuracy.value, as promised" in (
        backend.step_log(arn, "Score")
    )


def test_the_compiler_carries_the_promise_only_where_one_is_declared() -> None:
    features = compile_spec_file(ROOT / "tests/golden/features/spec.yaml", env="test")
    promise = {
        "smpipe-property-paths-Score-0": json.dumps(
            {"Report": ["binary_classification_metrics.auc.value", "checks[0].passed"]},
            separators=(",", ":"),
        )
    }
    assert features.definition["Metadata"] == promise
    assert without_local_metadata(features.definition)["Metadata"] == {}
    titanic = compile_spec_file(ROOT / "spec/titanic-modelbuild.yaml", env="dev")
    assert titanic.definition["Metadata"] == {}  # Titanic declares no paths: its golden holds


def test_a_long_promise_is_cut_into_metadata_pieces_and_joined_back() -> None:
    from compiler.emit.metadata import joined

    text = json.dumps({"Report": [f"metrics.m{i:04d}" for i in range(200)]})
    cut = pieces("smpipe-property-paths-S-", text)
    assert len(cut) > 1 and all(len(value) <= 1024 for value in cut.values())
    assert joined(cut, "smpipe-property-paths-S-") == text
