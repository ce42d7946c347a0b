"""Retry on the local engine, through the backend only (start, stop, retry, wait, list_steps):
a failed step inside a condition branch runs again, and so does a Stopped execution's
interrupted step; steps that had succeeded keep their first attempt."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from local_support import (
    BUCKET,
    PREP_SCRIPT,
    definition,
    make_bundle,
    processing_step,
    score_gate,
    seed_all,
)

from pipeline.backends.interface import StepRecord
from pipeline.local.backend import LocalBackend

# Waits while the file HOLD_FILE names exists, then writes its output.
HOLD_SCRIPT = """
import os, sys, time
root = os.environ.get("SMPIPE_CONTAINER_ROOT", "/")
hold = os.environ["HOLD_FILE"]
for _ in range(2400):
    if not os.path.exists(hold):
        break
    time.sleep(0.05)
else:
    sys.exit("held for too long")
with open(os.path.join(root, "opt/ml/processing/out/done.txt"), "w") as f:
    f.write("done")
print("released")
"""


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    return LocalBackend(state)


def steps_of(backend: LocalBackend, arn: str) -> dict[str, StepRecord]:
    return {step.name: step for step in backend.list_steps(arn)}


def branch_pipeline() -> str:
    """Score -> Gate (score >= 0.5) -> if: Check (reads InputUri), else: nothing."""
    score = processing_step(
        "Score",
        "score.py",
        outputs=[("report", "/opt/ml/processing/report")],
        arguments=["--score", "0.9"],
        property_files=[
            {"PropertyFileName": "Report", "OutputName": "report", "FilePath": "report.json"}
        ],
        cache=False,
    )
    check = processing_step(
        "Check",
        "score.py",
        inputs=[("data", {"Get": "Parameters.InputUri"}, "/opt/ml/processing/input/data")],
        outputs=[("report", "/opt/ml/processing/report")],
        arguments=["--score", "0.7"],
        cache=False,
    )
    gate = score_gate(0.5, [check], [])
    parameters = [
        {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"},
        {"Name": "InputUri", "Type": "String", "DefaultValue": f"{BUCKET}/data/input.csv"},
    ]
    return definition([score, gate], parameters)


def test_retry_reruns_a_failed_step_inside_a_condition_branch(
    backend: LocalBackend, tmp_path: Path
) -> None:
    corrupt = tmp_path / "branch-input.csv"
    corrupt.write_text("a,b\nCORRUPT\n")
    backend.upsert("branch", branch_pipeline(), "role", None)
    arn = backend.start("branch", {"InputUri": str(corrupt)})
    assert backend.wait(arn, timeout=120)
    assert backend.describe_execution(arn).status == "Failed"
    before = steps_of(backend, arn)
    assert {name: s.status for name, s in before.items()} == {
        "Score": "Succeeded",
        "Gate": "Succeeded",
        "Check": "Failed",
    }

    corrupt.write_text("a,b\n1,2\n")  # fixed in place: the same parameters
    assert backend.retry(arn) == arn
    assert backend.wait(arn, timeout=120)
    after = steps_of(backend, arn)
    assert backend.describe_execution(arn).status == "Succeeded"
    assert (after["Check"].status, after["Check"].attempt) == ("Succeeded", 2)
    assert "wrote the report with score 0.7" in backend.step_log(arn, "Check")
    assert (after["Score"].attempt, after["Score"].started) == (1, before["Score"].started)


def hold_pipeline(hold: Path) -> str:
    """Prep -> Hold (waits while ``hold`` exists)."""
    prep = processing_step(
        "Prep", "prep.py", outputs=[("prepared", "/opt/ml/processing/prepared")], cache=False
    )
    wait = processing_step(
        "Hold",
        "hold.py",
        outputs=[("out", "/opt/ml/processing/out")],
        depends_on=["Prep"],
        cache=False,
    )
    wait["Arguments"]["Environment"] = {"HOLD_FILE": str(hold)}
    parameters = [
        {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"}
    ]
    return definition([prep, wait], parameters)


def wait_for(backend: LocalBackend, arn: str, step: str, status: str) -> None:
    """Poll until ``step`` shows ``status`` (bounded, so a broken engine fails the test)."""
    for _ in range(1200):
        found = steps_of(backend, arn).get(step)
        if found is not None and found.status == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"{step} never reached {status}: {steps_of(backend, arn)}")


def test_retry_of_a_stopped_execution_reruns_the_stopped_step(
    backend: LocalBackend, tmp_path: Path
) -> None:
    bundle = make_bundle(
        tmp_path / "hold-bundle.tar.gz",
        {"hold.py": HOLD_SCRIPT, "prep.py": PREP_SCRIPT},
    )
    backend.home.store.put_file(bundle, f"{BUCKET}/code/bundle.tar.gz")
    hold = tmp_path / "hold"
    hold.write_text("")
    backend.upsert("held", hold_pipeline(hold), "role", None)
    arn = backend.start("held", {})
    wait_for(backend, arn, "Hold", "Executing")
    backend.stop(arn)
    assert backend.wait(arn, timeout=120)
    assert backend.describe_execution(arn).status == "Stopped"
    before = steps_of(backend, arn)
    assert before["Prep"].status == "Succeeded"
    assert before["Hold"].status != "Succeeded"

    hold.unlink()
    assert backend.retry(arn) == arn
    assert backend.wait(arn, timeout=120)
    assert backend.describe_execution(arn).status == "Succeeded"
    after = steps_of(backend, arn)
    assert (after["Hold"].status, after["Hold"].attempt) == ("Succeeded", 2)
    assert "released" in backend.step_log(arn, "Hold")
    assert (after["Prep"].attempt, after["Prep"].started) == (1, before["Prep"].started)
