"""The Titanic pipeline end to end on the local engine: the compiled definition, the real
step code from the bundle, the XGBoost emulation, the gate and the registry.

One module-scoped state directory holds a cold run and a cached re-run; the other cases add
their own executions to it and compare before/after.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from titanic_support import seed_titanic

from pipeline.backends.interface import StepRecord
from pipeline.local.backend import LocalBackend

ROOT = Path(__file__).resolve().parent.parent
GROUP = "titanic-survival-xgboost"
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]
JOB_STEPS = ("DataPreProcessing", "TrainModel", "ModelEvaluation")
ALL_STEPS = [*JOB_STEPS, "QualityGateAccuracy", "RegisterModel"]


@dataclass
class Titanic:
    backend: LocalBackend
    name: str
    definition: str
    cold: str
    cached: str
    workdir: Path

    def run(self, **params: str) -> str:
        arn = self.backend.start(self.name, params)
        assert self.backend.wait(arn, timeout=300)
        return arn

    def steps(self, arn: str) -> dict[str, StepRecord]:
        return {step.name: step for step in self.backend.list_steps(arn)}


@pytest.fixture(scope="module")
def titanic(tmp_path_factory: pytest.TempPathFactory) -> Titanic:
    workdir = tmp_path_factory.mktemp("titanic")
    seeded = seed_titanic(workdir, workdir / "state")
    compiled = seeded.compiled
    result = Titanic(seeded.backend, compiled.pipeline_name, compiled.text, "", "", workdir)
    result.cold = result.run()
    result.cached = result.run()
    return result


def test_cold_run_completes_in_order_and_registers_version_1(titanic: Titanic) -> None:
    backend = titanic.backend
    assert backend.describe_execution(titanic.cold).status == "Succeeded"
    steps = backend.list_steps(titanic.cold)
    assert [step.name for step in steps] == ALL_STEPS
    assert {step.status for step in steps} == {"Succeeded"}
    for earlier, later in itertools.pairwise(steps):
        assert earlier.ended is not None and later.started is not None
        assert later.started >= earlier.ended
    first = backend.describe_model_package(steps[-1].metadata["ModelPackageArn"])
    assert (first.group, first.version) == (GROUP, 1)
    assert first.approval_status == "PendingManualApproval"
    assert first.metrics["accuracy"] >= 0.82
    assert set(first.metrics) >= {"accuracy", "precision", "recall", "f1"}
    assert first.model_data_url is not None
    assert first.model_data_url.endswith("/output/model.tar.gz")
    assert "validation:logloss=" in steps[1].metadata["FinalMetrics"]
    reports = backend.property_file_reports(titanic.cold)
    assert reports[0][:2] == ("ModelEvaluation", "evaluation.json")


def test_second_run_reuses_the_three_job_steps(titanic: Titanic) -> None:
    steps = titanic.steps(titanic.cached)
    for name in JOB_STEPS:
        assert steps[name].cache_source_execution == titanic.cold, name
    assert steps["RegisterModel"].cache_source_execution is None
    registered = steps["RegisterModel"].metadata["ModelPackageArn"]
    assert registered.endswith(f"/{GROUP}/2")


def test_high_threshold_takes_the_else_branch_and_registers_nothing(titanic: Titanic) -> None:
    before = len(titanic.backend.list_model_packages(GROUP))
    arn = titanic.run(AccuracyThreshold="0.99")
    assert titanic.backend.describe_execution(arn).status == "Succeeded"
    steps = titanic.steps(arn)
    assert list(steps) == [*JOB_STEPS, "QualityGateAccuracy"]
    assert steps["QualityGateAccuracy"].metadata["Outcome"] == "False"
    assert len(titanic.backend.list_model_packages(GROUP)) == before


def test_corrupted_input_fails_preprocessing_and_retry_succeeds(titanic: Titanic) -> None:
    train = titanic.workdir / "train.csv"
    good = (ROOT / "data/curated/train.csv").read_text()
    train.write_text(good.replace("Survived", "Survivd", 1))  # the label column is gone
    arn = titanic.run(InputTrainUri=str(train))
    assert titanic.backend.describe_execution(arn).status == "Failed"
    (step,) = titanic.backend.list_steps(arn)
    assert (step.name, step.status) == ("DataPreProcessing", "Failed")
    log = step.metadata["LogFile"]
    assert log in (step.failure_reason or "")
    assert "Survived" in (step.failure_reason or "")  # the one-line error names the column
    assert "Survived" in titanic.backend.step_log(arn, "DataPreProcessing")

    shutil.copyfile(ROOT / "data/curated/train.csv", train)
    titanic.backend.retry(arn)
    assert titanic.backend.wait(arn, timeout=300)
    assert titanic.backend.describe_execution(arn).status == "Succeeded"
    steps = titanic.steps(arn)
    assert steps["DataPreProcessing"].attempt == 2
    assert list(steps) == ALL_STEPS


def test_definition_is_the_compiled_artifact(titanic: Titanic) -> None:
    stored = titanic.backend.home.state.definition(titanic.name, 1)
    assert json.loads(stored) == json.loads(titanic.definition)


def test_smpipe_run_compiles_a_spec_and_prints_the_summary(titanic: Titanic) -> None:
    version = titanic.backend.parameters(titanic.cold)["CodeBundleUri"].split("/")[-2]
    result = subprocess.run(
        [
            *SMPIPE,
            "run",
            str(ROOT / "spec" / "titanic-modelbuild.yaml"),
            "--env",
            "dev",
            "--var",
            f"git_sha={version}",
            "--state-dir",
            str(titanic.workdir / "state"),
        ],
        capture_output=True,
        text=True,
        cwd=titanic.workdir,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "titanic-modelbuild-dev: Succeeded" in result.stdout
    assert "cache hits: DataPreProcessing, TrainModel, ModelEvaluation" in result.stdout
    assert "approval status:  PendingManualApproval" in result.stdout
    assert "accuracy" in result.stdout.split("metrics (ModelEvaluation evaluation.json):")[1]


def test_a_missing_code_bundle_says_how_to_make_it(titanic: Titanic) -> None:
    arn = titanic.run(CodeBundleUri="s3://titanic-mlops-artifacts-dev/pipeline/code/x/none.tar.gz")
    (step,) = titanic.backend.list_steps(arn)
    assert "smpipe bundle --local-store" in (step.failure_reason or "")


def test_a_bad_hyperparameter_fails_training_with_the_containers_reason(titanic: Titanic) -> None:
    # The same definition with eta out of range, as a hand-edited definition would be.
    definition = json.loads(titanic.definition)
    train = next(step for step in definition["Steps"] if step["Name"] == "TrainModel")
    train["Arguments"]["HyperParameters"]["eta"] = "2.0"
    name = f"{titanic.name}-bad-eta"
    titanic.backend.upsert(name, json.dumps(definition), "role", None)
    arn = titanic.backend.start(name, {})
    assert titanic.backend.wait(arn, timeout=300)
    failed = {step.name: step for step in titanic.backend.list_steps(arn)}["TrainModel"]
    assert failed.status == "Failed"
    reason = failed.failure_reason or ""
    # One prefix, as SageMaker writes it, then where to look.
    assert reason.startswith("ClientError: Hyperparameter eta: 2.0 is not in [0, 1]"), reason
    assert reason.count("Error:") == 1 and "see the log:" in reason


def test_metric_definitions_are_read_from_the_job_log(titanic: Titanic) -> None:
    """MetricDefinitions become FinalMetricDataList entries: the last match's first group."""
    definition = json.loads(titanic.definition)
    train = next(step for step in definition["Steps"] if step["Name"] == "TrainModel")
    train["Arguments"]["AlgorithmSpecification"]["MetricDefinitions"] = [
        {"Name": "valid:loss", "Regex": r"validation-logloss:([0-9\.]+)"},
        {"Name": "never:seen", "Regex": r"nothing-like-this:([0-9\.]+)"},
    ]
    name = f"{titanic.name}-metrics"
    titanic.backend.upsert(name, json.dumps(definition), "role", None)
    arn = titanic.backend.start(name, {})
    assert titanic.backend.wait(arn, timeout=300)
    trained = {step.name: step for step in titanic.backend.list_steps(arn)}["TrainModel"]
    assert trained.status == "Succeeded"
    final = dict(pair.split("=") for pair in trained.metadata["FinalMetrics"].split())
    assert float(final["valid:loss"]) == float(final["validation:logloss"])
    assert "never:seen" not in final
