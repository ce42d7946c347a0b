"""What SDK v3 cannot express though SageMaker takes it: the SDK emitter refuses with the
SDK's own error, as docs/sdk-equivalence.md ("What SDK v3 cannot express") lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.compile import compile_spec_file
from compiler.emit_sdk import build_sdk_pipeline
from compiler.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
TYPED = ROOT / "tests" / "golden" / "typed-parameters"
DOC = (ROOT / "docs" / "sdk-equivalence.md").read_text()


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "test.yaml").write_text((TYPED / "env" / "test.yaml").read_text())
    text = (TYPED / "spec.yaml").read_text()
    assert old in text
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace(old, new))
    return spec


CASES = [
    (
        "    volume_size_gb: 30\n",
        "    volume_size_gb: {param: ProcessingVolume}\n",
        'step "Train": SDK v3 cannot express volume_size_gb as a pipeline parameter: '
        "Compute.volume_size_in_gb: Input should be a valid integer",
    ),
    (
        "    stopping_condition: {max_runtime_seconds: 7200}\n",
        "    stopping_condition: {max_runtime_seconds: {param: ProcessingVolume}}\n",
        'step "Train": SDK v3 cannot express stopping_condition.max_runtime_seconds as a '
        "pipeline parameter: StoppingCondition.max_runtime_in_seconds: Input should be a "
        "valid integer",
    ),
    (
        "[Step.SERVICE_FAULT, Step.THROTTLING], max_attempts: 3}",
        "[Step.SERVICE_FAULT, SageMaker.CAPACITY_ERROR], max_attempts: 3}",
        None,  # a register step refuses job exception types: the rule, before the SDK
    ),
    (
        "[SageMaker.JOB_INTERNAL_ERROR], interval_seconds: 10",
        "[SageMaker.JOB_INTERNAL_ERROR, Step.THROTTLING], interval_seconds: 10",
        'step "Train": SDK v3 cannot express a retry policy that mixes '
        "SageMaker.JOB_INTERNAL_ERROR, Step.THROTTLING",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), CASES[:2] + CASES[3:])
def test_the_sdk_emitter_names_what_the_sdk_refuses(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    compiled = compile_spec_file(_variant(tmp_path, old, new), env="test")
    with pytest.raises(UsageError) as raised:
        build_sdk_pipeline(compiled.spec, "us-east-1")
    assert message in str(raised.value)
    # The docs quote the SDK's refusal.
    sdk_error = message.split("pipeline parameter: ")[-1]
    if "mixes" in message:
        sdk_error = "is not of StepExceptionTypeEnum."
    assert sdk_error in DOC


def test_a_register_step_refuses_job_exception_types_before_the_sdk(tmp_path: Path) -> None:
    old, new, _ = CASES[2]
    with pytest.raises(Exception, match=r"retry-policy"):
        compile_spec_file(_variant(tmp_path, old, new), env="test")
