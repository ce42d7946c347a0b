"""The local state's reads and writes (pipelines, executions, steps, runner liveness), on a
fresh SQLite file and without running any step."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.local import state as state_module
from pipeline.local.database import Database
from pipeline.local.errors import LocalEngineError
from pipeline.local.state import ARN_PREFIX, Runner, State, new_execution_id, process_token

PIPELINE_ARN = f"{ARN_PREFIX}:pipeline/toy"


@pytest.fixture
def state(tmp_path: Path) -> State:
    return State(Database(tmp_path / "state.db"))


def execution_row(state: State, arn: str) -> dict[str, Any]:
    return dict(state.db.query("SELECT * FROM executions WHERE arn = ?", (arn,))[0])


def step_row(state: State, arn: str, name: str) -> dict[str, Any]:
    rows = state.db.query("SELECT * FROM steps WHERE execution_arn = ? AND name = ?", (arn, name))
    return dict(rows[0])


def message(error: pytest.ExceptionInfo[LocalEngineError]) -> str:
    return str(error.value)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_execution_ids_are_twelve_lowercase_letters_and_digits() -> None:
    ids = {new_execution_id() for _ in range(20)}
    assert len(ids) == 20
    assert all(re.fullmatch(r"[a-z0-9]{12}", i) for i in ids)


def test_process_token_is_the_start_time_of_a_live_process_and_none_for_a_dead_one() -> None:
    stat = Path(f"/proc/{os.getpid()}/stat").read_text()
    assert process_token(os.getpid()) == stat.rsplit(")", 1)[1].split()[19]
    assert process_token(dead_pid()) is None
    runner = Runner.this_process()
    assert (runner.pid, runner.host, runner.token) == (
        os.getpid(),
        socket.gethostname(),
        process_token(os.getpid()),
    )


def test_process_token_reads_the_start_time_after_the_last_parenthesis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process may name itself anything, parentheses and spaces included."""

    class FakeStat:
        def __init__(self, text: str) -> None:
            assert text == "/proc/77/stat"

        def read_text(self) -> str:
            return "77 (a) b) c) S " + " ".join(str(n) for n in range(1, 30))

    monkeypatch.setattr(state_module, "Path", FakeStat)
    assert process_token(77) == "19"


class NoProc:
    """``Path`` where /proc/<pid>/stat cannot be read; /proc exists or not."""

    proc_exists = False

    def __init__(self, text: str) -> None:
        self.text = text

    def read_text(self) -> str:
        raise OSError(f"cannot read {self.text}")

    def is_dir(self) -> bool:
        assert self.text == "/proc"
        return self.proc_exists


@pytest.mark.parametrize(
    ("kill_raises", "proc_exists", "expected"),
    [
        (None, False, "alive"),  # no /proc (macOS): signal 0 got through, so it lives
        (None, True, None),  # /proc exists but has no entry for it: gone
        (ProcessLookupError, False, None),
        (PermissionError, False, "alive"),  # someone else's live process
    ],
)
def test_process_token_without_proc_stat(
    monkeypatch: pytest.MonkeyPatch,
    kill_raises: type[OSError] | None,
    proc_exists: bool,
    expected: str | None,
) -> None:
    def kill(pid: int, signal: int) -> None:
        assert (pid, signal) == (1234, 0)
        if kill_raises is not None:
            raise kill_raises()

    monkeypatch.setattr(NoProc, "proc_exists", proc_exists)
    monkeypatch.setattr(state_module, "Path", NoProc)
    monkeypatch.setattr(state_module.os, "kill", kill)
    assert process_token(1234) == expected


def test_a_changed_definition_is_a_new_version(state: State) -> None:
    assert state.upsert_pipeline("toy", '{"v": 1}', "first", "role1") == (PIPELINE_ARN, 1)
    assert state.upsert_pipeline("toy", '{"v": 1}', "again", "role2") == (PIPELINE_ARN, 1)
    assert state.upsert_pipeline("toy", '{"v": 2}', "second", "role3") == (PIPELINE_ARN, 2)
    assert state.upsert_pipeline("other", '{"v": 2}', None, None) == (
        f"{ARN_PREFIX}:pipeline/other",
        1,
    )
    (row,) = state.db.query("SELECT * FROM pipelines WHERE name = 'toy'")
    assert (row["arn"], row["description"], row["role_arn"]) == (PIPELINE_ARN, "second", "role3")
    assert row["updated"] >= row["created"]
    assert state.latest_version("toy") == 2
    assert state.definition("toy", 1) == '{"v": 1}'
    assert state.definition("toy", 2) == '{"v": 2}'
    with pytest.raises(LocalEngineError) as raised:
        state.definition("toy", 3)
    assert message(raised) == "pipeline 'toy' has no version 3"
    with pytest.raises(LocalEngineError) as raised:
        state.latest_version("nope")
    assert message(raised) == "no pipeline named 'nope' in the local state (upsert it)"


