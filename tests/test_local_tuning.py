"""The tuning pipeline (spec/examples/titanic-tuning.yaml) end to end on the local engine:
script-mode training jobs tuned by Bayesian search, the best model created, the test set scored by batch
transform, the predictions evaluated, gated and registered; then a cached re-run."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from titanic_support import seed_titanic

from pipeline.backends.interface import StepRecord
from pipeline.local.backend import LocalBackend

ROOT = Path(__file__).resolve().parent.parent
GROUP = "titanic-survival-sklearn"
ALL_STEPS = [
    "DataPreProcessing",
    "TuneModel",
    "CreateBestModel",
    "BatchTransformTest",
    "EvaluatePredictions",
    "QualityGateAccuracy",
    "RegisterModel",
]


@dataclass
class Tuning:
    backend: LocalBackend
    cold: str
    cached: str

    def steps(self, arn: str) -> dict[str, StepRecord]:
        return {step.name: step for step in self.backend.list_steps(arn)}

    def properties(self, arn: str, step: str) -> dict[str, Any]:
        row = next(r for r in self.backend.home.state.steps(arn) if r["name"] == step)
        found: dict[str, Any] = json.loads(row["properties"])
        return found


@pytest.fixture(scope="module")
def tuning(tmp_path_factory: pytest.TempPathFactory) -> Tuning:
    workdir = tmp_path_factory.mktemp("tuning")
    seeded = seed_titanic(workdir, workdir / "state", spec="examples/titanic-tuning.yaml")
    backend = seeded.backend
    arns = []
    for _ in range(2):
        arn = backend.start(seeded.compiled.pipeline_name, {})
        assert backend.wait(arn, timeout=600)
        arns.append(arn)
    return Tuning(backend, *arns)


def test_cold_run_tunes_scores_and_registers(tuning: Tuning) -> None:
    backend = tuning.backend
    assert backend.describe_execution(tuning.cold).status == "Succeeded"
    steps = tuning.steps(tuning.cold)
    assert list(steps) == ALL_STEPS
    assert {s.status for s in steps.values()} == {"Succeeded"}
    assert steps["TuneModel"].metadata["TrainingJobs"] == "8 (0 failed)"

    tuned = tuning.properties(tuning.cold, "TuneModel")
    summaries = tuned["TrainingJobSummaries"]
    values = [s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for s in summaries]
    assert len(summaries) == 8 and values == sorted(values, reverse=True)
    assert tuned["BestTrainingJob"] == summaries[0]
    assert len({json.dumps(s["TunedHyperParameters"], sort_keys=True) for s in summaries}) == 8
    for summary in summaries:  # every job has its own log, named in the step's log
        assert summary["TrainingJobName"] in backend.step_log(tuning.cold, "TuneModel")

    package = backend.describe_model_package(steps["RegisterModel"].metadata["ModelPackageArn"])
    assert (package.group, package.version) == (GROUP, 1)
    best = summaries[0]["TrainingJobName"]
    assert package.model_data_url is not None
    assert package.model_data_url.endswith(f"/TuneModel/model/{best}/output/model.tar.gz")
    # The registered metrics are those of the batch transform's predictions on the test set.
    (report,) = [
        r for r in backend.property_file_reports(tuning.cold) if r[0] == "EvaluatePredictions"
    ]
    assert package.metrics["accuracy"] == report[2]["metrics"]["accuracy"] >= 0.78


def test_transform_writes_one_out_file_per_input_with_label_and_score(tuning: Tuning) -> None:
    store = tuning.backend.home.store
    transform = tuning.properties(tuning.cold, "BatchTransformTest")
    outputs = store.objects(transform["TransformOutput"]["S3OutputPath"])
    assert [relative for _, relative in outputs] == ["test.csv.out"]
    lines = outputs[0][0].read_text().splitlines()
    prepared = tuning.properties(tuning.cold, "DataPreProcessing")
    test_uri = next(
        o["S3Output"]["S3Uri"]
        for o in prepared["ProcessingOutputConfig"]["Outputs"]
        if o["OutputName"] == "test"
    )
    ((test_file, _),) = store.objects(test_uri)
    rows = test_file.read_text().splitlines()
    assert len(lines) == len(rows) > 50
    for line, row in zip(lines, rows, strict=True):
        label, score = line.split(",")
        assert label == row.split(",")[0] and 0.0 <= float(score) <= 1.0


def test_rerun_reuses_preprocessing_and_tuning(tuning: Tuning) -> None:
    steps = tuning.steps(tuning.cached)
    assert tuning.backend.describe_execution(tuning.cached).status == "Succeeded"
    for name in ("DataPreProcessing", "TuneModel"):
        assert steps[name].cache_source_execution == tuning.cold, name
    # A new execution creates a new model (as SageMaker does), so the transform runs again.
    assert steps["BatchTransformTest"].cache_source_execution is None
    assert steps["RegisterModel"].metadata["ModelPackageArn"].endswith(f"/{GROUP}/2")


def test_stop_ends_a_running_tuning_step(tuning: Tuning, tmp_path: Path) -> None:
    # Another training file: preprocessing (and so tuning) cannot come from the cache.
    train = tmp_path / "train.csv"
    train.write_text((ROOT / "data/curated/train.csv").read_text())
    backend = tuning.backend
    arn = backend.start("titanic-tuning-dev", {"InputTrainUri": str(train)})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        steps = tuning.steps(arn)
        if "TuneModel" in steps and steps["TuneModel"].status == "Executing":
            break
        backend.pause(arn, 0.2)
    backend.stop(arn)
    assert backend.wait(arn, timeout=120)
    assert backend.describe_execution(arn).status == "Stopped"
    steps = tuning.steps(arn)
    assert steps["TuneModel"].status == "Stopped"
    assert "CreateBestModel" not in steps
