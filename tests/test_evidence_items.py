"""The evidence report's required items and closing criteria, status by status, on a fake
execution of the compiled Titanic spec (no engine, no AWS): each case changes one fact."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from compiler.compile import compile_spec_file
from pipeline.backends.interface import ExecutionSummary, ModelPackage, StepRecord
from pipeline.evidence.report import (
    MISSING,
    NEEDS_AWS,
    RECORDED,
    RECORDED_LOCALLY,
    Evidence,
    collect_evidence,
)
from pipeline.evidence.sources import ObjectProof
from pipeline.evidence.terraform_plan import summarise_plan

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 2, 20, 10, 0, tzinfo=timezone.utc)
ARN = "arn:aws:sagemaker:eu-west-1:111122223333:pipeline/titanic-modelbuild-dev/execution/x1"
BUNDLE = "s3://bucket/pipeline/code/" + "b" * 40 + "/pipeline_code.tar.gz"
PACKAGE = "arn:aws:sagemaker:eu-west-1:111122223333:model-package/titanic-survival-xgboost/2"
JOBS = ("DataPreProcessing", "TrainModel", "ModelEvaluation")


@dataclass
class Fake:
    """One execution's facts; a test changes the ones it checks."""

    name: str = "sagemaker"
    status: str = "Succeeded"
    accuracy: float = 0.83
    outcome: str | None = "True"
    parameters: dict[str, str] = field(
        default_factory=lambda: {
            "CodeBundleUri": BUNDLE,
            "InputTrainUri": "s3://bucket/curated/train.csv",
            "InputValidationUri": "s3://bucket/curated/validation.csv",
            "AccuracyThreshold": "0.78",
        }
    )
    proof: ObjectProof | None = field(
        default_factory=lambda: ObjectProof(BUNDLE, True, "S3 HeadObject", size=42)
    )
    approval: str = "PendingManualApproval"
    logs: bool = True
    registered: bool = True
    job_status: str = "Succeeded"
    definition: dict[str, Any] | None = None

    # ---- Backend ----
    def describe_execution(self, arn: str) -> ExecutionSummary:
        return ExecutionSummary(arn, "titanic-modelbuild-dev", self.status, T0, T0)

    def parameters_of(self, arn: str) -> dict[str, str]:
        return dict(self.parameters)

    def list_steps(self, arn: str) -> list[StepRecord]:
        meta = {"LogGroup": "/aws/sagemaker/ProcessingJobs"} if self.logs else {}
        steps = [StepRecord(name, "Processing", self.job_status, metadata=meta) for name in JOBS]
        gate_meta = {"Outcome": self.outcome} if self.outcome else {}
        steps.append(
            StepRecord("QualityGateAccuracy", "Condition", "Succeeded", metadata=gate_meta)
        )
        if self.registered:
            steps.append(
                StepRecord(
                    "RegisterModel",
                    "RegisterModel",
                    "Succeeded",
                    metadata={"ModelPackageArn": PACKAGE},
                )
            )
        return steps

    def describe_model_package(self, arn: str) -> ModelPackage:
        return ModelPackage(arn, "titanic-survival-xgboost", 2, self.approval, T0)

    # ---- EvidenceSource ----
    @property
    def backend(self) -> Any:
        fake = self

        class Backend:
            name = fake.name
            describe_execution = fake.describe_execution
            parameters = fake.parameters_of
            list_steps = fake.list_steps
            describe_model_package = fake.describe_model_package

        return Backend()

    def object_proof(self, uri: str) -> ObjectProof | None:
        return self.proof

    def executed_definition(self, arn: str) -> dict[str, Any] | None:
        return self.definition

    def property_reports(self, arn: str) -> list[tuple[str, str, Any]]:
        return [("ModelEvaluation", "evaluation.json", {"metrics": {"accuracy": self.accuracy}})]

    def show_path(self, path: str) -> str:
        return path


@pytest.fixture(scope="module")
def titanic() -> dict[str, Any]:
    return compile_spec_file(ROOT / "spec" / "titanic-modelbuild.yaml", env="dev").definition