def test_an_execution_is_created_claimed_finished_and_listed(state: State) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    arn = state.create_execution("toy", 1, {"b": "2", "a": "1"}, "why")
    execution_id = arn.rsplit("/", 1)[1]
    assert arn == f"{PIPELINE_ARN}/execution/{execution_id}"
    row = state.execution(arn)
    assert (row["id"], row["pipeline_name"], row["pipeline_version"], row["status"]) == (
        execution_id,
        "toy",
        1,
        "Executing",
    )
    assert (row["parameters"], row["description"]) == ('{"a": "1", "b": "2"}', "why")
    assert row["created"] and row["started"] is None and row["runner_pid"] is None

    runner = Runner(os.getpid(), socket.gethostname(), process_token(os.getpid()))
    state.claim_execution(arn, runner, retry=False)
    claimed = state.execution(arn)
    assert (claimed["runner_pid"], claimed["runner_host"], claimed["runner_started"]) == (
        runner.pid,
        runner.host,
        runner.token,
    )
    state.set_max_parallel(arn, 3)
    state.finish_execution(arn, "Failed", "it broke")
    failed = state.execution(arn)
    assert (failed["status"], failed["failure_reason"], failed["max_parallel"]) == (
        "Failed",
        "it broke",
        3,
    )
    assert failed["ended"] >= claimed["started"]

    state.claim_execution(arn, runner, retry=True)  # a retry keeps the first start time
    retried = state.execution(arn)
    assert (retried["status"], retried["ended"], retried["failure_reason"]) == (
        "Executing",
        None,
        None,
    )
    assert retried["started"] == claimed["started"]


def test_only_failed_or_stopped_executions_can_be_retried(state: State) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    arn = state.create_execution("toy", 1, {}, None)
    runner = Runner.this_process()
    with pytest.raises(LocalEngineError) as raised:
        state.claim_execution(arn, runner, retry=True)
    assert message(raised) == (
        f"only a Failed or Stopped execution can be retried; {arn} is Executing"
    )
    for status in ("Failed", "Stopped"):
        state.finish_execution(arn, status, None)
        state.claim_execution(arn, runner, retry=True)
    state.finish_execution(arn, "Succeeded", None)
    with pytest.raises(LocalEngineError, match="is Succeeded"):
        state.claim_execution(arn, runner, retry=True)
    with pytest.raises(LocalEngineError) as raised:
        state.claim_execution("arn:nope", runner, retry=False)
    assert message(raised) == "no execution arn:nope"
    with pytest.raises(LocalEngineError) as raised:
        state.execution("arn:nope")
    assert message(raised) == "no execution arn:nope in the local state"


def test_executions_newest_first_by_pipeline_and_limited(state: State) -> None:
    for name in ("toy", "other"):
        state.upsert_pipeline(name, "{}", None, None)
    first = state.create_execution("toy", 1, {}, None)
    second = state.create_execution("other", 1, {}, None)
    third = state.create_execution("toy", 1, {}, None)
    assert [e["arn"] for e in state.executions()] == [third, second, first]
    assert [e["arn"] for e in state.executions("toy")] == [third, first]
    assert [e["arn"] for e in state.executions(limit=2)] == [third, second]
    assert [e["arn"] for e in state.executions("toy", limit=1)] == [third]
    assert [e["arn"] for e in state.executions("none")] == []


def test_stop_is_asked_of_a_running_execution_only(state: State) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    arn = state.create_execution("toy", 1, {}, None)
    assert not state.stop_requested(arn)
    assert not state.stop_requested("arn:nope")
    assert state.request_stop(arn) == "Stopping"
    assert state.stop_requested(arn)
    row = execution_row(state, arn)
    assert (row["status"], row["stop_requested"]) == ("Stopping", 1)
    assert state.request_stop(arn) == "Stopping"  # still running: asking again is fine
    state.finish_execution(arn, "Stopped", None)
    with pytest.raises(LocalEngineError) as raised:
        state.request_stop(arn)
    assert message(raised) == f"execution {arn} is Stopped: nothing to stop"
    with pytest.raises(LocalEngineError) as raised:
        state.request_stop("arn:nope")
    assert message(raised) == "no execution arn:nope in the local state"


