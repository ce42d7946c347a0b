"""The Tuning runner called in this process on hand-written steps. Most cases stand a
recording function in for the training jobs (``run_training_job``, whose own tests are in
test_local_step_training.py), so the search, the ranking, the counters, the job names and
what each job is asked are exact; one case runs real script-mode jobs end to end."""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest
from local_support import (
    SKLEARN_IMAGE,
    XGBOOST_IMAGE,
    logged,
    make_bundle,
    step_context,
    wait_for,
)

from pipeline.local.errors import StepFailed, StepStopped
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps import tuning
from pipeline.local.steps.tuning import TUNING_METRIC, run_tuning, tuning_job_name

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def _config(values: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "Strategy": "Grid",
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "score"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 1},
        "ParameterRanges": {"CategoricalParameterRanges": [{"Name": "x", "Values": values}]},
        **extra,
    }


def _arguments(config: dict[str, Any], **definition: Any) -> dict[str, Any]:
    return {
        "HyperParameterTuningJobConfig": config,
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingImage": XGBOOST_IMAGE},
            "StaticHyperParameters": {"num_round": 3, "objective": "binary:logistic"},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/models"},
            **definition,
        },
    }


class Jobs:
    """Stands in for run_training_job: each job's score is its x (as a number); x = "bad"
    fails, "none" reports no objective, "stop" is stopped."""

    def __init__(self, meet: int = 0) -> None:
        self.calls: list[tuple[Any, Any, dict[str, Any]]] = []
        self.threads: list[str] = []
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(meet) if meet else None
        self.running = 0
        self.most = 0

    def __call__(self, store: Any, job: Any, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append((store, job, request))
            self.threads.append(threading.current_thread().name)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            if self.barrier is not None:
                self.barrier.wait(timeout=10)
            x = request["HyperParameters"]["x"]
            if x == "bad":
                raise StepFailed(f"AlgorithmError: x is {x}")
            if x == "stop":
                raise StepStopped("the execution was stopped")
            metrics = [{"MetricName": "other", "Value": 0.0}]
            if x != "none":
                metrics += [
                    {"MetricName": "score", "Value": 0.0},
                    {"MetricName": "score", "Value": float(x)},
                ]
            return {"FinalMetricDataList": metrics}
        finally:
            with self.lock:
                self.running -= 1


def _context(tmp_path: Path, arguments: dict[str, Any], name: str = "Tune", **kwargs: Any) -> Any:
    return step_context(
        tmp_path, {"Name": name, "Type": "Tuning", "Arguments": arguments}, **kwargs
    )


def _digest(tuned: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(tuned, sort_keys=True).encode()).hexdigest()[:8]


def test_a_grid_search_ranks_the_jobs_best_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    arguments = _arguments(_config(["1", "3", "bad", "2", "none", "3.0"]))
    context = _context(tmp_path, arguments, attempt=2)
    result = run_tuning(context, arguments)
    name = tuning_job_name(context)

    def job_name(index: int, x: str) -> str:
        return f"{name}-{index:03d}-{_digest({'x': x})}"

    assert [call[2] for call in jobs.calls] == [
        {
            "AlgorithmSpecification": {"TrainingImage": XGBOOST_IMAGE},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/models"},
            "HyperParameters": {
                "num_round": "3",
                "objective": "binary:logistic",
                TUNING_METRIC: "score",
                "x": x,
            },
        }
        for x in ["1", "3", "bad", "2", "none", "3.0"]
    ]
    logs = context.log_path.parent / "Tune-2"
    for index, (store, job, _) in enumerate(jobs.calls, start=1):
        x = ["1", "3", "bad", "2", "none", "3.0"][index - 1]
        assert store is context.home.store
        assert job.name == job_name(index, x)
        assert job.root == context.job_dir / job.name / "sandbox"
        assert job.log_path == logs / f"{job.name}.log"
        assert job.stop is context.stop and job.on_start is None
    summaries = result.properties["TrainingJobSummaries"]
    order = [(s["TrainingJobName"], s["TunedHyperParameters"]["x"]) for s in summaries]
    assert order == [
        (job_name(2, "3"), "3"),
        (job_name(6, "3.0"), "3.0"),
        (job_name(4, "2"), "2"),
        (job_name(1, "1"), "1"),
        (job_name(3, "bad"), "bad"),
        (job_name(5, "none"), "none"),
    ]
    best = summaries[0]
    times = [best.pop(key) for key in ("CreationTime", "TrainingStartTime", "TrainingEndTime")]
    assert all(TIME.match(t) for t in times) and times == sorted(times)
    assert best == {
        "TrainingJobName": job_name(2, "3"),
        "TrainingJobArn": f"{ARN_PREFIX}:training-job/{job_name(2, '3')}",
        "TuningJobName": name,
        "TunedHyperParameters": {"x": "3"},
        "TrainingJobStatus": "Completed",
        "ObjectiveStatus": "Succeeded",
        "FinalHyperParameterTuningJobObjectiveMetric": {
            "Type": "Maximize",
            "MetricName": "score",
            "Value": 3.0,
        },
    }
    failed, silent = summaries[4], summaries[5]
    assert {k: failed[k] for k in ("TrainingJobStatus", "FailureReason", "ObjectiveStatus")} == {
        "TrainingJobStatus": "Failed",
        "FailureReason": "AlgorithmError: x is bad",
        "ObjectiveStatus": "Failed",
    }
    assert "FinalHyperParameterTuningJobObjectiveMetric" not in failed
    assert TIME.match(failed["TrainingEndTime"])
    assert {k: silent[k] for k in ("TrainingJobStatus", "FailureReason", "ObjectiveStatus")} == {
        "TrainingJobStatus": "Completed",
        "FailureReason": "the job emitted no score metric",
        "ObjectiveStatus": "Failed",
    }
    arn = f"{ARN_PREFIX}:hyper-parameter-tuning-job/{name}"
    assert result.properties == {
        **arguments,
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": arn,
        "HyperParameterTuningJobStatus": "Completed",
        "BestTrainingJob": summaries[0],
        "TrainingJobSummaries": summaries,
        "TrainingJobStatusCounters": {
            "Completed": 5,
            "InProgress": 0,
            "RetryableError": 0,
            "NonRetryableError": 1,
            "Stopped": 0,
        },
        "ObjectiveStatusCounters": {"Succeeded": 4, "Pending": 0, "Failed": 2},
    }
    assert result.metadata == {
        "HyperParameterTuningJobArn": arn,
        "BestTrainingJob": job_name(2, "3"),
        "BestObjective": "score=3",
        "TrainingJobs": "6 (2 failed)",
    }
    lines = logged(context)
    assert lines[0] == f"tuning job {name}: Grid, 6 training job(s), 1 at once, maximize score"
    assert lines[1] == (
        f'{job_name(1, "1")}: Completed score=1 {{"x": "1"}}; log: {logs / job_name(1, "1")}.log'
    )
    assert lines[3] == (
        f'{job_name(3, "bad")}: Failed AlgorithmError: x is bad {{"x": "bad"}}; '
        f"log: {logs / job_name(3, 'bad')}.log"
    )
    assert lines[5] == (
        f'{job_name(5, "none")}: Completed the job emitted no score metric {{"x": "none"}}; '
        f"log: {logs / job_name(5, 'none')}.log"
    )
    assert len(lines) == 7


def test_a_minimized_random_search_keeps_its_limit_and_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = {
        "Strategy": "Random",
        "RandomSeed": 7,
        "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "score"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": "4", "MaxParallelTrainingJobs": 0},
        "ParameterRanges": {
            "IntegerParameterRanges": [{"Name": "x", "MinValue": 1, "MaxValue": 50}]
        },
    }
    arguments = _arguments(config)
    context = _context(tmp_path, arguments)
    result = run_tuning(context, arguments)
    drawn = [call[2]["HyperParameters"]["x"] for call in jobs.calls]
    from pipeline.local.tuning_search import Search, parse_ranges

    search = Search("Random", parse_ranges(config), False, 7)
    assert drawn == [search.propose(i)["x"] for i in range(4)]
    ranked = [s["TunedHyperParameters"]["x"] for s in result.properties["TrainingJobSummaries"]]
    assert ranked == sorted(drawn, key=int)
    best = min(drawn, key=int)
    assert result.metadata["BestObjective"] == f"score={int(best)}"
    assert (
        result.properties["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Type"]
        == "Minimize"
    )
    name = tuning_job_name(context)
    assert (
        logged(context)[0]
        == f"tuning job {name}: Random, 4 training job(s), 1 at once, minimize score"
    )