def collect(fake: Fake, titanic: dict[str, Any], **options: Any) -> Evidence:
    if fake.definition is None:
        fake.definition = titanic
    return collect_evidence(fake, ARN, **options)  # type: ignore[arg-type]


def item(evidence: Evidence, number: int) -> tuple[str, str]:
    found = evidence.items[number - 1]
    return found.status, found.detail


def test_everything_recorded_on_sagemaker(titanic: dict[str, Any]) -> None:
    plan = summarise_plan("Plan: 1 to add, 0 to change, 0 to destroy.\n", "plan.txt")
    found = collect(Fake(), titanic, plan=plan, output="docs/iterations/ITER-20260220-02.md")
    assert [i.status for i in found.items] == [RECORDED] * 6
    assert item(found, 2) == (RECORDED, f"commit {'b' * 40}; 42 bytes")
    assert item(found, 5) == (RECORDED, "version 2, PendingManualApproval")
    assert [c.met for c in found.criteria] == [True, True, True, True, True]
    assert found.criteria[4].detail == "written to `docs/iterations/ITER-20260220-02.md`"


def test_local_items_are_recorded_locally_and_the_plan_needs_aws(titanic: dict[str, Any]) -> None:
    found = collect(Fake(name="local"), titanic, output="out.md")
    assert [i.status for i in found.items] == [NEEDS_AWS] + [RECORDED_LOCALLY] * 5
    assert found.criteria[4].met is None
    assert "items 1, 2, 3, 4, 5, 6 still need AWS" in found.criteria[4].detail


@pytest.mark.parametrize(
    ("proof", "expected"),
    [
        (ObjectProof(BUNDLE, False, "S3 HeadObject"), (MISSING, f"no object at {BUNDLE}")),
        (ObjectProof(BUNDLE, None, "S3", note="no credentials"), (NEEDS_AWS, "no credentials")),
        (ObjectProof(BUNDLE, None, "S3"), (NEEDS_AWS, "not checked")),
        (None, (NEEDS_AWS, "not checked")),
    ],
)
def test_bundle_item_by_proof(
    titanic: dict[str, Any], proof: ObjectProof | None, expected: tuple[str, str]
) -> None:
    found = collect(Fake(proof=proof), titanic, output="out.md")
    assert item(found, 2) == expected
    if expected[0] == MISSING:
        assert found.criteria[4].met is False and "items 2 missing" in found.criteria[4].detail


def test_bundle_item_without_the_parameter_or_a_commit(titanic: dict[str, Any]) -> None:
    fake = Fake()
    del fake.parameters["CodeBundleUri"]
    found = collect(fake, titanic)
    assert item(found, 2) == (MISSING, "the execution has no CodeBundleUri parameter")
    assert found.criteria[0].met is False and found.criteria[0].detail == "missing: CodeBundleUri"
    fake = Fake(proof=ObjectProof("s3://b/k.tar.gz", True, "S3", size=1))
    fake.parameters["CodeBundleUri"] = "s3://b/pipeline/code/v1/pipeline_code.tar.gz"
    assert item(collect(fake, titanic), 2) == (RECORDED, "no commit SHA in the URI; 1 bytes")


@pytest.mark.parametrize(
    ("approval", "registered", "outcome", "accuracy", "expected"),
    [
        ("Approved", True, "True", 0.83, (RECORDED, "version 2, now Approved")),
        (
            "PendingManualApproval",
            False,
            "False",
            0.70,
            (MISSING, "no model package: the gate was not met (outcome False)"),
        ),
        (
            "PendingManualApproval",
            False,
            "True",
            0.83,
            (MISSING, "no model package: RegisterModel did not register a package"),
        ),
    ],
)
def test_package_item(
    titanic: dict[str, Any],
    approval: str,
    registered: bool,
    outcome: str,
    accuracy: float,
    expected: tuple[str, str],
) -> None:
    fake = Fake(approval=approval, registered=registered, outcome=outcome, accuracy=accuracy)
    assert item(collect(fake, titanic), 5) == expected


