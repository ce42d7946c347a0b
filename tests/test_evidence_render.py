"""The evidence report's Markdown, byte for byte, for fake executions that differ in every
fact the report shows (no engine, no AWS). Rewrite the goldens with ``--update-goldens`` and
review the diff."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_evidence_items import BUNDLE, Fake, collect
from test_evidence_report import CASES as FACT_CASES
from test_evidence_report import (
    SHA,
    Run,
    compare,
    condition,
    json_get,
    minimal,
    package,
    register,
    step,
    survival_run,
)

from pipeline.backends.interface import ExecutionSummary
from pipeline.evidence.render import render_markdown
from pipeline.evidence.report import SpecComparison, collect_evidence
from pipeline.evidence.sources import ObjectProof
from pipeline.evidence.terraform_plan import summarise_plan

GOLDEN = Path(__file__).resolve().parent / "golden" / "evidence"
PLAN = """
  # aws_iam_role.pipeline_execution will be created
  # aws_iam_policy.pipeline_execution will be created
  # aws_sagemaker_model_package_group.titanic will be created
  # aws_sagemaker_pipeline.this will be updated in-place
  # aws_s3_bucket.extra must be replaced
Plan: 4 to add, 1 to change, 1 to destroy.
"""


class FailedFake(Fake):
    def describe_execution(self, arn: str) -> ExecutionSummary:
        summary = super().describe_execution(arn)
        return replace(summary, failure_reason="Step failure: DataPreProcessing | exit 1")


def sagemaker_recorded(titanic: dict[str, Any]) -> Any:
    spec = SpecComparison("spec/titanic-modelbuild.yaml", "dev", {"b": "2", "a": "1"}, True, None)
    found = collect(
        Fake(approval="Approved"),
        titanic,
        plan=summarise_plan(PLAN, "infra/plan.txt"),
        spec=spec,
        compiled_definition=titanic,
        output="docs/iterations/ITER-20260220-02.md",
    )
    found.command = "smpipe evidence --backend sagemaker x1 -o out.md"
    return found


def local_gate_not_met(titanic: dict[str, Any]) -> Any:
    fake = Fake(name="local", outcome="False", accuracy=0.7, registered=False, logs=False)
    found = collect(fake, titanic, plan=summarise_plan("No changes.\n", "plan.txt"))
    found.state_label = "<state dir>"
    return found


def sagemaker_failed(titanic: dict[str, Any]) -> Any:
    fake = FailedFake(
        status="Failed",
        job_status="Failed",
        outcome=None,
        registered=False,
        proof=ObjectProof(BUNDLE, False, "S3 HeadObject"),
    )
    spec = SpecComparison("spec/titanic-modelbuild.yaml", None, {}, False, "eu-west-1")
    compiled = copy.deepcopy(titanic)  # the spec compiles to another threshold today
    compiled["Parameters"][-1]["DefaultValue"] = 0.8
    return collect(fake, titanic, spec=spec, compiled_definition=compiled)


def sagemaker_unreadable(titanic: dict[str, Any]) -> Any:
    fake = Fake(proof=ObjectProof(BUNDLE, None, "S3", note="no credentials"))
    found = collect(fake, titanic)
    found.definition_read = False  # as when the executed definition could not be read
    spec = SpecComparison("spec/titanic-modelbuild.yaml", "prod", {}, None, None)
    return replace(found, spec=spec)


def local_cached_with_package_facts(titanic: dict[str, Any]) -> Any:
    """Facts the other cases leave empty: a bundle digest, ETag and note, cached steps of
    every job kind, a package with its model data, image and a metric of its own."""
    fake = Fake(name="local", proof=None)
    found = collect(fake, titanic)
    proof = ObjectProof(BUNDLE, True, "local object store `objects`", 7, "f" * 64, "e1", "ok")
    steps = [
        replace(step, cache_source_execution="arn:x:pipeline/p/execution/cached01")
        if step.name == "TrainModel"
        else step
        for step in found.steps
    ]
    steps[0] = replace(steps[0], type="Transform")
    steps[1] = replace(steps[1], type="Training", metadata={"TrainingJobArn": "arn:train"})
    package = replace(
        found.packages[0],
        model_data_url="s3://bucket/model.tar.gz",
        image="xgboost:1.7-1",
        metrics={"accuracy": 0.83, "auc": 0.9},
    )
    return replace(
        found,
        bundle=replace(found.bundle, proof=proof),
        steps=steps,
        packages=[package],
        logs={"TrainModel": "`train.log`", "ModelEvaluation": "pipe | and\nnew line"},
        package_group="titanic-survival-xgboost",
    )


CASES = {
    "local-cached-package-facts": local_cached_with_package_facts,
    "sagemaker-recorded": sagemaker_recorded,
    "local-gate-not-met": local_gate_not_met,
    "sagemaker-failed": sagemaker_failed,
    "sagemaker-unreadable": sagemaker_unreadable,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_report(titanic: dict[str, Any], update_goldens: bool, case: str) -> None:
    text = render_markdown(CASES[case](titanic), "eu-west-1")
    golden = GOLDEN / f"{case}.md"
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def titanic() -> dict[str, Any]:
    from compiler.compile import compile_spec_file

    root = Path(__file__).resolve().parent.parent
    return compile_spec_file(root / "spec" / "titanic-modelbuild.yaml", env="dev").definition


@pytest.fixture(scope="module")
def survival() -> dict[str, Any]:
    from compiler.compile import compile_spec_file

    spec = Path(__file__).resolve().parent / "fixtures" / "survival-f1" / "spec.yaml"
    return compile_spec_file(spec, env="test", variables={"git_sha": SHA}).definition


@pytest.mark.parametrize("case", sorted(FACT_CASES))
def test_rendered_report_of_each_facts_case(
    titanic: dict[str, Any], survival: dict[str, Any], update_goldens: bool, case: str
) -> None:
    """The executions tests/test_evidence_report.py builds by hand (another spec, no records,
    no definition, a changed definition), rendered."""
    text = render_markdown(FACT_CASES[case](survival, titanic), "eu-west-1")
    golden = GOLDEN / f"{case}.md"
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


# ---- cases for the branches the others leave out ----
BRANCHES_PLAN = """
  # aws_iam_policy.a will be created
  # aws_iam_policy.b will be created
  # aws_sagemaker_pipeline.this will be destroyed
  # aws_s3_bucket.x will be destroyed
  # aws_s3_bucket.y must be replaced