def test_a_search_without_a_seed_or_a_strategy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No RandomSeed: seed 0. No Strategy: Bayesian (optuna's TPE, seeded)."""
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = _config(["1", "2", "3", "4", "5"], Strategy="Random")
    config["ResourceLimits"]["MaxNumberOfTrainingJobs"] = 3
    arguments = _arguments(config)
    run_tuning(_context(tmp_path / "random", arguments), arguments)
    from pipeline.local.tuning_search import Search, parse_ranges

    search = Search("Random", parse_ranges(config), True, 0)
    assert [c[2]["HyperParameters"]["x"] for c in jobs.calls] == [
        search.propose(i)["x"] for i in range(3)
    ]
    del config["Strategy"]
    jobs.calls.clear()
    context = _context(tmp_path / "bayesian", arguments)
    run_tuning(context, arguments)
    assert len(jobs.calls) == 3
    assert "Bayesian, 3 training job(s)" in logged(context)[0]


def test_a_grid_is_cut_to_the_job_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = _config(["1", "2", "3"])
    config["ResourceLimits"] = {"MaxNumberOfTrainingJobs": 2}
    arguments = _arguments(config)
    result = run_tuning(_context(tmp_path, arguments), arguments)
    assert [c[2]["HyperParameters"]["x"] for c in jobs.calls] == ["1", "2"]
    assert result.metadata["TrainingJobs"] == "2 (0 failed)"
    del config["ResourceLimits"]  # a grid needs no limit: every combination
    jobs.calls.clear()
    run_tuning(_context(tmp_path / "all", arguments), arguments)
    assert [c[2]["HyperParameters"]["x"] for c in jobs.calls] == ["1", "2", "3"]


@pytest.mark.parametrize("limits", [{}, {"MaxNumberOfTrainingJobs": 0}, None])
def test_a_search_needs_a_job_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits: Any
) -> None:
    monkeypatch.setattr(tuning, "run_training_job", Jobs())
    config = _config(["1"], Strategy="Random", ResourceLimits=limits)
    arguments = _arguments(config)
    with pytest.raises(StepFailed) as raised:
        run_tuning(_context(tmp_path, arguments), arguments)
    assert str(raised.value) == "ClientError: ResourceLimits.MaxNumberOfTrainingJobs is required"


