"""``smpipe evidence``: the seed's required evidence from real local Titanic runs (one that
registers a model, one that takes the gate's else branch), a SageMaker-shaped fake, and the
terraform plan summary."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from titanic_support import seed_titanic

from compiler.errors import UsageError
from pipeline.backends.interface import ExecutionSummary, ModelPackage, StepRecord
from pipeline.evidence.render import render_markdown
from pipeline.evidence.report import collect_evidence
from pipeline.evidence.sources import ObjectProof
from pipeline.evidence.terraform_plan import summarise_plan

ROOT = Path(__file__).resolve().parent.parent
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]
GROUP = "titanic-survival-xgboost"
REQUIRED_STEPS = (
    "DataPreProcessing",
    "TrainModel",
    "ModelEvaluation",
    "QualityGateAccuracy",
    "RegisterModel",
)


@dataclass
class Runs:
    workdir: Path
    registered: str  # execution id of a run that met the threshold
    rejected: str  # execution id of a run with AccuracyThreshold=0.99 (else branch)
    bundle_uri: str
    bundle_sha256: str
    commit: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    workdir = tmp_path_factory.mktemp("evidence")
    seeded = seed_titanic(workdir, workdir / ".smpipe")
    backend, bundle = seeded.backend, seeded.bundle
    ids = []
    for params in ({}, {"AccuracyThreshold": "0.99"}):
        arn = backend.start(seeded.compiled.pipeline_name, params)
        assert backend.wait(arn, timeout=300)
        assert backend.describe_execution(arn).status == "Succeeded"
        ids.append(arn.rsplit("/", 1)[1])
    backend.home.db.close()
    return Runs(
        workdir,
        ids[0],
        ids[1],
        str(seeded.defaults["CodeBundleUri"]),
        hashlib.sha256(bundle.path.read_bytes()).hexdigest(),
        bundle.version.split("-", 1)[0],
    )


def smpipe(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMPIPE_STATE_DIR": ".smpipe"}
    return subprocess.run(
        [*SMPIPE, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
    )


def evidence_text(runs: Runs, execution: str, *extra: str) -> str:
    out = runs.workdir / "docs" / f"{execution}.md"
    out.parent.mkdir(exist_ok=True)
    done = smpipe(runs.workdir, "evidence", execution, *extra, "-o", f"docs/{execution}.md")
    assert done.returncode == 0, done.stderr
    return out.read_text()


def section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def state_dump(workdir: Path) -> list[str]:
    connection = sqlite3.connect(workdir / ".smpipe" / "state.db")
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_local_run_has_every_required_item(runs: Runs) -> None:
    text = evidence_text(runs, runs.registered)
    pipeline_arn = "arn:aws:sagemaker:local:000000000000:pipeline/titanic-modelbuild-dev"
    assert f"`{pipeline_arn}`" in text
    assert f"`{pipeline_arn}/execution/{runs.registered}`" in text
    # (2) the bundle: URI, commit, and proof from the store (size and the bytes' SHA-256)
    bundle = section(text, "2.")
    assert runs.bundle_uri in bundle and f"| Commit SHA | `{runs.commit}` |" in bundle
    assert f"`{runs.bundle_sha256}`" in bundle and "| Object exists | yes" in bundle
    # (4) every step Succeeded, the gate's values and outcome
    steps = section(text, "4.")
    for name in REQUIRED_STEPS:
        assert f"| {name} |" in steps and "Succeeded" in steps.split(f"| {name} |")[1][:60]
    assert ">= 0.78 gave outcome **True**" in steps
    # beside the Gantt chart, the graph as `smpipe graph --execution` colours it
    assert (
        "\n```mermaid\nflowchart TD\n  DataPreProcessing[DataPreProcessing<br/>processing]\n"
        in steps
    )
    assert "  class " + ",".join(REQUIRED_STEPS) + " Succeeded\n" in steps
    assert "NotRun" not in steps
    assert steps.index("flowchart TD") < steps.index("gantt")
    # (5) the package, PendingManualApproval, the seed's four metrics
    package = section(text, "5.")
    assert f"model-package/{GROUP}/1`" in package
    assert "| ModelApprovalStatus | **PendingManualApproval** |" in package
    for metric in ("accuracy", "precision", "recall", "f1"):
        assert f"| {metric} | 0." in package
    # (6) the local log files, relative to the working directory
    logs = section(text, "6.")
    for name in REQUIRED_STEPS:
        assert f"`.smpipe/logs/{runs.registered}/{name}-1.log`" in logs
    # needs-AWS markers with their commands; no machine path leaks
    assert text.count("**needs AWS**:") == 6
    assert "terraform -chdir=infra/terraform plan -out=tfplan" in text
    assert "aws s3api head-object --bucket titanic-mlops-artifacts-dev" in text
    assert str(runs.workdir) not in text and str(Path.home()) not in text
    criteria = section(text, "Closing criteria")
    for number in (1, 2, 3, 4):
        assert f"- [x] {number}." in criteria
    assert "- [ ] 5." in criteria and "pending" in criteria


def test_evidence_is_deterministic_and_changes_no_state(runs: Runs) -> None:
    before = state_dump(runs.workdir)
    first = evidence_text(runs, runs.registered)
    second = evidence_text(runs, runs.registered)
    assert first == second
    assert state_dump(runs.workdir) == before


def test_else_branch_shows_register_model_not_run(runs: Runs) -> None:
    text = evidence_text(runs, runs.rejected)
    steps = section(text, "4.")
    assert "| RegisterModel | - | **not run** |" in steps
    assert "  class " + ",".join(REQUIRED_STEPS[:-1]) + " Succeeded\n" in steps
    assert "  classDef NotRun fill:#ffffff,stroke:#adb5bd" in steps
    assert "  class RegisterModel NotRun\n" in steps
    assert "outcome False: the threshold was not met" in steps
    assert ">= 0.99 gave outcome **False**" in steps
    # the same bundle and inputs: preprocessing and training come from the first run's cache
    preprocessing = steps.split("| DataPreProcessing |")[1].split("\n")[0]
    assert f"| `{runs.registered}` |" in preprocessing
    assert f"(from the cached run `{runs.registered}`)" in section(text, "6.")
    assert "No model package was registered by this execution" in section(text, "5.")
    assert "| **missing** | no model package: the gate was not met" in text
    assert "4 of 5 ran: Succeeded; not run: RegisterModel" in text
    criteria = section(text, "Closing criteria")
    assert "- [x] 4." in criteria and "RegisterModel did not run" in criteria
    assert "- [ ] 5." in criteria and "items 5 missing" in criteria


def test_terraform_plan_file_is_summarised(runs: Runs) -> None:
    plan = runs.workdir / "tfplan.txt"
    plan.write_text(PLAN_TEXT)
    text = evidence_text(runs, runs.registered, "--terraform-plan", "tfplan.txt")
    part = section(text, "1.")
    assert "From `tfplan.txt`: **Plan: 5 to add, 1 to change, 0 to destroy.**" in part
    assert "| `aws_sagemaker_pipeline.this` | update |" in part
    assert "needs AWS" not in part
    assert "| 1 | `terraform plan` of phase 03 reviewed | recorded |" in text
    assert "--terraform-plan tfplan.txt" in text  # in the regenerating command


def test_spec_comparison_names_the_compile_command(runs: Runs) -> None:
    spec = runs.workdir / "spec"
    if not spec.exists():
        spec.symlink_to(ROOT / "spec", target_is_directory=True)
    text = evidence_text(
        runs, runs.registered, "--spec", "spec/titanic-modelbuild.yaml", "--env", "dev"
    )
    assert (
        "the executed definition is identical to `smpipe compile spec/titanic-modelbuild.yaml "
        "--env dev --var git_sha="
    ) in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evidence", "nosuchexec"], "no execution 'nosuchexec'; see `smpipe executions`"),
        (["evidence", "latest", "--terraform-plan", "missing.txt"], "no such terraform plan"),
        (["evidence", "latest", "--state-dir", "empty"], "no local state in empty"),
        (["evidence", "latest", "--env", "dev"], "give --spec SPEC too"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runs: Runs, args: list[str], message: str) -> None:
    done = smpipe(runs.workdir, *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (runs.workdir / "empty").exists()  # never creates state


def test_printed_without_output_option(runs: Runs) -> None:
    done = smpipe(runs.workdir, "evidence", runs.registered)
    assert done.returncode == 0
    assert done.stdout.startswith("# ITER-20260220-02: phase 03 evidence")
    assert "- [ ] 5." in done.stdout and "pass -o" in done.stdout


# ---- terraform plan summaries ----
PLAN_TEXT = """
Terraform will perform the following actions:

  # aws_iam_policy.pipeline_execution will be created
  + resource "aws_iam_policy" "pipeline_execution" {
  # aws_iam_role.pipeline_execution will be created
  # aws_iam_role_policy_attachment.pipeline_execution will be created
  # aws_iam_user_policy_attachment.data_science will be created
  # aws_sagemaker_model_package_group.titanic will be created
  # aws_sagemaker_pipeline.this will be updated in-place
  ~ resource "aws_sagemaker_pipeline" "this" {

\x1b[1mPlan:\x1b[0m 5 to add, 1 to change, 0 to destroy.
"""


def test_plan_text_counts_and_actions() -> None:
    summary = summarise_plan(PLAN_TEXT, "plan.txt")
    assert (summary.add, summary.change, summary.destroy) == (5, 1, 0)
    assert summary.resources[-1] == ("aws_sagemaker_pipeline.this", "update")
    assert summary.resources[0] == ("aws_iam_policy.pipeline_execution", "create")


def test_plan_json_and_no_changes() -> None:
    document = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": "aws_iam_role.r", "change": {"actions": ["create"]}},
            {"address": "aws_sagemaker_pipeline.p", "change": {"actions": ["delete", "create"]}},
            {"address": "aws_s3_bucket.b", "change": {"actions": ["no-op"]}},
        ],
    }
    summary = summarise_plan(json.dumps(document), "plan.json")
    assert (summary.add, summary.change, summary.destroy) == (2, 0, 1)
    assert summary.resources == [
        ("aws_iam_role.r", "create"),
        ("aws_sagemaker_pipeline.p", "replace"),
    ]
    quiet = summarise_plan("No changes. Your infrastructure matches the configuration.\n", "p")
    assert quiet.headline.startswith("No changes")


@pytest.mark.parametrize("text", ["hello\n", "{}", "{not json"])
def test_not_a_plan_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match=r"p\.txt"):
        summarise_plan(text, "p.txt")


# ---- a SageMaker-shaped execution (fake backend: no AWS) ----
T0 = datetime(2026, 2, 20, 10, 0, tzinfo=timezone.utc)
SM_ARN = "arn:aws:sagemaker:eu-west-1:111122223333:pipeline/titanic-modelbuild-dev"
SM_EXEC = f"{SM_ARN}/execution/abc123def456"
PACKAGE_ARN = f"arn:aws:sagemaker:eu-west-1:111122223333:model-package/{GROUP}/3"
BUNDLE = "s3://titanic-mlops-artifacts-dev/pipeline/code/" + "a" * 40 + "/pipeline_code.tar.gz"


def _job(name: str, kind: str, minute: int, job: str) -> StepRecord:
    group = {"Processing": "ProcessingJobs", "Training": "TrainingJobs"}[kind]
    return StepRecord(
        name,
        kind,
        "Succeeded",
        T0 + timedelta(minutes=minute),
        T0 + timedelta(minutes=minute + 4),
        metadata={
            f"{kind}JobArn": f"arn:aws:sagemaker:eu-west-1:111122223333:x/{job}",
            "LogGroup": f"/aws/sagemaker/{group}",
            "LogStreamPrefix": f"{job}/algo-1-",
        },
    )


class FakeSageMaker:
    name = "sagemaker"

    def __init__(self, outcome: str, accuracy: float) -> None:
        self.outcome, self.accuracy = outcome, accuracy

    def describe_execution(self, arn: str) -> ExecutionSummary:
        return ExecutionSummary(
            arn, "titanic-modelbuild-dev", "Succeeded", T0, T0 + timedelta(minutes=20)
        )

    def parameters(self, arn: str) -> dict[str, str]:
        curated = "s3://titanic-mlops-artifacts-dev/curated"
        return {
            "CodeBundleUri": BUNDLE,
            "InputTrainUri": f"{curated}/train.csv",
            "InputValidationUri": f"{curated}/validation.csv",
            "AccuracyThreshold": "0.78",
        }

    def list_steps(self, arn: str) -> list[StepRecord]:
        steps = [
            _job("DataPreProcessing", "Processing", 0, "pipelines-abc-prep"),
            _job("TrainModel", "Training", 4, "pipelines-abc-train"),
            _job("ModelEvaluation", "Processing", 8, "pipelines-abc-eval"),
            StepRecord(
                "QualityGateAccuracy",
                "Condition",
                "Succeeded",
                T0,
                T0,
                metadata={"Outcome": self.outcome},
            ),
        ]
        if self.outcome == "True":
            steps.append(
                StepRecord(
                    "RegisterModel",
                    "RegisterModel",
                    "Succeeded",
                    T0,
                    T0,
                    metadata={"ModelPackageArn": PACKAGE_ARN},
                )
            )
        return steps

    def describe_model_package(self, arn: str) -> ModelPackage:
        return ModelPackage(
            arn, GROUP, 3, "PendingManualApproval", T0, metrics={"accuracy": self.accuracy}
        )


class FakeSource:
    def __init__(self, backend: FakeSageMaker, definition: dict[str, Any]) -> None:
        self.backend: Any = backend
        self.definition = definition

    def object_proof(self, uri: str) -> ObjectProof:
        return ObjectProof(uri, True, "S3 HeadObject", size=9061, etag="0123abcd")

    def executed_definition(self, arn: str) -> dict[str, Any] | None:
        return self.definition

    def property_reports(self, arn: str) -> list[tuple[str, str, Any]]:
        return [
            ("ModelEvaluation", "evaluation.json", {"metrics": {"accuracy": self.backend.accuracy}})
        ]

    def show_path(self, path: str) -> str:
        return path


@pytest.fixture(scope="module")
def titanic_definition() -> dict[str, Any]:
    from compiler.compile import compile_spec_file

    return compile_spec_file(ROOT / "spec" / "titanic-modelbuild.yaml", env="dev").definition


def test_sagemaker_evidence_points_at_cloudwatch_and_needs_only_the_plan(
    titanic_definition: dict[str, Any],
) -> None:
    source = FakeSource(FakeSageMaker("True", 0.83), titanic_definition)
    found = collect_evidence(source, SM_EXEC, output="docs/iterations/ITER-20260220-02.md")
    text = render_markdown(found, "eu-west-1")
    assert (
        "CloudWatch `/aws/sagemaker/TrainingJobs`, streams `pipelines-abc-train/algo-1-*`" in text
    )
    assert "| ETag | `0123abcd` |" in text and "S3 HeadObject" in text
    assert "recorded locally" not in text
    assert text.count("**needs AWS**:") == 1  # only the terraform plan
    assert [c.met for c in found.criteria] == [True, True, True, True, None]


def test_gate_outcome_that_contradicts_the_values_fails_criterion_4(
    titanic_definition: dict[str, Any],
) -> None:
    source = FakeSource(FakeSageMaker("True", 0.70), titanic_definition)  # 0.70 < 0.78
    found = collect_evidence(source, SM_EXEC)
    criterion = found.criteria[3]
    assert criterion.met is False and "the values say False" in criterion.detail


class FailedEvaluation(FakeSageMaker):
    """ModelEvaluation failed: the gate and the registration never ran."""

    def list_steps(self, arn: str) -> list[StepRecord]:
        steps = super().list_steps(arn)[:3]
        failed = steps[2]
        steps[2] = StepRecord(
            failed.name, failed.type, "Failed", failed.started, failed.ended, metadata={}
        )
        return steps


def test_the_graph_colours_each_step_by_its_status_on_sagemaker_too(
    titanic_definition: dict[str, Any],
) -> None:
    found = collect_evidence(
        FakeSource(FailedEvaluation("True", 0.83), titanic_definition), SM_EXEC
    )
    steps = section(render_markdown(found, "eu-west-1"), "4.")
    assert f"`smpipe graph SPEC --execution {SM_EXEC} --backend sagemaker`" in steps
    assert "  class DataPreProcessing,TrainModel Succeeded\n" in steps
    assert "  classDef Failed fill:#f8d7da,stroke:#dc3545,color:#721c24\n" in steps
    assert "  class ModelEvaluation Failed\n" in steps
    assert "  class QualityGateAccuracy,RegisterModel NotRun\n" in steps


def test_without_the_executed_definition_the_report_says_why_there_is_no_graph() -> None:
    found = collect_evidence(FakeSource(FakeSageMaker("True", 0.83), None), SM_EXEC)  # type: ignore[arg-type]
    steps = section(render_markdown(found, "eu-west-1"), "4.")
    assert "flowchart" not in steps
    assert "No graph of the steps: the executed definition could not be read." in steps
    assert "gantt" in steps


def test_a_definition_that_does_not_import_gets_no_graph_and_a_reason() -> None:
    weird = {"Version": "2020-12-01", "Metadata": {}, "Steps": [{"Name": "X", "Type": "Weird"}]}
    found = collect_evidence(FakeSource(FakeSageMaker("True", 0.83), weird), SM_EXEC)
    steps = section(render_markdown(found, "eu-west-1"), "4.")
    assert "flowchart" not in steps
    assert "No graph of the steps: the executed definition does not import to a spec (" in steps
    assert 'step "X" has unknown step type "Weird"' in steps


class FakeTuningPipeline(FakeSageMaker):
    """The tuning example's jobs as SageMaker's ListPipelineExecutionSteps metadata gives
    them, turned into records by the SageMaker backend's own code."""

    def list_steps(self, arn: str) -> list[StepRecord]:
        from pipeline.sagemaker.records import step_metadata

        account = "arn:aws:sagemaker:eu-west-1:111122223333"
        jobs = [
            ("TuneModel", "Tuning", {"TuningJob": {"Arn": f"{account}:hyper-parameter-tuning-job/abc-tune"}}),
            ("BatchTransformTest", "Transform", {"TransformJob": {"Arn": f"{account}:transform-job/pipelines-abc-score"}}),
        ]  # fmt: skip
        return [
            StepRecord(name, kind, "Succeeded", T0, T0, metadata=step_metadata(metadata))
            for name, kind, metadata in jobs
        ]


def test_sagemaker_evidence_points_a_transform_step_at_the_transform_jobs_streams() -> None:
    from compiler.compile import compile_spec_file

    tuning = ROOT / "spec" / "examples" / "titanic-tuning.yaml"
    definition = compile_spec_file(tuning, env="dev").definition
    source = FakeSource(FakeTuningPipeline("True", 0.83), definition)
    text = render_markdown(collect_evidence(source, SM_EXEC), "eu-west-1")
    # A transform job's streams are <job>/<instance id>-<epoch> (and .../data-log): no algo-1.
    assert (
        "| BatchTransformTest | CloudWatch `/aws/sagemaker/TransformJobs`, "
        "streams `pipelines-abc-score/*` |" in text
    )
    assert "| TuneModel | CloudWatch `/aws/sagemaker/TrainingJobs`, streams `abc-tune-*` |" in text


def test_local_evidence_names_every_job_log_group_sagemaker_writes(runs: Runs) -> None:
    text = evidence_text(runs, runs.registered)
    for group in ("ProcessingJobs", "TrainingJobs", "TransformJobs"):
        assert f"aws logs tail /aws/sagemaker/{group} --log-stream-name-prefix" in text