Plan: 2 to add, 0 to change, 3 to destroy.
"""


def _with_branch_steps(survival: dict[str, Any], *if_steps: dict[str, Any]) -> dict[str, Any]:
    definition = copy.deepcopy(survival)
    gate = next(s for s in definition["Steps"] if s["Type"] == "Condition")
    gate["Arguments"]["IfSteps"] += list(if_steps)
    gate["Arguments"]["ElseSteps"].append({"Name": "Alert", "Type": "Fail", "Arguments": {}})
    return definition


def sagemaker_two_packages(survival: dict[str, Any]) -> Any:
    """Two packages with extra metrics, job ARNs and a failure in the results, a commit-less
    bundle, an empty parameter, a plan that misses the role and destroys three resources."""
    definition = _with_branch_steps(survival, {"Name": "Notify", "Type": "Fail"})
    run = survival_run(definition, name="sagemaker")
    run.parameters["StepCode"] = "s3://b/pipeline/code/release-7/pipeline_code.tar.gz"
    run.parameters["Note"] = ""
    run.proof = ObjectProof(run.parameters["StepCode"], True, "S3 HeadObject", size=3)
    run.steps = [
        step("Prepare", "Processing", ProcessingJobArn="arn:processing-job/prep"),
        replace(
            step("Fit", "Training", "Failed", TrainingJobArn="arn:training-job/fit"),
            failure_reason="OutOfMemory | exit 137",
        ),
        step("F1Gate", "Condition", Outcome="True"),
        step("Publish", "RegisterModel", ModelPackageArn="arn:pkg/7"),
        step("Publish", "RegisterModel", ModelPackageArn="arn:pkg/8"),
    ]
    run.packages = {
        "arn:pkg/7": package("arn:pkg/7", "Approved", 7, metrics={"f1": 0.6, "loss": 0.2, "rmse": 0.3}),
        "arn:pkg/8": package("arn:pkg/8", "Rejected", 8),
    }  # fmt: skip
    plan = summarise_plan(BRANCHES_PLAN, "plan.txt")
    return collect_evidence(run, "arn:x:pipeline/p/execution/e2", plan=plan)  # type: ignore[arg-type]


def local_gate_not_met_two_register_steps(survival: dict[str, Any]) -> Any:
    """Both register steps guarded by a gate that was not met; the job records come in
    another order than the spec's steps."""
    gate = next(s for s in survival["Steps"] if s["Type"] == "Condition")
    publish = gate["Arguments"]["IfSteps"][0]
    definition = _with_branch_steps(survival, {**copy.deepcopy(publish), "Name": "Archive"})
    run = survival_run(definition)
    run.steps = [run.steps[1], run.steps[0], step("F1Gate", "Condition", Outcome="False")]
    run.packages, run.reports = {}, []
    return collect_evidence(run, "arn:x:pipeline/p/execution/e3")  # type: ignore[arg-type]


def sagemaker_register_step_outside_the_gate(survival: dict[str, Any]) -> Any:
    gate = condition("G", compare(json_get("E", "m.a"), 0.5), else_steps=("Stop",))
    run = Run(
        minimal(gate, register("R")),
        steps=[step("G", "Condition", Outcome="False")],
        name="sagemaker",
    )
    return collect_evidence(run, "arn:x:pipeline/p/execution/e4")  # type: ignore[arg-type]


BRANCH_CASES = {
    "sagemaker-two-packages": sagemaker_two_packages,
    "local-gate-not-met-two-register-steps": local_gate_not_met_two_register_steps,
    "sagemaker-register-step-outside-the-gate": sagemaker_register_step_outside_the_gate,
}


@pytest.mark.parametrize("case", sorted(BRANCH_CASES))
def test_rendered_report_of_each_branch_case(
    survival: dict[str, Any], update_goldens: bool, case: str
) -> None:
    text = render_markdown(BRANCH_CASES[case](survival), "eu-west-1")
    golden = GOLDEN / f"{case}.md"
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
