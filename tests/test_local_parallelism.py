"""The local engine at width: fan-outs wider than the parallelism, failures and stops in
them, and where the parallelism comes from. Jobs started are counted by the marks the jobs
themselves leave, and steps started by the state's records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from local_support import fanout_pipeline, seed_all, wait_for

from pipeline.backends.interface import StepRecord
from pipeline.local.backend import LocalBackend
from pipeline.local.errors import LocalEngineError
from pipeline.local.parallelism import MAX_PARALLEL_ENV, local_limit, step_limit, usable_cores

WIDTH = 12


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    return LocalBackend(state)


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    folder = tmp_path / "gate"
    folder.mkdir()
    return folder


def jobs_started(shared: Path) -> set[str]:
    return {path.name.removeprefix("started-") for path in shared.glob("started-*")}


def status_of(backend: LocalBackend, arn: str, name: str) -> str | None:
    return next((s.status for s in backend.list_steps(arn) if s.name == name), None)


def most_at_once(steps: list[StepRecord]) -> int:
    """The largest number of steps whose [started, ended) intervals overlap."""
    edges = []
    for step in steps:
        assert step.started is not None and step.ended is not None
        edges += [(step.started, 1), (step.ended, -1)]
    running = most = 0
    for _, change in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        running += change
        most = max(most, running)
    return most


def test_after_a_failure_in_a_wide_fan_out_no_step_starts(
    backend: LocalBackend, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MAX_PARALLEL_ENV, "2")
    backend.upsert("fan", fanout_pipeline(WIDTH, shared, GATE_FAIL="F00"), "role", None)
    arn = backend.start("fan", {})
    wait_for(lambda: status_of(backend, arn, "F00") == "Failed", "F00 to fail")
    (shared / "release").touch()  # the step running beside F00 may now finish
    assert backend.wait(arn, timeout=120)

    summary = backend.describe_execution(arn)
    assert summary.status == "Failed"
    assert summary.failure_reason is not None and "F00" in summary.failure_reason
    steps = backend.list_steps(arn)
    assert {step.name: step.status for step in steps} == {"F00": "Failed", "F01": "Succeeded"}
    assert jobs_started(shared) == {"F00", "F01"}
    failed_at = next(step.ended for step in steps if step.name == "F00")
    assert failed_at is not None
    assert all(step.started is not None and step.started <= failed_at for step in steps)


@pytest.mark.parametrize("limit", [2, 3])
@pytest.mark.parametrize("from_another_process", [False, True])
def test_after_a_stop_in_a_wide_fan_out_no_step_starts_and_running_jobs_end(
    backend: LocalBackend,
    shared: Path,
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
    from_another_process: bool,
) -> None:
    monkeypatch.setenv(MAX_PARALLEL_ENV, str(limit))
    backend.upsert("fan", fanout_pipeline(WIDTH, shared), "role", None)
    arn = backend.start("fan", {})
    wait_for(lambda: len(jobs_started(shared)) >= limit, f"{limit} jobs to start")
    # Never released: only the stop ends the running jobs. From another process (`smpipe
    # stop`) only the state says so; in-process the backend also sets the runner's event.
    (LocalBackend(backend.home.root) if from_another_process else backend).stop(arn)
    assert backend.wait(arn, timeout=120)

    assert backend.describe_execution(arn).status == "Stopped"
    first = {f"F{index:02d}" for index in range(limit)}
    assert {step.name: step.status for step in backend.list_steps(arn)} == dict.fromkeys(
        first, "Stopped"
    )
    assert jobs_started(shared) == first


def test_the_local_cap_is_reached_and_never_passed(backend: LocalBackend, shared: Path) -> None:
    # Each job waits until three have started: with fewer than 3 at once it would never end.
    limited = LocalBackend(backend.home.root, max_parallel=3)
    limited.upsert("fan", fanout_pipeline(6, shared, GATE_QUORUM="3"), "role", None)
    arn = limited.start("fan", {})
    assert limited.wait(arn, timeout=120)
    assert limited.describe_execution(arn).status == "Succeeded"
    assert limited.describe_execution(arn).max_parallel == 3
    assert most_at_once(limited.list_steps(arn)) <= 3


def test_the_pipeline_setting_limits_below_the_local_cap(
    backend: LocalBackend, shared: Path
) -> None:
    one = LocalBackend(backend.home.root, max_parallel=4, pipeline_max_parallel=1)
    (shared / "release").touch()
    one.upsert("fan", fanout_pipeline(4, shared), "role", None)
    arn = one.start("fan", {})
    assert one.wait(arn, timeout=120)
    steps = one.list_steps(arn)
    assert [step.status for step in steps] == ["Succeeded"] * 4
    assert one.describe_execution(arn).max_parallel == 1
    assert most_at_once(steps) == 1


def test_where_the_limit_comes_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAX_PARALLEL_ENV, raising=False)
    assert local_limit() == usable_cores()
    assert local_limit(5) == 5
    monkeypatch.setenv(MAX_PARALLEL_ENV, "7")
    assert local_limit() == 7
    assert local_limit(2) == 2  # --max-parallel wins over the environment
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv(MAX_PARALLEL_ENV, bad)
        with pytest.raises(LocalEngineError, match=MAX_PARALLEL_ENV):
            local_limit()
    # SageMaker's default runs every ready step: only the local cap limits it.
    assert step_limit(None, 8) == 8
    assert step_limit(3, 8) == 3
    assert step_limit(20, 8) == 8


def test_a_bad_environment_limit_refuses_to_start(
    backend: LocalBackend, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.upsert("fan", fanout_pipeline(2, shared), "role", None)
    monkeypatch.setenv(MAX_PARALLEL_ENV, "none")
    with pytest.raises(LocalEngineError, match=MAX_PARALLEL_ENV):
        backend.start("fan", {})
    assert backend.list_executions() == []


def test_cli_max_parallel_steps_json_and_watch(tmp_path: Path, shared: Path) -> None:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    (shared / "release").touch()
    (tmp_path / "fan.json").write_text(fanout_pipeline(3, shared))
    env = {**os.environ, "SMPIPE_STATE_DIR": str(state), MAX_PARALLEL_ENV: "3"}

    def smpipe(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "from pipeline.cli import main; main()", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    run = smpipe("run", str(tmp_path / "fan.json"), "--max-parallel", "1")
    assert run.returncode == 0, run.stderr
    listed = smpipe("steps", "latest", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert document["execution"]["max_parallel"] == 1  # --max-parallel wins over the env
    intervals = sorted(
        (datetime.fromisoformat(s["started"]), datetime.fromisoformat(s["ended"]))
        for s in document["steps"]
    )
    assert len(intervals) == 3
    assert all(earlier[1] <= later[0] for earlier, later in pairwise(intervals))
    assert all(start.microsecond or end.microsecond for start, end in intervals)

    table = smpipe("steps", "latest")
    assert "ENDED (UTC)" in table.stdout and "at most 1 step at once" in table.stdout
    watch = smpipe("watch", "latest")
    assert watch.returncode == 0 and "running 0/1" in watch.stdout
    refused = smpipe(
        "run", str(tmp_path / "fan.json"), "--max-parallel", "1", "--backend", "sagemaker"
    )
    assert refused.returncode == 2 and "--max-parallel caps the local engine" in refused.stderr


def test_finished_sandboxes_are_removed_after_the_run(backend: LocalBackend, shared: Path) -> None:
    (shared / "release").touch()
    backend.upsert("fan", fanout_pipeline(3, shared), "role", None)
    arn = backend.start("fan", {})
    assert backend.wait(arn, timeout=120)
    assert backend.describe_execution(arn).status == "Succeeded"
    jobs = backend.home.root / "jobs" / arn.rsplit("/", 1)[1]
    assert sorted(path.name for path in jobs.iterdir()) == ["F00", "F01", "F02"]
    assert not list(jobs.glob("*/*/sandbox"))


def test_a_step_context_without_an_engine_list_removes_at_once(tmp_path: Path) -> None:
    from pipeline.local.steps.context import StepContext

    folder = tmp_path / "sandbox" / "opt"
    folder.mkdir(parents=True)
    context = StepContext.__new__(StepContext)
    context.discarded = None
    context.discard(tmp_path / "sandbox")
    assert not (tmp_path / "sandbox").exists()
    context.discarded = []
    (tmp_path / "later").mkdir()
    context.discard(tmp_path / "later")
    assert context.discarded == [tmp_path / "later"] and (tmp_path / "later").exists()