def claimed_by(state: State, pid: int | None, token: str | None, host: str | None = None) -> str:
    arn = state.create_execution("toy", 1, {}, None)
    with state.db.transaction() as tx:
        tx.execute(
            "UPDATE executions SET runner_pid = ?, runner_host = ?, runner_started = ? "
            "WHERE arn = ?",
            (pid, host or socket.gethostname(), token, arn),
        )
    return arn


@pytest.mark.parametrize("stopping", [False, True])
def test_a_dead_runner_leaves_its_execution_and_running_steps_failed_or_stopped(
    state: State, stopping: bool
) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    pid = dead_pid()
    arn = claimed_by(state, pid, "12345")
    for name in ("Done", "Running", "Starting"):
        state.start_step(arn, name, "Processing", None, None)
    state.finish_step(arn, "Done", "Succeeded")
    with state.db.transaction() as tx:
        tx.execute("UPDATE steps SET status = 'Starting' WHERE name = 'Starting'")
    if stopping:  # as request_stop leaves it while the runner lived
        with state.db.transaction() as tx:
            tx.execute("UPDATE executions SET status = 'Stopping', stop_requested = 1")
    ended = "Stopped" if stopping else "Failed"
    reason = (
        f"the local runner (pid {pid} on {socket.gethostname()}) ended before the execution "
        "finished (killed or crashed); `smpipe retry` runs the steps that did not succeed"
    )
    row = state.execution(arn)
    assert (row["status"], row["failure_reason"]) == (ended, reason)
    assert row["ended"]
    steps = {s["name"]: (s["status"], s["failure_reason"]) for s in state.steps(arn)}
    assert steps == {
        "Done": ("Succeeded", None),
        "Running": (ended, reason),
        "Starting": (ended, reason),
    }


def test_request_stop_on_a_dead_runner_is_refused_after_reaping(state: State) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    arn = claimed_by(state, dead_pid(), "12345")
    with pytest.raises(LocalEngineError, match="is Failed: nothing to stop"):
        state.request_stop(arn)


def test_live_unclaimed_and_remote_runners_are_left_alone(state: State) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    live = claimed_by(state, os.getpid(), process_token(os.getpid()))
    unclaimed = claimed_by(state, None, None)
    remote = claimed_by(state, dead_pid(), "1", host="another-host")
    reused = claimed_by(state, os.getpid(), "not-its-start-time")  # the pid was reused
    for arn in (live, unclaimed, remote, reused):
        state.start_step(arn, "S", "Processing", None, None)
    state.finish_execution(unclaimed, "Succeeded", None)
    state.reap_dead_runners()
    assert [state.execution(a)["status"] for a in (live, unclaimed, remote, reused)] == [
        "Executing",
        "Succeeded",
        "Executing",
        "Failed",
    ]
    assert state.steps(unclaimed)[0]["status"] == "Executing"  # a finished execution's steps


def test_steps_count_attempts_and_keep_what_they_finished_with(state: State) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    arn = state.create_execution("toy", 1, {}, None)
    assert state.start_step(arn, "A", "Processing", "/logs/a", "key-a") == 1
    row = step_row(state, arn, "A")
    assert (row["type"], row["status"], row["log_path"], row["cache_key"], row["metadata"]) == (
        "Processing",
        "Executing",
        "/logs/a",
        "key-a",
        "{}",
    )
    assert row["started"] and row["ended"] is None
    state.set_step_log(arn, "A", "/logs/a2", 4242)
    assert (step_row(state, arn, "A")["log_path"], step_row(state, arn, "A")["job_pid"]) == (
        "/logs/a2",
        4242,
    )
    state.finish_step(
        arn,
        "A",
        "Failed",
        properties={"b": 1, "a": 2},
        metadata={"y": 1, "x": 2},
        failure_reason="bad",
        cache_source="arn:src",
    )
    row = step_row(state, arn, "A")
    assert (row["status"], row["properties"], row["metadata"], row["failure_reason"]) == (
        "Failed",
        '{"a": 2, "b": 1}',
        '{"x": 2, "y": 1}',
        "bad",
    )
    assert (row["cache_source"], row["job_pid"]) == ("arn:src", None)
    assert row["ended"] >= row["started"]
    assert state.start_step(arn, "A", "Processing", None, None) == 2  # a retry
    assert state.start_step(arn, "B", "Training", None, None) == 1
    state.finish_step(arn, "B", "Succeeded")
    row = step_row(state, arn, "B")
    assert (row["properties"], row["metadata"], row["failure_reason"], row["cache_source"]) == (
        None,
        "{}",
        None,
        None,
    )
    assert [s["name"] for s in state.steps(arn)] == ["A", "B"]


