"""Emit helpers the goldens cannot reach: a policy SDK v3 cannot express (so no golden can
hold it), an S3 URI the rules would reject, and the guard for a reference the rules reject."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from compiler.compile import compile_spec_file
from compiler.emit.metadata import joined, pieces, promised_paths
from compiler.emit.spark import configuration_uri
from compiler.emit.values import EmitContext, output_property, split_s3_uri
from compiler.references import StepOutputRef

GOLDEN = Path(__file__).resolve().parent / "golden" / "references-everywhere"


def _compiled_steps(tmp_path: Path, edit: dict) -> dict[str, dict]:
    spec = yaml.safe_load((GOLDEN / "spec.yaml").read_text())
    spec.update(edit)
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    shutil.copytree(GOLDEN / "env", tmp_path / "env")
    compiled = compile_spec_file(tmp_path / "spec.yaml", env="test")
    steps = {}
    for step in compiled.definition["Steps"]:
        steps[step["Name"]] = step
        for branch in ("IfSteps", "ElseSteps"):
            steps.update({s["Name"]: s for s in step["Arguments"].get(branch, [])})
    return steps


def test_a_register_step_inherits_only_the_step_types_of_a_mixed_default_policy(
    tmp_path: Path,
) -> None:
    # SageMaker's RetryPolicies take any mix; a register step runs no job, so only the
    # Step.* part of a default policy applies to it (SDK v3 cannot express the mix).
    mixed = {
        "exceptions": ["Step.THROTTLING", "SageMaker.CAPACITY_ERROR"],
        "interval_seconds": 5,
        "backoff_rate": 2.0,
        "max_attempts": 4,
    }
    defaults = {"instance_type": "ml.m5.xlarge", "retry": [mixed]}
    steps = _compiled_steps(tmp_path, {"defaults": defaults})
    policy = {"BackoffRate": 2.0, "IntervalSeconds": 5, "MaxAttempts": 4}
    assert steps["Train"]["RetryPolicies"] == [
        {**policy, "ExceptionType": ["Step.THROTTLING", "SageMaker.CAPACITY_ERROR"]}
    ]
    assert steps["Register"]["RetryPolicies"] == [{**policy, "ExceptionType": ["Step.THROTTLING"]}]


@pytest.mark.parametrize(
    ("uri", "parts"),
    [
        ("s3://bucket/a/b", ("bucket", "a/b")),
        ("s3://bucket/a/b/", ("bucket", "a/b")),
        ("s3://bucket//a/", ("bucket", "a")),
        ("s3://bucket", ("bucket", "")),
        ("s3://bucket/", ("bucket", "")),
        ("s3://bucket/ a ", ("bucket", " a ")),
        ("s3://bucket/Xa/bX/", ("bucket", "Xa/bX")),
    ],
)
def test_split_s3_uri(uri: str, parts: tuple[str, str]) -> None:
    assert split_s3_uri(uri) == parts


def test_a_reference_to_a_step_without_outputs_is_refused_by_name(tmp_path: Path) -> None:
    compiled = compile_spec_file(GOLDEN / "spec.yaml", env="test")
    ctx = EmitContext(spec=compiled.spec, images={})
    with pytest.raises(ValueError, match=r"^step Gate has no outputs$"):
        output_property(ctx, StepOutputRef(step="Gate", output="x"))


def test_metadata_pieces_cut_at_the_quota_and_join_back() -> None:
    text = "a" * 1024 + "b" * 1024 + "c"
    cut = pieces("smpipe-x-", text)
    assert cut == {"smpipe-x-0": "a" * 1024, "smpipe-x-1": "b" * 1024, "smpipe-x-2": "c"}
    assert pieces("smpipe-x-", "short") == {"smpipe-x-0": "short"}
    assert pieces("smpipe-x-", "") == {}
    assert joined(cut, "smpipe-x-") == text
    assert joined({"smpipe-x-1": "b"}, "smpipe-x-") is None  # the pieces start at 0
    assert joined({"smpipe-x-0": "a", "smpipe-x-2": "c"}, "smpipe-x-") == "a"  # a gap ends them
    assert joined({"smpipe-x-0": "a", "smpipe-x-1": 5}, "smpipe-x-") == "a"  # so does a non-text


def test_promised_paths_read_back_what_compile_wrote() -> None:
    text = json.dumps({"Report": ["a.b", "c[0]"], "Other": "not a list", 7: [1]})
    metadata = pieces("smpipe-property-paths-Evaluate-", text)
    assert promised_paths(metadata, "Evaluate") == {"Report": ["a.b", "c[0]"], "7": ["1"]}
    assert promised_paths(metadata, "Train") == {}
    assert promised_paths(pieces("smpipe-property-paths-S-", "[1]"), "S") == {}
    with pytest.raises(ValueError):
        promised_paths({"smpipe-property-paths-S-0": "{not json"}, "S")


def test_the_spark_configuration_uri_does_not_double_a_slash_after_the_artifacts() -> None:
    spark_golden = GOLDEN.parent / "spark" / "spec.yaml"
    spec = compile_spec_file(spark_golden, env="test").spec
    pipeline = spec.pipeline.model_copy(update={"artifacts": "s3://bucket/runX/"})
    ctx = EmitContext(spec=spec.model_copy(update={"pipeline": pipeline}), images={})
    uri = configuration_uri(ctx, spec.steps[0])
    assert uri.startswith(f"s3://bucket/runX/{spec.pipeline.name}/Aggregate/input/conf/")
