"""The approval flow example (spec/examples/titanic-approval.yaml) end to end on the local
engine: the execution waits at the Callback step, a second process answers it with
`smpipe callback succeed|fail`, the Lambda step's handler (pipeline/code/approval_lambda.py)
sets the model package's approval in the registry, and a condition reads its output.

One module-scoped state: the first run trains; the later ones reuse its job steps from the
cache, so each case costs little more than its own hand-off steps."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from titanic_support import ROOT, seed_titanic

from pipeline.backends.callbacks import CallbackRecord
from pipeline.local.backend import LocalBackend

SPEC = ROOT / "spec" / "examples" / "titanic-approval.yaml"
GROUP = "titanic-survival-xgboost"
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]


@dataclass
class Flow:
    backend: LocalBackend
    name: str
    state_dir: Path

    def start_and_wait_for_callback(self) -> tuple[str, CallbackRecord]:
        arn = self.backend.start(self.name, {})
        while not (waiting := self.backend.list_callbacks(arn)):
            status = self.backend.describe_execution(arn).status
            assert status == "Executing", self.backend.list_steps(arn)
            time.sleep(0.2)
        return arn, waiting[0]

    def smpipe(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A second process, as a reviewer's terminal would be."""
        return subprocess.run(
            [*SMPIPE, *args, "--state-dir", str(self.state_dir)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    def finish(self, arn: str) -> str:
        assert self.backend.wait(arn, timeout=300)
        return self.backend.describe_execution(arn).status

    def steps(self, arn: str) -> dict[str, tuple[str, str | None, dict[str, str]]]:
        return {
            s.name: (s.status, s.failure_reason, dict(s.metadata))
            for s in self.backend.list_steps(arn)
        }

    def package(self, arn: str) -> str:
        registered = self.steps(arn)["RegisterModel"][2]["ModelPackageArn"]
        return self.backend.describe_model_package(registered).approval_status


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    workdir = tmp_path_factory.mktemp("approval")
    seeded = seed_titanic(workdir, workdir / "state", SPEC)
    return Flow(seeded.backend, seeded.compiled.pipeline_name, workdir / "state")


def test_an_approval_from_another_process_approves_the_package(flow: Flow) -> None:
    arn, callback = flow.start_and_wait_for_callback()
    assert callback.step_name == "WaitForApproval"
    assert callback.arguments["model_package_arn"].endswith(f"{GROUP}/1")
    assert flow.package(arn) == "PendingManualApproval"
    listed = flow.smpipe("callback", "list")
    assert listed.returncode == 0 and callback.token in listed.stdout, listed

    answered = flow.smpipe(
        "callback", "succeed", callback.token, "--output", "decision=Approved",
        "--output", "reviewer=alice",
    )  # fmt: skip
    assert answered.returncode == 0, answered.stderr
    assert flow.finish(arn) == "Succeeded"
    steps = flow.steps(arn)
    assert steps["WaitForApproval"][2]["Output.reviewer"] == "alice"
    assert steps["ApplyApprovalDecision"][2]["Output.approval_status"] == "Approved"
    assert steps["ApprovalOutcome"][2]["Outcome"] == "True"
    assert "ModelRejected" not in steps
    assert flow.package(arn) == "Approved"
    package = flow.backend.describe_model_package(steps["RegisterModel"][2]["ModelPackageArn"])
    assert package.approval_description == "Approved by alice"


def test_a_rejection_rejects_the_package_and_ends_at_the_fail_step(flow: Flow) -> None:
    arn, callback = flow.start_and_wait_for_callback()
    answered = flow.smpipe(
        "callback", "succeed", callback.token, "--output", "decision=Rejected",
        "--output", "reviewer=bob",
    )  # fmt: skip
    assert answered.returncode == 0, answered.stderr
    assert flow.finish(arn) == "Failed"
    steps = flow.steps(arn)
    assert steps["ApprovalOutcome"][2]["Outcome"] == "False"
    assert steps["ModelRejected"][:2] == ("Failed", "model package rejected by bob")
    assert flow.package(arn) == "Rejected"


def test_stopping_ends_the_waiting_callback(flow: Flow) -> None:
    arn, callback = flow.start_and_wait_for_callback()
    stopped = flow.smpipe("stop", arn, "--wait")
    assert stopped.returncode == 0, stopped.stderr
    assert flow.finish(arn) == "Stopped"
    assert flow.steps(arn)["WaitForApproval"][0] == "Stopped"
    assert "ApplyApprovalDecision" not in flow.steps(arn)
    assert flow.backend.list_callbacks(arn) == []
    late = flow.smpipe("callback", "succeed", callback.token, "--output", "decision=Approved")
    assert late.returncode != 0
    assert f"callback {callback.token} is Stopped" in late.stderr
    assert flow.package(arn) == "PendingManualApproval"


def test_a_failed_callback_fails_the_step_with_the_reason(flow: Flow) -> None:
    arn, callback = flow.start_and_wait_for_callback()
    bad_output = flow.smpipe("callback", "succeed", callback.token, "--output", "verdict=ok")
    assert bad_output.returncode != 0
    assert "declares no output verdict (its outputs: decision, reviewer)" in bad_output.stderr
    failed = flow.smpipe("callback", "fail", callback.token, "--reason", "model card missing")
    assert failed.returncode == 0, failed.stderr
    assert flow.finish(arn) == "Failed"
    assert flow.steps(arn)["WaitForApproval"][:2] == ("Failed", "model card missing")
    assert flow.package(arn) == "PendingManualApproval"


def test_an_unknown_token_is_a_one_line_error(flow: Flow) -> None:
    result = flow.smpipe("callback", "succeed", "XXXXXXXXXX", "--output", "decision=Approved")
    assert result.returncode != 0
    assert result.stderr.startswith("smpipe: error: no callback token 'XXXXXXXXXX'")
    assert "Traceback" not in result.stderr
