"""The local engine on small pipelines built for each case (no compiler, no Titanic code)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from local_support import (
    BUCKET,
    chain_pipeline,
    definition,
    parallel_pipeline,
    processing_step,
    run_pipeline,
    score_pipeline,
    seed_all,
)

from pipeline.local.backend import LocalBackend
from pipeline.local.errors import CannotRunLocally, LocalEngineError


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    return LocalBackend(state)


def statuses(backend: LocalBackend, arn: str) -> dict[str, str]:
    return {step.name: step.status for step in backend.list_steps(arn)}


def test_run_registers_a_pending_version_with_metrics(backend: LocalBackend) -> None:
    arn = run_pipeline(backend, "toy", score_pipeline())
    assert backend.describe_execution(arn).status == "Succeeded"
    assert statuses(backend, arn) == {
        "Score": "Succeeded",
        "Gate": "Succeeded",
        "Register": "Succeeded",
    }
    (package,) = backend.list_model_packages("test-group")
    assert (package.version, package.approval_status) == (1, "PendingManualApproval")
    assert package.metrics == {"accuracy": 0.9, "score": 0.9}
    assert package.source_execution == arn
    assert package.model_data_url == (
        f"{BUCKET}/runtime/toy/{arn.rsplit('/', 1)[1]}/Score/report/model.tar.gz"
    )
    gate = next(step for step in backend.list_steps(arn) if step.name == "Gate")
    assert gate.metadata["Outcome"] == "True"


def test_second_run_hits_the_cache_and_names_the_source(backend: LocalBackend) -> None:
    first = run_pipeline(backend, "toy", score_pipeline())
    second = run_pipeline(backend, "toy", score_pipeline())
    steps = {step.name: step for step in backend.list_steps(second)}
    assert steps["Score"].cache_source_execution == first
    assert steps["Score"].status == "Succeeded"
    assert [p.version for p in backend.list_model_packages("test-group")] == [2, 1]
    # A changed argument is a different cache key: the step runs again.
    third = run_pipeline(backend, "toy", score_pipeline(), Score="0.8")
    assert {s.name: s.cache_source_execution for s in backend.list_steps(third)}["Score"] is None


def test_cache_expiry_and_disabled_cache(backend: LocalBackend) -> None:
    text = json.loads(score_pipeline())
    text["Steps"][0]["CacheConfig"] = {"Enabled": True, "ExpireAfter": "T0m"}
    with pytest.raises(CannotRunLocally):  # all-zero is still a duration; empty is not
        backend.upsert(
            "bad",
            json.dumps(
                {
                    **text,
                    "Steps": [
                        {
                            **text["Steps"][0],
                            "CacheConfig": {"Enabled": True, "ExpireAfter": "soon"},
                        }
                    ],
                }
            ),
            "r",
            None,
        )
    first = run_pipeline(backend, "expiring", json.dumps(text))
    second = run_pipeline(backend, "expiring", json.dumps(text))
    assert first != second
    assert all(s.cache_source_execution is None for s in backend.list_steps(second))


def test_else_branch_runs_and_the_if_branch_does_not(backend: LocalBackend) -> None:
    arn = run_pipeline(backend, "toy", score_pipeline(), Threshold="0.99")
    summary = backend.describe_execution(arn)
    assert summary.status == "Failed"
    assert statuses(backend, arn) == {"Score": "Succeeded", "Gate": "Succeeded", "TooLow": "Failed"}
    assert summary.failure_reason == "Step failure: TooLow: score below 0.99"
    assert backend.list_model_packages("test-group") == []


def test_failure_points_at_the_log_and_retry_keeps_succeeded_steps(
    backend: LocalBackend, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.csv"
    corrupt.write_text("a,b\nCORRUPT\n")
    arn = run_pipeline(backend, "chain", chain_pipeline(), InputUri=str(corrupt))
    assert backend.describe_execution(arn).status == "Failed"
    steps = {step.name: step for step in backend.list_steps(arn)}
    assert steps["Prep"].status == "Succeeded"
    score = steps["Score"]
    assert score.status == "Failed"
    log = score.metadata["LogFile"]
    assert log in (score.failure_reason or "")
    assert "bad input file corrupt.csv: it is corrupt" in (score.failure_reason or "")
    assert "it is corrupt" in backend.step_log(arn, "Score")

    corrupt.write_text("a,b\n1,2\n")  # fixed in place: same parameters
    assert backend.retry(arn) == arn
    assert backend.wait(arn, timeout=120)
    assert backend.describe_execution(arn).status == "Succeeded"
    after = {step.name: step for step in backend.list_steps(arn)}
    assert (after["Prep"].attempt, after["Prep"].started) == (1, steps["Prep"].started)
    assert (after["Score"].attempt, after["Score"].status) == (2, "Succeeded")
    assert Path(log).is_file()  # the failed attempt's log is kept beside the new one

    with pytest.raises(LocalEngineError, match="only a Failed or Stopped execution"):
        backend.retry(arn)


def test_independent_steps_run_in_parallel_and_depends_on_orders(
    backend: LocalBackend, tmp_path: Path
) -> None:
    shared = tmp_path / "rendezvous"
    shared.mkdir()
    arn = run_pipeline(backend, "parallel", parallel_pipeline(shared))
    assert backend.describe_execution(arn).status == "Succeeded", backend.list_steps(arn)
    steps = {step.name: step for step in backend.list_steps(arn)}
    assert steps["After"].started is not None
    assert steps["Left"].ended is not None and steps["Right"].ended is not None
    assert steps["After"].started >= max(steps["Left"].ended, steps["Right"].ended)


def test_parameters_are_typed_and_checked(backend: LocalBackend) -> None:
    backend.upsert("toy", score_pipeline(), "role", None)
    with pytest.raises(LocalEngineError, match="unknown parameter"):
        backend.start("toy", {"Nope": "1"})
    with pytest.raises(LocalEngineError, match="Float"):
        backend.start("toy", {"Threshold": "high"})
    arn = run_pipeline(backend, "toy", score_pipeline(), Threshold="0.25")
    assert backend.parameters(arn)["Threshold"] == "0.25"


def test_missing_input_fails_the_step_with_a_clear_reason(backend: LocalBackend) -> None:
    arn = run_pipeline(backend, "toy", score_pipeline(), InputUri=f"{BUCKET}/data/absent.csv")
    score = backend.list_steps(arn)[0]
    assert score.status == "Failed"
    assert "no object found at s3://test-bucket/data/absent.csv" in (score.failure_reason or "")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda s: s.update(Type="QualityCheck"),
            "type 'QualityCheck', which the local engine cannot run",
        ),
        (
            lambda s: s["Arguments"]["AppSpecification"].update(
                ContainerEntrypoint=["bash", "x.sh"]
            ),
            "cannot run the entrypoint",
        ),
        (lambda s: s.update(DependsOn=["Ghost"]), r"unknown step\(s\) \['Ghost'\]"),
        (lambda s: s.update(DependsOn=["Score"]), "depend on each other"),
    ],
)
def test_what_cannot_run_is_refused_before_anything_runs(
    backend: LocalBackend, mutate: object, message: str
) -> None:
    document = json.loads(score_pipeline())
    mutate(document["Steps"][0])  # type: ignore[operator]
    with pytest.raises(CannotRunLocally, match=message):
        backend.upsert("bad", json.dumps(document), "role", None)
    assert backend.list_executions() == []


def test_training_needs_the_builtin_xgboost_image(backend: LocalBackend) -> None:
    training = {
        "Name": "Train",
        "Type": "Training",
        "Arguments": {"AlgorithmSpecification": {"TrainingImage": "123.dkr.ecr.x/custom:1"}},
    }
    with pytest.raises(CannotRunLocally, match="emulates only the built-in XGBoost"):
        backend.upsert("bad", definition([training], []), "role", None)


def test_a_dead_runner_is_reaped_and_its_execution_failed(backend: LocalBackend) -> None:
    backend.upsert("toy", score_pipeline(), "role", None)
    state = backend.home.state
    arn = state.create_execution("toy", 1, {}, None)
    with backend.home.db.transaction() as tx:  # as a runner killed mid-step leaves it
        tx.execute(
            "UPDATE executions SET runner_pid = ?, runner_host = ?, runner_started = 'x' "
            "WHERE arn = ?",
            (os.getpid(), socket.gethostname(), arn),
        )
    state.start_step(arn, "Score", "Processing", None, None)
    summary = backend.describe_execution(arn)
    assert summary.status == "Failed"
    assert "ended before the execution finished" in (summary.failure_reason or "")
    assert statuses(backend, arn) == {"Score": "Failed"}


def test_fail_step_message_and_processing_paths() -> None:
    step = processing_step("P", "p.py", arguments=["--out=/opt/ml/processing/x", "/opt/ml/y", "z"])
    from pipeline.local.containers import rewrite_arguments

    args = rewrite_arguments(
        step["Arguments"]["AppSpecification"]["ContainerArguments"], Path("/sb")
    )
    assert args == ["--out=/sb/opt/ml/processing/x", "/sb/opt/ml/y", "z"]


def test_a_plain_python_entrypoint_runs_scripts_from_a_code_prefix(
    backend: LocalBackend, tmp_path: Path
) -> None:
    from local_support import SCORE_SCRIPT

    script = tmp_path / "score.py"
    script.write_text(SCORE_SCRIPT)
    backend.home.store.put_file(script, f"{BUCKET}/plaincode/score.py")
    document = json.loads(score_pipeline())
    score = document["Steps"][0]["Arguments"]
    score["AppSpecification"]["ContainerEntrypoint"] = [
        "python3",
        "/opt/ml/processing/input/code/score.py",
    ]
    score["ProcessingInputs"][-1]["S3Input"]["S3Uri"] = f"{BUCKET}/plaincode"
    arn = run_pipeline(backend, "plain", json.dumps(document))
    assert backend.describe_execution(arn).status == "Succeeded"
    assert "wrote the report with score 0.9" in backend.step_log(arn, "Score")


def test_final_metric_data_from_the_algorithm_log(tmp_path: Path) -> None:
    from pipeline.local.expressions import walk
    from pipeline.local.steps.training import final_metric_data

    log = tmp_path / "train.log"
    log.write_text(
        "[0]#011train-logloss:0.6#011validation-logloss:0.65\n"
        "noise\n"
        "[199]#011train-logloss:0.11807#011validation-error@0.5:1.2e-01\n"
        "[2026-11-27:04:53:28:INFO] Stored trained model\n"
    )
    metrics = final_metric_data(log)
    assert metrics == [
        {"MetricName": "train:logloss", "Value": 0.11807},
        {"MetricName": "validation:error@0.5", "Value": 0.12},
    ]
    properties = {"FinalMetricDataList": metrics}
    assert walk(properties, "FinalMetricDataList['train:logloss'].Value") == 0.11807