def test_jobs_run_up_to_the_parallel_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = Jobs(meet=2)  # each job waits for a partner: only two at once get through
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = _config(["1", "2", "3", "4"])
    config["ResourceLimits"]["MaxParallelTrainingJobs"] = "2"
    arguments = _arguments(config)
    context = _context(tmp_path, arguments)
    result = run_tuning(context, arguments)
    assert jobs.most == 2
    assert all(name.startswith("smpipe-tuning_") for name in jobs.threads)
    assert result.metadata["BestObjective"] == "score=4"
    assert ", 2 at once, " in logged(context)[0]


def test_no_successful_job_fails_the_step_with_three_reasons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuning, "run_training_job", Jobs())
    arguments = _arguments(_config(["bad", "none", "bad", "bad"]))
    context = _context(tmp_path, arguments)
    with pytest.raises(StepFailed) as raised:
        run_tuning(context, arguments)
    assert str(raised.value) == (
        f"ClientError: no training job of {tuning_job_name(context)} succeeded: "
        "AlgorithmError: x is bad; the job emitted no score metric; AlgorithmError: x is bad"
    )


def test_a_stopped_job_stops_the_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    arguments = _arguments(_config(["1", "stop", "3"]))
    context = _context(tmp_path, arguments)
    with pytest.raises(StepStopped) as raised:
        run_tuning(context, arguments)
    assert str(raised.value) == "the execution was stopped"
    assert [c[2]["HyperParameters"]["x"] for c in jobs.calls] == ["1", "stop"]
    assert context.stop.is_set()
    context = _context(tmp_path / "before", arguments)
    context.stop.set()
    jobs.calls.clear()
    with pytest.raises(StepStopped):
        run_tuning(context, arguments)
    assert jobs.calls == []


