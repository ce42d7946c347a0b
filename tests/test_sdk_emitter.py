"""The SDK emitter: SDK v3 objects built from a spec define exactly the compiled JSON, after
the one normalisation docs/sdk-equivalence.md documents; offline and quiet."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from compiler.compile import check_spec_file, compile_spec_file
from compiler.emit_sdk import (
    build_sdk_pipeline,
    normalise_sdk_definition,
    sdk_definition,
    without_local_metadata,
)

ROOT = Path(__file__).resolve().parent.parent
CASES = (
    [
        ("spec/titanic-modelbuild.yaml", "dev", {}),
        # Outside the SDK's "Eureka GA" regions its default experiment config is dropped.
        ("spec/titanic-modelbuild.yaml", "dev", {"region": "me-central-1"}),
    ]
    + [
        (str(spec.relative_to(ROOT)), "test", {})
        for spec in sorted(ROOT.glob("tests/golden/*/spec.yaml"))
    ]
    + [
        (str(spec.relative_to(ROOT)), "dev", {})
        for spec in sorted(ROOT.glob("spec/examples/*.yaml"))
    ]
)


def sdk_and_compiled(
    spec: str, env: str, overrides: dict[str, str] | None = None
) -> tuple[Any, dict[str, Any], str]:
    checked = check_spec_file(ROOT / spec, env, overrides or {}, resolve_variables=True)
    assert checked.variables is not None
    region = checked.variables.values["region"]
    compiled = compile_spec_file(ROOT / spec, env, overrides or {})
    return build_sdk_pipeline(compiled.spec, region), compiled.definition, region


@pytest.mark.parametrize(("spec", "env", "overrides"), CASES)
def test_sdk_pipeline_defines_the_compiled_json(
    spec: str, env: str, overrides: dict[str, str]
) -> None:
    pipeline, compiled, region = sdk_and_compiled(spec, env, overrides)
    emitted = json.loads(sdk_definition(pipeline, region))
    assert normalise_sdk_definition(emitted) == json.loads(
        json.dumps(without_local_metadata(compiled))
    )


def test_the_normalisation_is_needed_and_only_drops_a_null_mlflow_config() -> None:
    pipeline, compiled, region = sdk_and_compiled("spec/titanic-modelbuild.yaml", "dev")
    emitted = json.loads(sdk_definition(pipeline, region))
    assert emitted != json.loads(json.dumps(compiled))  # the raw SDK output differs...
    assert emitted.pop("MlflowConfig") is None  # ...by this key alone
    assert emitted == json.loads(json.dumps(compiled))


def test_the_sdk_objects_are_the_ones_a_notebook_would_write() -> None:
    pipeline, _, _ = sdk_and_compiled("spec/titanic-modelbuild.yaml", "dev")
    kinds = {step.name: type(step).__name__ for step in pipeline.steps}
    assert kinds == {
        "DataPreProcessing": "ProcessingStep",
        "TrainModel": "TrainingStep",
        "ModelEvaluation": "ProcessingStep",
        "QualityGateAccuracy": "ConditionStep",
    }
    gate = pipeline.steps[3]
    assert [type(step).__name__ for step in gate.if_steps] == ["ModelStep"]
    left = gate.conditions[0].left
    assert type(left).__name__ == "JsonGet"
    assert type(left.property_file).__name__ == "PropertyFile"
    assert pipeline.steps[1].cache_config.expire_after == "30d"
    assert [p.name for p in pipeline.parameters] == [
        "CodeBundleUri",
        "InputTrainUri",
        "InputValidationUri",
        "AccuracyThreshold",
    ]


def test_building_and_defining_make_no_aws_call_and_leave_logging_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botocore.client import BaseClient

    def refuse(self: Any, operation: str, params: Any) -> None:
        raise AssertionError(f"the SDK emitter called AWS: {operation}")

    monkeypatch.setattr(BaseClient, "_make_api_call", refuse)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")  # must not be read
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    pipeline, _, region = sdk_and_compiled("spec/titanic-modelbuild.yaml", "dev")
    sdk_definition(pipeline, region)
    assert (root.level, list(root.handlers)) == before
    assert logging.getLogger("sagemaker").getEffectiveLevel() >= logging.WARNING