def test_steps_are_listed_in_the_order_they_started(state: State) -> None:
    state.upsert_pipeline("toy", "{}", None, None)
    arn = state.create_execution("toy", 1, {}, None)
    for name in ("Z", "M", "A"):
        state.start_step(arn, name, "Processing", None, None)
    with state.db.transaction() as tx:  # same start time: rowid decides
        tx.execute("UPDATE steps SET started = '2026-01-01T00:00:00'")
    assert [s["name"] for s in state.steps(arn)] == ["Z", "M", "A"]
    with state.db.transaction() as tx:
        tx.execute("UPDATE steps SET started = '2025-01-01T00:00:00' WHERE name = 'A'")
    assert [s["name"] for s in state.steps(arn)] == ["A", "Z", "M"]


def finished_run(
    state: State, pipeline: str, step: str, key: str, status: str, ended: str, source: str | None
) -> str:
    arn = state.create_execution(pipeline, 1, {}, None)
    state.start_step(arn, step, "Processing", None, key)
    state.finish_step(arn, step, status, properties={"from": arn}, cache_source=source)
    with state.db.transaction() as tx:
        tx.execute("UPDATE steps SET ended = ? WHERE execution_arn = ?", (ended, arn))
    return arn


def test_a_cache_hit_is_the_newest_own_success_of_the_same_step_key_and_pipeline(
    state: State,
) -> None:
    for name in ("toy", "other"):
        state.upsert_pipeline(name, "{}", None, None)
    older = finished_run(state, "toy", "S", "k", "Succeeded", "2026-01-01T00:00:00", None)
    newer = finished_run(state, "toy", "S", "k", "Succeeded", "2026-02-01T00:00:00", None)
    finished_run(state, "toy", "S", "k", "Failed", "2026-03-01T00:00:00", None)
    finished_run(state, "toy", "S", "k", "Succeeded", "2026-04-01T00:00:00", older)  # a hit
    finished_run(state, "toy", "T", "k", "Succeeded", "2026-05-01T00:00:00", None)
    finished_run(state, "toy", "S", "k2", "Succeeded", "2026-05-01T00:00:00", None)
    finished_run(state, "other", "S", "k", "Succeeded", "2026-05-01T00:00:00", None)

    hit = state.find_cached("toy", "S", "k", None)
    assert hit is not None
    assert (hit["source"], hit["execution_arn"], json.loads(hit["properties"])) == (
        newer,
        newer,
        {"from": newer},
    )
    assert state.find_cached("toy", "S", "k", "2026-02-01T00:00:00")["source"] == newer  # type: ignore[index]
    assert state.find_cached("toy", "S", "k", "2026-02-01T00:00:01") is None
    assert state.find_cached("toy", "S", "nokey", None) is None


def test_an_execution_that_finished_while_being_reaped_is_left_as_it_ended(
    state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its runner ended it between the reaper's read and its write: the next one is reaped."""
    state.upsert_pipeline("toy", "{}", None, None)
    pid = dead_pid()
    arns = {claimed_by(state, pid, "1"), claimed_by(state, pid, "1")}
    query = state.db.query
    raced: list[str] = []

    def query_then_finish(sql: str, args: tuple[object, ...] = ()) -> Any:
        rows = query(sql, args)
        if "runner_pid, runner_started" in sql:  # the reaper's read: the first one ends now
            raced.append(rows[0]["arn"])
            state.finish_execution(raced[0], "Succeeded", None)
        return rows

    monkeypatch.setattr(state.db, "query", query_then_finish)
    state.reap_dead_runners()
    monkeypatch.undo()
    (dead,) = arns - set(raced)
    ended = execution_row(state, raced[0])  # read without reaping again
    assert (ended["status"], ended["failure_reason"]) == ("Succeeded", None)
    assert execution_row(state, dead)["status"] == "Failed"