def test_a_framework_job_is_not_told_the_objective(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    arguments = _arguments(_config(["1"]))
    arguments["TrainingJobDefinition"]["StaticHyperParameters"] = {"sagemaker_program": "t.py"}
    run_tuning(_context(tmp_path, arguments), arguments)
    assert jobs.calls[0][2]["HyperParameters"] == {"sagemaker_program": "t.py", "x": "1"}
    del arguments["TrainingJobDefinition"]["StaticHyperParameters"]
    jobs.calls.clear()
    run_tuning(_context(tmp_path / "none", arguments), arguments)
    assert jobs.calls[0][2]["HyperParameters"] == {TUNING_METRIC: "score", "x": "1"}


def test_a_config_without_an_objective(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = _config(["1"])
    del config["HyperParameterTuningJobObjective"]
    arguments = _arguments(config)
    context = _context(tmp_path, arguments)
    with pytest.raises(StepFailed) as raised:
        run_tuning(context, arguments)
    assert str(raised.value).endswith("succeeded: the job emitted no  metric")
    assert jobs.calls[0][2]["HyperParameters"][TUNING_METRIC] == ""
    assert logged(context)[0].endswith(", 1 at once, minimize ")


def test_tuning_job_names_are_32_characters_at_most(tmp_path: Path) -> None:
    context = _context(tmp_path / "a", {}, name="Tune-The_Model.Long2")
    digest = hashlib.sha256(f"{context.execution_arn}/1".encode()).hexdigest()[:8]
    assert tuning_job_name(context) == f"tunethemodel-{context.execution_id[-10:]}-{digest}"
    assert len(tuning_job_name(context)) == 32
    second = _context(tmp_path / "b", {}, name="--", attempt=2)
    digest = hashlib.sha256(f"{second.execution_arn}/2".encode()).hexdigest()[:8]
    assert tuning_job_name(second) == f"tuning-{second.execution_id[-10:]}-{digest}"
    short = _context(tmp_path / "c", {}, name="T")
    assert tuning_job_name(short).startswith(f"t-{short.execution_id[-10:]}-")


def test_names_are_lower_case(tmp_path: Path) -> None:
    context = _context(tmp_path, {}, name="ABCDEFGHIJKLMNOP")
    assert tuning_job_name(context).startswith("abcdefghijkl-")


# ---- real script-mode jobs ----

SCRIPT = """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("-x", type=float)  # the toolkit passes one letter so
args = parser.parse_args()
import os
open(os.path.join(os.environ["SM_MODEL_DIR"], "x.txt"), "w").write(str(args.x))
print("score=%s" % (10 - abs(args.x - 2)))
"""


def test_real_training_jobs_are_tuned(tmp_path: Path) -> None:
    arguments = _arguments(_config(["1", "2", "4"]))
    arguments["TrainingJobDefinition"] = {
        "AlgorithmSpecification": {
            "TrainingImage": SKLEARN_IMAGE,
            "MetricDefinitions": [{"Name": "score", "Regex": r"score=([0-9.]+)"}],
        },
        "StaticHyperParameters": {
            "sagemaker_program": "tune.py",
            "sagemaker_submit_directory": "s3://bucket/code/tune.tar.gz",
        },
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/models"},
    }
    context = _context(tmp_path, arguments)
    bundle = make_bundle(tmp_path / "tune.tar.gz", {"tune.py": SCRIPT})
    context.home.store.put_file(bundle, "s3://bucket/code/tune.tar.gz")
    result = run_tuning(context, arguments)
    best = result.properties["BestTrainingJob"]
    assert best["TunedHyperParameters"] == {"x": "2"}
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == 10.0
    uri = f"s3://bucket/models/{best['TrainingJobName']}/output/model.tar.gz"
    with tarfile.open(context.home.store.path_for(uri), "r:gz") as tar:
        assert tar.extractfile("x.txt").read() == b"2.0"  # type: ignore[union-attr]
    logs = context.log_path.parent / "Tune-1"
    assert sorted(p.name for p in logs.iterdir()) == sorted(
        f"{s['TrainingJobName']}.log" for s in result.properties["TrainingJobSummaries"]
    )


def test_jobs_without_an_objective_rank_last_when_minimizing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuning, "run_training_job", Jobs())
    config = _config(["none", "bad", "2", "1"])
    config["HyperParameterTuningJobObjective"]["Type"] = "Minimize"
    arguments = _arguments(config)
    result = run_tuning(_context(tmp_path, arguments), arguments)
    ranked = [s["TunedHyperParameters"]["x"] for s in result.properties["TrainingJobSummaries"]]
    assert ranked == ["1", "2", "none", "bad"]
    assert result.metadata["BestObjective"] == "score=1"


def test_a_bayesian_search_is_told_each_objective_and_its_direction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its four seeded random starts, the search proposes from what it was told."""
    from pipeline.local.tuning_search import Search, parse_ranges

    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = {
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "score"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 7},
        "ParameterRanges": {
            "ContinuousParameterRanges": [{"Name": "x", "MinValue": 0, "MaxValue": 10}]
        },
    }
    arguments = _arguments(config)
    run_tuning(_context(tmp_path, arguments), arguments)
    drawn = [call[2]["HyperParameters"]["x"] for call in jobs.calls]

    def replay(strategy: str, maximize: bool) -> list[str]:
        search = Search(strategy, parse_ranges(config), maximize, 0)
        proposed = []
        for index in range(7):
            x = search.propose(index)["x"]
            search.tell(index, float(x))
            proposed.append(x)
        return proposed

    assert drawn == replay("Bayesian", True)
    assert drawn != replay("Bayesian", False) and drawn != replay("Random", True)


def test_job_names_digest_the_tuned_values_in_name_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = Jobs()
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = _config(["3"])
    config["ParameterRanges"]["IntegerParameterRanges"] = [
        {"Name": "z", "MinValue": 1, "MaxValue": 1}
    ]
    arguments = _arguments(config)
    context = _context(tmp_path, arguments)
    run_tuning(context, arguments)
    (call,) = jobs.calls
    assert list(call[2]["HyperParameters"])[-2:] == ["z", "x"]  # integer ranges come first
    digest = hashlib.sha256(b'{"x": "3", "z": "1"}').hexdigest()[:8]
    assert call[1].name == f"{tuning_job_name(context)}-001-{digest}"
    assert f'{call[1].name}: Completed score=3 {{"x": "3", "z": "1"}}; ' in logged(context)[1]


def test_more_jobs_at_once_than_a_default_thread_pool_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """33 jobs that each wait for all the others: a pool of min(32, cores + 4) would hang."""
    jobs = Jobs(meet=33)
    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = _config([str(n) for n in range(33)])
    config["ResourceLimits"] = {"MaxNumberOfTrainingJobs": 33, "MaxParallelTrainingJobs": 33}
    arguments = _arguments(config)
    result = run_tuning(_context(tmp_path, arguments), arguments)
    assert jobs.most == 33 and result.metadata["TrainingJobs"] == "33 (0 failed)"


def test_a_slot_freed_starts_the_next_job_while_others_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two at once, three jobs: the first runs until the third has ended and been logged, so
    the third must start as soon as the second ends, and nothing starts after it."""
    context: Any = None
    calls: list[str] = []

    def jobs(store: Any, job: Any, request: dict[str, Any]) -> dict[str, Any]:
        x = request["HyperParameters"]["x"]
        calls.append(x)
        if x == "1":
            wait_for(
                lambda: any('{"x": "3"}' in line for line in logged(context)), "job 3 logged", 10
            )
        return {"FinalMetricDataList": [{"MetricName": "score", "Value": float(x)}]}

    monkeypatch.setattr(tuning, "run_training_job", jobs)
    config = _config(["1", "2", "3"])
    config["ResourceLimits"]["MaxParallelTrainingJobs"] = 2
    arguments = _arguments(config)
    context = _context(tmp_path, arguments)
    result = run_tuning(context, arguments)
    assert calls == ["1", "2", "3"]
    assert result.metadata["TrainingJobs"] == "3 (0 failed)"
    finished = [line.split('{"x": "')[1][0] for line in logged(context)[1:]]
    assert finished == ["2", "3", "1"]