def test_logs_item_and_steps_item(titanic: dict[str, Any]) -> None:
    found = collect(Fake(logs=False), titanic)
    assert item(found, 6) == (MISSING, "no step log recorded")
    assert item(collect(Fake(), titanic), 6) == (RECORDED, "3 steps with logs")
    found = collect(Fake(registered=False, outcome="False", accuracy=0.7), titanic)
    assert item(found, 4) == (RECORDED, "4 of 5 ran: Succeeded; not run: RegisterModel")


@pytest.mark.parametrize(
    ("comparison", "outcome", "met", "detail"),
    [
        # accuracy == threshold: >= is met, > is not
        ("GreaterThanOrEqualTo", "True", True, "0.7800 >= 0.78 -> outcome True"),
        ("GreaterThan", "False", True, "threshold not met (outcome False)"),
        ("GreaterThanOrEqualTo", "False", False, "the gate gave False but the values say True"),
        ("GreaterThan", "True", False, "the gate gave True but the values say False"),
        ("LessThanOrEqualTo", "True", True, "0.7800 <= 0.78 -> outcome True"),
        ("LessThan", "False", True, "threshold not met (outcome False)"),
        ("Equals", "True", True, "0.7800 == 0.78 -> outcome True"),
    ],
)
def test_a_metric_equal_to_the_threshold(
    titanic: dict[str, Any], comparison: str, outcome: str, met: bool, detail: str
) -> None:
    definition = _with_comparison(titanic, comparison)
    fake = Fake(accuracy=0.78, outcome=outcome, registered=outcome == "True", definition=definition)
    found = collect(fake, titanic)
    assert found.gate is not None and found.gate.expected_outcome is (comparison in _INCLUSIVE)
    texts = [c.detail for c in found.criteria[2:4]]
    assert found.criteria[3].met is met
    assert any(detail in text for text in texts), texts


_INCLUSIVE = ("GreaterThanOrEqualTo", "LessThanOrEqualTo", "Equals")


def _with_comparison(titanic: dict[str, Any], comparison: str) -> dict[str, Any]:
    import copy

    definition = copy.deepcopy(titanic)
    gate = next(s for s in definition["Steps"] if s["Type"] == "Condition")
    gate["Arguments"]["Conditions"][0]["Type"] = comparison
    return definition


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"status": "Failed"}, "execution Failed"),
        ({"job_status": "Failed"}, "DataPreProcessing Failed"),
    ],
)
def test_end_to_end_criterion_fails_on_any_problem(
    titanic: dict[str, Any], change: dict[str, Any], detail: str
) -> None:
    found = collect(replace(Fake(), **change), titanic)
    assert found.criteria[1].met is False and detail in found.criteria[1].detail


def test_end_to_end_criterion_needs_curated_inputs(titanic: dict[str, Any]) -> None:
    fake = Fake()
    fake.parameters["InputTrainUri"] = "s3://bucket/raw/train.csv"
    found = collect(fake, titanic)
    assert found.criteria[1].met is False
    assert found.criteria[1].detail == "inputs not under curated/: s3://bucket/raw/train.csv"


def test_gate_criteria_without_an_outcome_or_a_definition(titanic: dict[str, Any]) -> None:
    found = collect(Fake(outcome=None, registered=False), titanic)
    assert found.criteria[2].met is False
    assert found.criteria[2].detail == "QualityGateAccuracy Succeeded: no outcome"
    assert (found.criteria[3].met, found.criteria[3].detail) == (None, "the gate has no outcome")
    unread = collect_evidence(replace(Fake(), definition=None), ARN)  # type: ignore[arg-type]
    assert unread.criteria[2].met is False  # no definition: no condition step to expect
    compared = collect_evidence(  # type: ignore[arg-type]
        replace(Fake(), definition=None), ARN, compiled_definition=titanic
    )
    assert compared.criteria[2].met is None
    assert compared.criteria[2].detail == "the executed definition could not be read"


def test_register_criterion_when_the_branch_disagrees(titanic: dict[str, Any]) -> None:
    found = collect(Fake(outcome="False", accuracy=0.70, registered=True), titanic)
    assert found.criteria[3].met is False
    assert found.criteria[3].detail == "threshold not met but RegisterModel ran"
    found = collect(Fake(outcome="True", accuracy=0.83, registered=False), titanic)
    assert found.criteria[3].detail == "threshold met but RegisterModel did not run"
