"""``smpipe evidence`` on a spec that is not the Titanic one (tests/fixtures/survival-f1):
other step, parameter and bundle names, a gate on ``metrics.f1`` with ``GreaterThan``, a fail
step in the else branch, an Approved register step. Real local runs, one per gate outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.compile import compile_spec_file
from pipeline.bundle.build import build_bundle
from pipeline.evidence.report import MISSING, collect_evidence
from pipeline.evidence.sources import LocalSource
from pipeline.local.backend import LocalBackend

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "fixtures" / "survival-f1" / "spec.yaml"
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]
STEPS = ("Prepare", "Fit", "Score", "F1Gate", "Publish", "TooWeak")


@dataclass
class Runs:
    workdir: Path
    met: str  # execution id: f1 above MinF1, Publish registered
    not_met: str  # MinF1=0.99: the else branch's fail step, execution Failed
    bundle_uri: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    workdir = tmp_path_factory.mktemp("survival-f1")
    bundle = build_bundle(ROOT / "pipeline" / "code", workdir / "bundle")
    compiled = compile_spec_file(SPEC, env="test", variables={"git_sha": bundle.version})
    defaults = {p["Name"]: p.get("DefaultValue") for p in compiled.definition["Parameters"]}
    backend = LocalBackend(workdir / ".smpipe")
    store = backend.home.store
    store.put_file(bundle.path, str(defaults["StepCode"]))
    store.put_file(ROOT / "data" / "curated" / "train.csv", str(defaults["TrainCsv"]))
    store.put_file(ROOT / "data" / "curated" / "validation.csv", str(defaults["HoldoutCsv"]))
    backend.upsert(compiled.pipeline_name, compiled.text, compiled.role_arn, None)
    ids = []
    for params in ({}, {"MinF1": "0.99"}):
        arn = backend.start(compiled.pipeline_name, params)
        assert backend.wait(arn, timeout=300)
        ids.append(arn.rsplit("/", 1)[1])
    backend.home.db.close()
    (workdir / "spec").symlink_to(SPEC.parent, target_is_directory=True)
    return Runs(workdir, ids[0], ids[1], str(defaults["StepCode"]))


def evidence(runs: Runs, execution: str, *extra: str) -> str:
    env = {**os.environ, "SMPIPE_STATE_DIR": ".smpipe"}
    done = subprocess.run(
        [*SMPIPE, "evidence", execution, *extra],
        cwd=runs.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def collected(runs: Runs, execution: str):  # type: ignore[no-untyped-def]
    backend = LocalBackend(runs.workdir / ".smpipe")
    try:
        arn = (
            f"arn:aws:sagemaker:local:000000000000:pipeline/survival-f1-test/execution/{execution}"
        )
        return collect_evidence(LocalSource(backend, runs.workdir), arn)
    finally:
        backend.home.db.close()


@pytest.mark.parametrize("with_spec", [False, True])
def test_criteria_come_from_the_spec_when_the_gate_is_met(runs: Runs, with_spec: bool) -> None:
    extra = ("--spec", "spec/spec.yaml", "--env", "test") if with_spec else ()
    text = evidence(runs, runs.met, *extra)
    # its bundle parameter, found and proven
    assert "## 2. `StepCode` and its object" in text
    assert f"| StepCode | `{runs.bundle_uri}` |" in text and "| Object exists | yes" in text
    assert "CodeBundleUri" not in text
    # its steps, in its order; none of the Titanic names
    assert "| 4 | Status of each step (Prepare, Fit, Score, F1Gate, Publish, TooWeak) |" in text
    assert "5 of 6 ran: Succeeded; not run: TooWeak" in text
    titanic_names = (
        "DataPreProcessing",
        "QualityGateAccuracy",
        "`RegisterModel`",
        "AccuracyThreshold",
    )
    for titanic in (*titanic_names, "accuracy`", "\n| RegisterModel |"):
        assert titanic not in text
    # its register step's approval status
    assert (
        "`ModelApprovalStatus=Approved`" in text
        and "| **recorded locally; needs AWS** | version 1, Approved |" in text
    )
    criteria = text[text.index("## Closing criteria") :]
    assert (
        "- [x] 1. Parameter contract applied (StepCode, TrainCsv, HoldoutCsv, MinF1): met"
        in criteria
    )
    assert (
        "- [x] 2. Pipeline runs end to end from `curated/*`: met — execution Succeeded; Prepare, Fit, Score, F1Gate Succeeded"
        in criteria
    )
    assert (
        "- [x] 3. Quality gate evaluated on `metrics.f1`: met — F1Gate: `metrics.f1` of Steps.Score.PropertyFiles.Scores > Parameters.MinF1:"
        in criteria
    )
    assert "> 0.5 -> outcome True" in criteria
    assert (
        "- [x] 4. `Publish` runs only if the threshold is met: met — threshold met (outcome True) and Publish Succeeded"
        in criteria
    )
    if with_spec:
        assert (
            "the executed definition is identical to `smpipe compile spec/spec.yaml --env test --var git_sha="
            in text
        )
        assert "smpipe compile spec/spec.yaml --env test --var git_sha=" in text
    assert "smpipe logs <PipelineExecutionArn> Prepare --backend sagemaker" in text


def test_criteria_when_the_gate_is_not_met(runs: Runs) -> None:
    found = collected(runs, runs.not_met)
    assert found.execution.status == "Failed"  # the else branch's fail step
    assert found.gate is not None and found.gate.outcome == "False"
    assert found.gate.right_value == 0.99 and found.gate.symbol == ">"
    met = [criterion.met for criterion in found.criteria]
    assert met[0] is True and met[2] is True and met[3] is True
    assert met[1] is False and "execution Failed" in found.criteria[1].detail
    assert found.criteria[3].detail == "threshold not met (outcome False) and Publish did not run"
    package = found.items[4]
    assert package.status == MISSING
    assert package.detail == "no model package: the gate was not met (outcome False)"
    assert found.metrics_source == "Score evaluation.json" and "f1" in found.metrics
