"""The local engine's scheduler, cache, retries and records, in process and fast: small
definitions whose Processing steps are stubbed through the engine's own runner table
(``engine.RUNNERS``), so no job process starts. Each test runs ``ExecutionEngine.run`` in
the test's thread and reads what it recorded in the state."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from local_support import BUCKET, definition, processing_step, wait_for

from pipeline.local import engine as engine_module
from pipeline.local.definition import EXECUTION_VARIABLES
from pipeline.local.engine import ExecutionEngine, ExecutionVariables
from pipeline.local.errors import LocalEngineError, StepFailed, StepStopped
from pipeline.local.home import LocalHome
from pipeline.local.settings import save_execution_parallelism, save_pipeline_settings
from pipeline.local.state import Runner, pipeline_arn
from pipeline.local.steps.context import StepContext, StepResult

Action = Callable[[StepContext, Mapping[str, Any]], StepResult]
# A bound against hangs, far above what any of these runs takes (not a timed assertion).
HANG_LIMIT = 20
CODE = {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/bundle.tar.gz"}


class Jobs:
    """The stubbed Processing runner: ``script[step][n]`` is what attempt n+1 does (the
    default: succeed with ``{"Out": step}``); every call is recorded."""

    def __init__(self) -> None:
        self.script: dict[str, list[Action]] = {}
        self.calls: list[tuple[str, int, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        with self.lock:
            self.calls.append((ctx.step.name, ctx.attempt, dict(arguments)))
        actions = self.script.get(ctx.step.name, [])
        if ctx.attempt <= len(actions):
            return actions[ctx.attempt - 1](ctx, arguments)
        return ok(ctx, arguments)

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


def ok(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    return StepResult({"Out": ctx.step.name}, {"Job": f"job-{ctx.step.name}"})


def fail(reason: str) -> Action:
    def action(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        raise StepFailed(reason)

    return action


def raising(error: BaseException) -> Action:
    def action(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        raise error

    return action


def result(properties: Mapping[str, Any]) -> Action:
    def action(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        return StepResult(properties, {"Job": "scripted"})

    return action


def after(event: threading.Event) -> Action:
    """Succeed once ``event`` is set (a bound against hangs only)."""

    def action(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        assert event.wait(30)
        return ok(ctx, arguments)

    return action


def announce(event: threading.Event) -> Action:
    """Set ``event`` and succeed."""

    def action(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        event.set()
        return ok(ctx, arguments)

    return action


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Jobs]:
    """The stub in place of the Processing runner; no engine thread may die of an error."""
    died: list[str] = []
    monkeypatch.setattr(
        threading, "excepthook", lambda args: died.append(f"{args.thread}: {args.exc_value!r}")
    )
    stub = Jobs()
    monkeypatch.setitem(engine_module.RUNNERS, "Processing", stub)
    monkeypatch.delenv("SMPIPE_FAULTS", raising=False)
    monkeypatch.delenv("SMPIPE_MAX_PARALLEL", raising=False)
    monkeypatch.setenv("SMPIPE_RETRY_TIME_SCALE", "0")
    yield stub
    assert died == []


@pytest.fixture
def home(tmp_path: Path) -> LocalHome:
    return LocalHome(tmp_path / "state")


def job(name: str, *, cache: bool = False, depends_on: list[str] | None = None) -> dict[str, Any]:
    return processing_step(name, f"{name.lower()}.py", cache=cache, depends_on=depends_on)


def fail_step(name: str, message: Any = "stopped on purpose") -> dict[str, Any]:
    return {"Name": name, "Type": "Fail", "Arguments": {"ErrorMessage": message}}


def condition(
    name: str, left: Any, right: Any, if_steps: list[Any], else_steps: list[Any]
) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "Condition",
        "Arguments": {
            "Conditions": [
                {"Type": "GreaterThanOrEqualTo", "LeftValue": left, "RightValue": right}
            ],
            "IfSteps": if_steps,
            "ElseSteps": else_steps,
        },
    }


def start(
    home: LocalHome,
    steps: list[dict[str, Any]],
    parameters: Mapping[str, Any] | None = None,
    name: str = "units",
) -> str:
    """Store the definition (as a new version if it changed) and claim a new execution."""
    declared = [CODE] + [
        {"Name": key, "Type": "String", "DefaultValue": str(value)}
        for key, value in (parameters or {}).items()
    ]
    _, version = home.state.upsert_pipeline(name, definition(steps, declared), None, "role")
    values = {"CodeBundleUri": CODE["DefaultValue"], **(parameters or {})}
    arn = home.state.create_execution(name, version, values, None)
    home.state.claim_execution(arn, Runner.this_process(), retry=False)
    return arn


def finish(engine: ExecutionEngine, *, daemon: bool = True) -> str:
    """``engine.run()``, in a thread joined with a limit against hangs (a broken scheduler
    fails the test instead of blocking the run); its error, if any, raised here. The thread
    is a daemon unless told (threads it starts inherit that unless they say otherwise)."""
    ended: list[tuple[str | None, BaseException | None]] = []

    def target() -> None:
        try:
            ended.append((engine.run(), None))
        except BaseException as error:
            ended.append((None, error))

    thread = threading.Thread(target=target, daemon=daemon)
    thread.start()
    thread.join(HANG_LIMIT)
    assert ended, f"the execution did not end within {HANG_LIMIT} s"
    status, error = ended[0]
    if error is not None:
        raise error
    assert status is not None
    return status


def run(home: LocalHome, arn: str, max_parallel: int = 4, **options: Any) -> str:
    return finish(ExecutionEngine(home, arn, max_parallel=max_parallel, **options))


def retry(home: LocalHome, arn: str, max_parallel: int = 4) -> str:
    home.state.claim_execution(arn, Runner.this_process(), retry=True)
    return run(home, arn, max_parallel)


def steps(home: LocalHome, arn: str) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in home.state.steps(arn)}


def statuses(home: LocalHome, arn: str) -> dict[str, str]:
    return {name: row["status"] for name, row in steps(home, arn).items()}


def execution(home: LocalHome, arn: str) -> tuple[str, str | None]:
    row = home.state.execution(arn)
    return row["status"], row["failure_reason"]


# ---- Execution.* variables ----


def test_execution_variables_are_fixed_except_the_current_time() -> None:
    variables = ExecutionVariables("arn:exec", "abc123", "p", "2026-01-02T03:04:05+00:00")
    assert dict(variables.items()) | {"CurrentDateTime": "x"} == {
        "PipelineExecutionId": "abc123",
        "PipelineExecutionArn": "arn:exec",
        "PipelineName": "p",
        "PipelineArn": pipeline_arn("p"),
        "StartDateTime": "2026-01-02T03:04:05+00:00",
        "CurrentDateTime": "x",
    }
    assert list(variables) == list(EXECUTION_VARIABLES)  # what the definition check accepts
    assert len(variables) == 6
    now = variables["CurrentDateTime"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", now), now
    assert datetime.fromisoformat(now).utcoffset() is not None
    with pytest.raises(KeyError):
        variables["Unknown"]


def test_steps_read_parameters_and_execution_variables(home: LocalHome, jobs: Jobs) -> None:
    step = job("A")
    step["Arguments"]["Environment"] = {
        "WHO": {"Get": "Parameters.Who"},
        "ID": {"Get": "Execution.PipelineExecutionId"},
        "NAME": {"Get": "Execution.PipelineName"},
        "ARN": {"Get": "Execution.PipelineExecutionArn"},
        "STARTED": {"Get": "Execution.StartDateTime"},
    }
    arn = start(home, [step], {"Who": "me"}, name="vars")
    assert run(home, arn) == "Succeeded"
    row = home.state.execution(arn)
    ((_, attempt, arguments),) = jobs.calls
    assert attempt == 1
    assert arguments["Environment"] == {
        "WHO": "me",
        "ID": row["id"],
        "NAME": "vars",
        "ARN": arn,
        "STARTED": row["started"],
    }
    assert arguments["ProcessingInputs"][0]["S3Input"]["S3Uri"] == CODE["DefaultValue"]


def test_the_execution_runs_the_version_it_was_started_with(home: LocalHome, jobs: Jobs) -> None:
    first = start(home, [job("A")])
    second = start(home, [job("B")])  # a new version of the same pipeline
    assert run(home, first) == "Succeeded"
    assert run(home, second) == "Succeeded"
    assert jobs.names() == ["A", "B"]


# ---- parallelism ----


def test_the_parallelism_applied_is_recorded_and_read_from_the_settings(
    home: LocalHome, jobs: Jobs
) -> None:
    arn = start(home, [job("A")])
    engine = ExecutionEngine(home, arn, max_parallel=3)
    assert (engine.max_parallel, engine.pipeline_name) == (3, "units")
    assert engine.execution_id == arn.rsplit("/", 1)[1]
    save_pipeline_settings(
        home, "units", {"ParallelismConfiguration": {"MaxParallelExecutionSteps": 2}}
    )
    assert ExecutionEngine(home, arn, max_parallel=3).max_parallel == 2
    save_execution_parallelism(home, engine.execution_id, 1)  # the start's override wins
    assert ExecutionEngine(home, arn, max_parallel=3).max_parallel == 1
    explicit = ExecutionEngine(home, arn, max_parallel=3, pipeline_max_parallel=2)
    assert explicit.max_parallel == 2
    assert finish(explicit) == "Succeeded"
    assert home.state.execution(arn)["max_parallel"] == 2


def test_no_more_steps_run_at_once_than_the_limit(home: LocalHome, jobs: Jobs) -> None:
    active, peak = [0], [0]
    changed = threading.Condition()

    def busy(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        with changed:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            changed.notify_all()
            # Long enough for a step started past the limit to be seen running too.
            changed.wait_for(lambda: active[0] > 2, timeout=0.3)
            active[0] -= 1
        return ok(ctx, arguments)

    names = ["A", "B", "C", "D", "E"]
    for name in names:
        jobs.script[name] = [busy]
    arn = start(home, [job(name) for name in names])
    assert run(home, arn, max_parallel=2) == "Succeeded"
    assert peak[0] == 2
    assert sorted(jobs.names()) == names


def test_ready_steps_start_together_up_to_the_limit(home: LocalHome, jobs: Jobs) -> None:
    """Two independent steps under a limit of 2 both run: each waits for the other."""
    met = threading.Barrier(2, timeout=30)

    def meet(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        met.wait()
        return ok(ctx, arguments)

    jobs.script = {"A": [meet], "B": [meet]}
    arn = start(home, [job("A"), job("B"), job("C", depends_on=["A", "B"])])
    assert run(home, arn, max_parallel=2) == "Succeeded"
    assert jobs.names()[2] == "C"


# ---- scheduling ----


def test_dependencies_order_the_steps_and_pass_properties(home: LocalHome, jobs: Jobs) -> None:
    seen: list[dict[str, str]] = []

    def check(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        seen.append(statuses(home, ctx.execution_arn))
        return ok(ctx, arguments)

    reader = job("C")
    reader["Arguments"]["Environment"] = {"FROM_B": {"Get": "Steps.B.Out"}}
    jobs.script = {"B": [check], "C": [check]}
    arn = start(home, [reader, job("B", depends_on=["A"]), job("A")])
    assert run(home, arn) == "Succeeded"
    assert jobs.names() == ["A", "B", "C"]
    assert seen == [
        {"A": "Succeeded", "B": "Executing"},
        {"A": "Succeeded", "B": "Succeeded", "C": "Executing"},
    ]
    assert jobs.calls[2][2]["Environment"] == {"FROM_B": "B"}
    assert execution(home, arn) == ("Succeeded", None)
    row = steps(home, arn)["A"]
    assert json.loads(row["properties"]) == {"Out": "A"}
    assert json.loads(row["metadata"]) == {"Job": "job-A", "LogFile": row["log_path"]}
    assert row["log_path"] == str(home.log_path(arn.rsplit("/", 1)[1], "A", 1))
    assert (row["attempt"], row["failure_reason"], row["cache_source"]) == (1, None, None)


def test_steps_start_in_definition_order(home: LocalHome, jobs: Jobs) -> None:
    arn = start(home, [job("Z"), job("M"), job("A")])
    assert run(home, arn, max_parallel=1) == "Succeeded"
    assert jobs.names() == ["Z", "M", "A"]


def test_after_a_failure_no_new_step_starts_and_the_reasons_are_joined(
    home: LocalHome, jobs: Jobs
) -> None:
    both_failed = threading.Barrier(2, timeout=30)

    def fail_together(reason: str) -> Action:
        def action(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
            both_failed.wait()
            raise StepFailed(reason)

        return action

    jobs.script = {"A": [fail_together("first went wrong")], "B": [fail_together("so did B")]}
    arn = start(home, [job("A"), job("B"), job("C"), job("D", depends_on=["C"])])
    assert run(home, arn, max_parallel=2) == "Failed"
    assert sorted(jobs.names()) == ["A", "B"]
    status, reason = execution(home, arn)
    assert status == "Failed"
    assert reason in (
        "Step failure: A: first went wrong; B: so did B",
        "Step failure: B: so did B; A: first went wrong",
    )
    assert statuses(home, arn) == {"A": "Failed", "B": "Failed"}
    assert steps(home, arn)["A"]["failure_reason"] == "first went wrong"


def test_a_running_step_finishes_after_another_fails(home: LocalHome, jobs: Jobs) -> None:
    def slow(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        wait_for(lambda: statuses(home, ctx.execution_arn).get("A") == "Failed", "A to fail")
        return ok(ctx, arguments)

    jobs.script = {"A": [fail("A broke")], "B": [slow]}
    arn = start(home, [job("A"), job("B"), job("C", depends_on=["B"])])
    assert run(home, arn, max_parallel=2) == "Failed"
    assert statuses(home, arn) == {"A": "Failed", "B": "Succeeded"}
    assert execution(home, arn) == ("Failed", "Step failure: A: A broke")


def test_a_failed_step_stops_the_next_one_even_at_one_step_at_a_time(
    home: LocalHome, jobs: Jobs
) -> None:
    jobs.script = {"A": [fail("no")]}
    arn = start(home, [job("A"), job("B")])
    assert run(home, arn, max_parallel=1) == "Failed"
    assert jobs.names() == ["A"]


def test_a_stop_asked_before_the_start_runs_nothing(home: LocalHome, jobs: Jobs) -> None:
    arn = start(home, [job("A")])
    stop = threading.Event()
    stop.set()
    assert finish(ExecutionEngine(home, arn, stop, max_parallel=2)) == "Stopped"
    assert jobs.calls == []
    assert execution(home, arn) == ("Stopped", None)

    other = start(home, [job("A")])
    home.state.request_stop(other)  # asked by another process (`smpipe stop`)
    engine = ExecutionEngine(home, other, max_parallel=2)
    assert finish(engine) == "Stopped"
    assert engine.stop.is_set()  # the runners are told
    assert jobs.calls == []


def test_a_stop_asked_while_a_step_runs_starts_nothing_more(home: LocalHome, jobs: Jobs) -> None:
    def asks_stop(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        home.state.request_stop(ctx.execution_arn)
        return ok(ctx, arguments)

    jobs.script = {"A": [asks_stop]}
    arn = start(home, [job("A"), job("B", depends_on=["A"])])
    engine = ExecutionEngine(home, arn, max_parallel=2)
    assert finish(engine) == "Stopped"
    assert engine.stop.is_set()
    assert jobs.names() == ["A"]
    assert statuses(home, arn) == {"A": "Succeeded"}
    assert execution(home, arn) == ("Stopped", None)


def test_a_stopped_step_is_recorded_and_the_execution_stopped(home: LocalHome, jobs: Jobs) -> None:
    def stopped(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        ctx.stop.set()
        raise StepStopped()

    jobs.script = {"A": [stopped]}
    arn = start(home, [job("A"), job("B", depends_on=["A"])])
    assert run(home, arn) == "Stopped"
    row = steps(home, arn)["A"]
    assert (row["status"], row["failure_reason"]) == ("Stopped", "Stopped by request")
    assert Path(row["log_path"]).read_text().splitlines()[-1].endswith("] stopped")
    assert jobs.names() == ["A"]
    # A retry runs the stopped step again (its second attempt), then the rest.
    assert retry(home, arn) == "Succeeded"
    assert [(n, a) for n, a, _ in jobs.calls] == [("A", 1), ("A", 2), ("B", 1)]


# ---- conditions ----


def gate_pipeline() -> list[dict[str, Any]]:
    """A -> Gate (A's Score >= 0.5) -> if: High (reads A), else: Low (a Fail step)."""
    high = job("High")
    high["Arguments"]["Environment"] = {"A": {"Get": "Steps.A.Out"}}
    gate = condition("Gate", {"Get": "Steps.A.Score"}, 0.5, [high], [fail_step("Low", "too low")])
    return [job("A"), gate]


def test_a_condition_runs_only_the_branch_its_outcome_takes(home: LocalHome, jobs: Jobs) -> None:
    jobs.script = {"A": [result({"Out": "A", "Score": 0.9})]}
    arn = start(home, gate_pipeline())
    assert run(home, arn) == "Succeeded"
    assert statuses(home, arn) == {"A": "Succeeded", "Gate": "Succeeded", "High": "Succeeded"}
    assert jobs.calls[1][2]["Environment"] == {"A": "A"}
    gate = steps(home, arn)["Gate"]
    assert json.loads(gate["properties"]) == {"Outcome": True}

    jobs.script = {"A": [result({"Out": "A", "Score": 0.1})]}
    other = start(home, gate_pipeline())
    assert run(home, other) == "Failed"
    assert statuses(home, other) == {"A": "Succeeded", "Gate": "Succeeded", "Low": "Failed"}
    assert execution(home, other) == ("Failed", "Step failure: Low: too low")
    assert json.loads(steps(home, other)["Gate"]["properties"]) == {"Outcome": False}


def test_a_retry_keeps_what_succeeded_and_reopens_the_branch_taken(
    home: LocalHome, jobs: Jobs
) -> None:
    jobs.script = {"A": [result({"Out": "A", "Score": 0.9})], "High": [fail("flaky")]}
    arn = start(home, gate_pipeline())
    assert run(home, arn) == "Failed"
    before = steps(home, arn)
    assert retry(home, arn) == "Succeeded"
    after = steps(home, arn)
    assert statuses(home, arn) == {"A": "Succeeded", "Gate": "Succeeded", "High": "Succeeded"}
    assert (after["A"]["attempt"], after["A"]["started"]) == (1, before["A"]["started"])
    assert (after["Gate"]["attempt"], after["Gate"]["started"]) == (1, before["Gate"]["started"])
    assert after["High"]["attempt"] == 2
    # High reads A's properties, kept from the first run.
    assert [(n, a, c["Environment"]) for n, a, c in jobs.calls[1:]] == [
        ("High", 1, {"A": "A"}),
        ("High", 2, {"A": "A"}),
    ]
    assert execution(home, arn) == ("Succeeded", None)


def test_a_retry_keeps_properties_without_any_recorded(home: LocalHome, jobs: Jobs) -> None:
    """A Condition step (no job) read back on retry: its Outcome picks the branch again."""
    jobs.script = {"A": [result({"Out": "A", "Score": 0.1})]}
    low = job("Low")
    gate = condition("Gate", {"Get": "Steps.A.Score"}, 0.5, [job("High")], [low])
    jobs.script["Low"] = [fail("flaky")]
    arn = start(home, [job("A"), gate])
    assert run(home, arn) == "Failed"
    assert retry(home, arn) == "Succeeded"
    assert statuses(home, arn) == {"A": "Succeeded", "Gate": "Succeeded", "Low": "Succeeded"}


# ---- one step ----


def test_arguments_that_cannot_be_resolved_fail_the_step_as_a_client_error(
    home: LocalHome, jobs: Jobs
) -> None:
    step = job("A")
    step["Arguments"]["Environment"] = {"X": {"Get": "Parameters.Missing"}}
    arn = start(home, [step, job("B")])
    assert run(home, arn, max_parallel=1) == "Failed"
    assert jobs.calls == []
    row = steps(home, arn)["A"]
    reason = "ClientError: Parameters.Missing: no such pipeline parameter"
    assert (row["status"], row["type"], row["failure_reason"], row["attempt"]) == (
        "Failed",
        "Processing",
        reason,
        1,
    )
    assert (row["log_path"], row["cache_key"]) == (None, None)
    assert execution(home, arn) == ("Failed", f"Step failure: A: {reason}")


def test_arguments_that_are_not_an_object_fail_the_step(home: LocalHome, jobs: Jobs) -> None:
    arn = start(home, [{"Name": "Stop", "Type": "Fail", "Arguments": ["not", "an object"]}])
    assert run(home, arn) == "Failed"
    assert steps(home, arn)["Stop"]["failure_reason"] == (
        "ClientError: step Stop: Arguments must be an object"
    )


def test_a_fail_step_fails_with_its_message(home: LocalHome, jobs: Jobs) -> None:
    arn = start(home, [fail_step("Stop", {"Std:Join": {"On": "-", "Values": ["a", "b"]}})])
    assert run(home, arn) == "Failed"
    row = steps(home, arn)["Stop"]
    assert (row["status"], row["failure_reason"], row["type"]) == ("Failed", "a-b", "Fail")
    assert "failed: a-b" in Path(row["log_path"]).read_text()


def test_a_failure_reason_is_cut_at_1024_characters(home: LocalHome, jobs: Jobs) -> None:
    jobs.script = {"A": [fail("x" * 2000)]}
    arn = start(home, [job("A")])
    assert run(home, arn) == "Failed"
    assert steps(home, arn)["A"]["failure_reason"] == "x" * 1024


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (LocalEngineError("the request is wrong"), "ClientError: LocalEngineError"),
        (RuntimeError("a bug"), "InternalError: RuntimeError"),
    ],
)
def test_an_error_in_a_runner_fails_the_step_and_points_at_its_log(
    home: LocalHome, jobs: Jobs, error: Exception, kind: str
) -> None:
    jobs.script = {"A": [raising(error)]}
    arn = start(home, [job("A")])
    assert run(home, arn) == "Failed"
    row = steps(home, arn)["A"]
    assert row["failure_reason"] == f"{kind}: {error}; log: {row['log_path']}"
    assert f"failed: {kind}: {error}" in Path(row["log_path"]).read_text()


def test_a_long_runner_error_is_cut_at_1024_characters(home: LocalHome, jobs: Jobs) -> None:
    jobs.script = {"A": [raising(RuntimeError("y" * 2000))]}
    arn = start(home, [job("A")])
    assert run(home, arn) == "Failed"
    assert (
        steps(home, arn)["A"]["failure_reason"]
        == ("InternalError: RuntimeError: " + "y" * 2000)[:1024]
    )


class Broken(BaseException):
    """Not an Exception: what a step runner must never let out (a bug in the engine)."""


def test_an_error_outside_the_steps_fails_the_execution_and_is_raised(
    home: LocalHome, jobs: Jobs
) -> None:
    """A fails with an error no runner may raise: B, running beside it, is told to stop at
    once, C (ready, a slot free) never starts, and the error is raised after B ends."""

    def waits_for_stop(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        if ctx.stop.wait(30):
            raise StepStopped()
        return ok(ctx, arguments)

    jobs.script = {"A": [raising(Broken("engine bug"))], "B": [waits_for_stop]}
    arn = start(home, [job("A"), job("B"), job("C")])
    engine = ExecutionEngine(home, arn, max_parallel=2)
    with pytest.raises(Broken, match="engine bug"):
        finish(engine)
    assert engine.stop.is_set()
    assert execution(home, arn) == ("Failed", "internal error: engine bug")
    assert sorted(jobs.names()) == ["A", "B"]
    assert statuses(home, arn)["B"] == "Stopped"


def test_an_error_of_the_scheduler_fails_the_execution_and_is_raised(
    home: LocalHome, jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = start(home, [job("A")])
    engine = ExecutionEngine(home, arn, max_parallel=2)

    def broken(_arn: str) -> bool:
        raise RuntimeError("state unreadable")

    monkeypatch.setattr(home.state, "stop_requested", broken)
    with pytest.raises(RuntimeError, match="state unreadable"):
        finish(engine)
    assert engine.stop.is_set()
    assert execution(home, arn) == ("Failed", "internal error: state unreadable")


def test_the_runner_gets_the_steps_context(home: LocalHome, jobs: Jobs) -> None:
    contexts: list[StepContext] = []

    def keep(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        contexts.append(ctx)
        return ok(ctx, arguments)

    jobs.script = {"A": [keep]}
    arn = start(home, [job("A")])
    engine = ExecutionEngine(home, arn, max_parallel=2)
    assert finish(engine) == "Succeeded"
    (ctx,) = contexts
    assert (ctx.execution_arn, ctx.execution_id, ctx.pipeline_name) == (
        arn,
        engine.execution_id,
        "units",
    )
    assert (ctx.home, ctx.stop, ctx.scope, ctx.attempt) == (home, engine.stop, engine.scope, 1)
    assert ctx.step is engine.definition.steps["A"]
    assert ctx.log_path == home.log_path(engine.execution_id, "A", 1)
    assert ctx.metadata == {}
    assert ctx.discarded == []


@pytest.mark.parametrize("metadata", [{"smpipe-note": "kept"}, None])
def test_the_definitions_metadata_reaches_the_runner(
    home: LocalHome, jobs: Jobs, metadata: dict[str, str] | None
) -> None:
    seen: list[Mapping[str, Any]] = []

    def keep(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        seen.append(ctx.metadata)
        return ok(ctx, arguments)

    jobs.script = {"A": [keep]}
    document = json.loads(definition([job("A")], [CODE]))
    if metadata is None:
        del document["Metadata"]
    else:
        document["Metadata"] = metadata
    home.state.upsert_pipeline("meta", json.dumps(document), None, "role")
    arn = home.state.create_execution("meta", 1, {"CodeBundleUri": "s3://b/c.tar.gz"}, None)
    home.state.claim_execution(arn, Runner.this_process(), retry=False)
    assert run(home, arn) == "Succeeded"
    assert seen == [metadata or {}]


def test_sandboxes_handed_to_discard_are_removed_after_the_step(
    home: LocalHome, jobs: Jobs, tmp_path: Path
) -> None:
    sandbox = tmp_path / "sandbox"
    observed: list[bool] = []

    def leaves_sandbox(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        (sandbox / "inner").mkdir(parents=True)
        ctx.discard(sandbox)
        ctx.discard(tmp_path / "never-made")  # nothing to remove: no error either
        observed.append(sandbox.exists())  # kept until the step's end is recorded
        return ok(ctx, arguments)

    jobs.script = {"A": [leaves_sandbox]}
    arn = start(home, [job("A")])
    assert run(home, arn) == "Succeeded"
    assert observed == [True]
    assert not sandbox.exists()  # run() waits for the removal


# ---- retries by policy ----


def with_policy(step: dict[str, Any], **policy: Any) -> dict[str, Any]:
    step["RetryPolicies"] = [
        {"ExceptionType": ["Step.THROTTLING"], "MaxAttempts": 5},
        {"ExceptionType": ["SageMaker.CAPACITY_ERROR"], **policy},
    ]
    return step


def log_of(home: LocalHome, arn: str, step: str, attempt: int) -> str:
    return home.log_path(arn.rsplit("/", 1)[1], step, attempt).read_text()


def test_a_covered_failure_is_retried_and_logged_until_it_succeeds(
    home: LocalHome, jobs: Jobs
) -> None:
    capacity = fail("CapacityError: no capacity")
    jobs.script = {"A": [capacity, capacity]}
    step = with_policy(job("A"), IntervalSeconds=1.5, BackoffRate=2, MaxAttempts=3)
    arn = start(home, [step])
    assert run(home, arn) == "Succeeded"
    assert [(n, a) for n, a, _ in jobs.calls] == [("A", 1), ("A", 2), ("A", 3)]
    row = steps(home, arn)["A"]
    assert (row["status"], row["attempt"], row["failure_reason"]) == ("Succeeded", 3, None)
    assert "SageMaker.CAPACITY_ERROR: retry 1 by RetryPolicies[1] in 1.5s (attempt 2)" in (
        log_of(home, arn, "A", 1)
    )
    assert "SageMaker.CAPACITY_ERROR: retry 2 by RetryPolicies[1] in 3s (attempt 3)" in (
        log_of(home, arn, "A", 2)
    )
    assert execution(home, arn) == ("Succeeded", None)


def test_a_retried_failure_does_not_stop_other_steps(home: LocalHome, jobs: Jobs) -> None:
    """A's first attempt fails and is retried; meanwhile B ends and C, after B, starts."""
    second_attempt, c_started = threading.Event(), threading.Event()

    def a_again(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        second_attempt.set()
        c_started.wait(10)  # (a bound against hangs only)
        return ok(ctx, arguments)

    jobs.script = {
        "A": [fail("CapacityError: no capacity"), a_again],
        "B": [after(second_attempt)],
        "C": [announce(c_started)],
    }
    pipeline = [with_policy(job("A"), MaxAttempts=1), job("B"), job("C", depends_on=["B"])]
    arn = start(home, pipeline)
    assert run(home, arn, max_parallel=2) == "Succeeded"
    assert sorted((n, a) for n, a, _ in jobs.calls) == [("A", 1), ("A", 2), ("B", 1), ("C", 1)]
    assert statuses(home, arn) == {"A": "Succeeded", "B": "Succeeded", "C": "Succeeded"}


def test_the_last_allowed_retry_failing_fails_the_step(home: LocalHome, jobs: Jobs) -> None:
    capacity = fail("CapacityError: still none")
    jobs.script = {"A": [capacity, capacity, capacity]}
    arn = start(home, [with_policy(job("A"), MaxAttempts=2), job("B", depends_on=["A"])])
    assert run(home, arn) == "Failed"
    assert [(n, a) for n, a, _ in jobs.calls] == [("A", 1), ("A", 2), ("A", 3)]
    row = steps(home, arn)["A"]
    assert (row["status"], row["attempt"]) == ("Failed", 3)
    assert execution(home, arn) == ("Failed", "Step failure: A: CapacityError: still none")
    assert "retry" not in log_of(home, arn, "A", 3)


def test_a_failure_no_policy_covers_is_final(home: LocalHome, jobs: Jobs) -> None:
    jobs.script = {"A": [fail("AlgorithmError: exit 1")]}
    arn = start(home, [with_policy(job("A"), MaxAttempts=3)])
    assert run(home, arn) == "Failed"
    assert len(jobs.calls) == 1


def test_a_stop_during_the_wait_before_a_retry_ends_the_step(
    home: LocalHome, jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMPIPE_RETRY_TIME_SCALE", "1")

    def stop_then_fail(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        ctx.stop.set()
        raise StepFailed("CapacityError: none")

    jobs.script = {"A": [stop_then_fail]}
    arn = start(home, [with_policy(job("A"), IntervalSeconds=3600, MaxAttempts=3)])
    engine = ExecutionEngine(home, arn, max_parallel=2)
    assert finish(engine) == "Stopped"
    assert engine.failed.is_set()
    assert len(jobs.calls) == 1
    assert steps(home, arn)["A"]["status"] == "Failed"


def test_an_injected_fault_fails_the_attempt_before_the_job(
    home: LocalHome, jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMPIPE_FAULTS", "A:CapacityError")
    arn = start(home, [with_policy(job("A"), MaxAttempts=1)])
    assert run(home, arn) == "Succeeded"
    assert [(n, a) for n, a, _ in jobs.calls] == [("A", 2)]
    assert "failed: CapacityError: injected by SMPIPE_FAULTS" in log_of(home, arn, "A", 1)


# ---- the step cache ----


def test_a_cached_step_is_reused_with_its_properties_metadata_and_log(
    home: LocalHome, jobs: Jobs
) -> None:
    reader = job("B")
    reader["Arguments"]["Environment"] = {"A": {"Get": "Steps.A.Out"}}
    pipeline = [job("A", cache=True), reader]
    first = start(home, pipeline)
    assert run(home, first) == "Succeeded"
    second = start(home, pipeline)
    assert run(home, second) == "Succeeded"
    assert jobs.names() == ["A", "B", "B"]
    assert jobs.calls[2][2]["Environment"] == {"A": "A"}
    was, now = steps(home, first)["A"], steps(home, second)["A"]
    assert (now["status"], now["cache_source"], now["attempt"]) == ("Succeeded", first, 1)
    assert (now["properties"], now["metadata"]) == (was["properties"], was["metadata"])
    assert (now["log_path"], now["cache_key"]) == (was["log_path"], was["cache_key"])
    assert now["failure_reason"] is None
    assert execution(home, second) == ("Succeeded", None)
    # A hit is never the source of another: the third run names the first as well.
    third = start(home, pipeline)
    assert run(home, third) == "Succeeded"
    assert steps(home, third)["A"]["cache_source"] == first


def test_the_cache_key_is_stable(home: LocalHome, jobs: Jobs) -> None:
    """The key of SageMaker's cache attributes, canonical JSON hashed: a changed formula
    would miss every step cached by an earlier version of the engine."""
    step = job("A", cache=True)
    step["Arguments"]["Environment"] = {"B": "2", "A": "1"}
    arn = start(home, [step])
    assert run(home, arn) == "Succeeded"
    keyed = {
        "Type": "Processing",
        "AppSpecification": step["Arguments"]["AppSpecification"],
        "Environment": {"A": "1", "B": "2"},
        "ProcessingInputs": [
            {**item, "S3Input": {**item["S3Input"], "S3Uri": CODE["DefaultValue"]}}
            for item in step["Arguments"]["ProcessingInputs"]
        ],
    }
    canonical = json.dumps(keyed, sort_keys=True)
    assert steps(home, arn)["A"]["cache_key"] == hashlib.sha256(canonical.encode()).hexdigest()


def test_only_a_change_of_a_key_attribute_misses_the_cache(home: LocalHome, jobs: Jobs) -> None:
    base = job("A", cache=True)
    arn = start(home, [base])
    assert run(home, arn) == "Succeeded"
    resized = json.loads(json.dumps(base))
    resized["Arguments"]["ProcessingResources"]["ClusterConfig"]["InstanceCount"] = 2
    again = start(home, [resized])
    assert run(home, again) == "Succeeded"
    assert steps(home, again)["A"]["cache_source"] == arn
    changed = json.loads(json.dumps(base))
    changed["Arguments"]["Environment"] = {"MODE": "b"}
    other = start(home, [changed])
    assert run(home, other) == "Succeeded"
    assert steps(home, other)["A"]["cache_source"] is None
    assert jobs.names() == ["A", "A"]


def test_the_same_key_in_another_pipeline_or_step_is_no_hit(home: LocalHome, jobs: Jobs) -> None:
    first = start(home, [job("A", cache=True)], name="one")
    assert run(home, first) == "Succeeded"
    other = start(home, [job("A", cache=True)], name="two")
    assert run(home, other) == "Succeeded"
    assert steps(home, other)["A"]["cache_source"] is None
    assert len(jobs.calls) == 2


def test_a_step_without_cache_or_of_an_uncached_type_never_hits(
    home: LocalHome, jobs: Jobs
) -> None:
    for _ in range(2):
        arn = start(home, [job("A", cache=False)])
        assert run(home, arn) == "Succeeded"
        assert steps(home, arn)["A"]["cache_key"] is None
    assert len(jobs.calls) == 2
    stop = fail_step("Stop")
    stop["CacheConfig"] = {"Enabled": True, "ExpireAfter": "30d"}
    arn = start(home, [stop], name="fail")
    assert run(home, arn) == "Failed"
    assert steps(home, arn)["Stop"]["cache_key"] is None


@pytest.mark.parametrize(("expire", "hit"), [("30d", True), ("T0m", False), (None, True)])
def test_a_cached_result_older_than_expire_after_is_not_used(
    home: LocalHome, jobs: Jobs, expire: str | None, hit: bool
) -> None:
    step = job("A")
    step["CacheConfig"] = {"Enabled": True, **({"ExpireAfter": expire} if expire else {})}
    first = start(home, [step])
    assert run(home, first) == "Succeeded"
    second = start(home, [step])
    assert run(home, second) == "Succeeded"
    assert steps(home, second)["A"]["cache_source"] == (first if hit else None)
    assert len(jobs.calls) == (1 if hit else 2)


def test_a_retry_does_not_take_its_own_earlier_attempt_as_a_cache_hit(
    home: LocalHome, jobs: Jobs
) -> None:
    """The execution's own result is never its cache hit (a retry re-runs its own step)."""
    arn = start(home, [job("A", cache=True)])
    assert run(home, arn) == "Succeeded"
    engine = ExecutionEngine(home, arn, max_parallel=1)
    assert (
        engine._cache_hit(engine.definition.steps["A"], steps(home, arn)["A"]["cache_key"]) is None
    )


def test_a_stop_asked_by_another_process_reaches_a_running_step(
    home: LocalHome, jobs: Jobs
) -> None:
    """The scheduler looks for a stop asked in the state while steps run, not only when one
    ends, and tells the runners."""

    def asks_then_waits(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        home.state.request_stop(ctx.execution_arn)
        if ctx.stop.wait(30):
            raise StepStopped()
        raise StepFailed("the stop never reached the step")

    jobs.script = {"A": [asks_then_waits]}
    arn = start(home, [job("A")])
    assert run(home, arn) == "Stopped"
    assert steps(home, arn)["A"]["failure_reason"] == "Stopped by request"


def test_a_step_waits_for_every_step_it_depends_on(home: LocalHome, jobs: Jobs) -> None:
    c_started = threading.Event()
    seen: list[dict[str, str]] = []

    def b(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        wait_for(lambda: statuses(home, ctx.execution_arn).get("A") == "Succeeded", "A")
        c_started.wait(0.5)  # C starting now, before B ends, would be the bug
        return ok(ctx, arguments)

    def c(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        c_started.set()
        seen.append(statuses(home, ctx.execution_arn))
        return ok(ctx, arguments)

    jobs.script = {"B": [b], "C": [c]}
    arn = start(home, [job("A"), job("B"), job("C", depends_on=["A", "B"])])
    assert run(home, arn, max_parallel=3) == "Succeeded"
    assert seen == [{"A": "Succeeded", "B": "Succeeded", "C": "Executing"}]


def test_a_retry_runs_the_top_level_steps_that_did_not_succeed(home: LocalHome, jobs: Jobs) -> None:
    """Steps after a condition in the definition (and not in its branches) run on retry."""
    jobs.script = {"A": [result({"Out": "A", "Score": 0.9})], "Z": [fail("flaky")]}
    arn = start(home, [*gate_pipeline(), job("Z", depends_on=["Gate"])])
    assert run(home, arn, max_parallel=1) == "Failed"
    assert statuses(home, arn) == {
        "A": "Succeeded",
        "Gate": "Succeeded",
        "High": "Succeeded",
        "Z": "Failed",
    }
    assert retry(home, arn, max_parallel=1) == "Succeeded"
    assert statuses(home, arn)["Z"] == "Succeeded"
    assert [(n, a) for n, a, _ in jobs.calls] == [("A", 1), ("High", 1), ("Z", 1), ("Z", 2)]


def test_a_step_recorded_without_properties_is_kept_and_reused(home: LocalHome, jobs: Jobs) -> None:
    """The state can hold a Succeeded step without properties: a retry keeps it, and it is
    a cache hit with no properties."""
    arn = start(home, [job("A"), job("B", depends_on=["A"])])
    home.state.start_step(arn, "A", "Processing", None, None)
    home.state.finish_step(arn, "A", "Succeeded")
    home.state.finish_execution(arn, "Failed", "B did not run")
    assert retry(home, arn) == "Succeeded"
    assert jobs.names() == ["B"]

    cached = job("A", cache=True)
    first = start(home, [cached], name="bare")
    assert run(home, first) == "Succeeded"
    key = steps(home, first)["A"]["cache_key"]
    source = start(home, [cached], name="bare")
    home.state.start_step(source, "A", "Processing", None, key)
    home.state.finish_step(source, "A", "Succeeded")  # newer than the first, no properties
    home.state.finish_execution(source, "Succeeded", None)
    again = start(home, [cached], name="bare")
    assert run(home, again) == "Succeeded"
    row = steps(home, again)["A"]
    assert (row["cache_source"], row["properties"]) == (source, "{}")


def test_the_steps_run_in_named_daemon_threads(home: LocalHome, jobs: Jobs) -> None:
    seen: list[tuple[str, bool]] = []

    def keep(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
        thread = threading.current_thread()
        seen.append((thread.name, thread.daemon))
        return ok(ctx, arguments)

    jobs.script = {"Prep-1": [keep]}
    arn = start(home, [job("Prep-1")])
    # Run from a thread that is no daemon (as `smpipe run`'s main thread): the steps' threads
    # are daemons all the same, so a job left behind never keeps the process alive.
    assert finish(ExecutionEngine(home, arn, max_parallel=2), daemon=False) == "Succeeded"
    assert seen == [("smpipe-step-Prep-1", True)]


def test_while_a_retry_waits_the_failed_attempt_is_recorded(
    home: LocalHome, jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `smpipe watch` shows during the backoff: the attempt Failed, with its reason."""
    during_wait: list[tuple[str, str | None, int]] = []
    arn = ""

    def scale() -> float:
        row = steps(home, arn)["A"]
        during_wait.append((row["status"], row["failure_reason"], row["attempt"]))
        return 0.0

    monkeypatch.setattr(engine_module.retry, "time_scale", scale)
    jobs.script = {"A": [fail("CapacityError: busy")]}
    arn = start(home, [with_policy(job("A"), MaxAttempts=1)])
    assert run(home, arn) == "Succeeded"
    assert during_wait == [("Failed", "CapacityError: busy", 1)]


def test_a_property_file_in_a_cached_steps_arguments_is_keyed_by_its_uri(
    home: LocalHome, jobs: Jobs
) -> None:
    report = {
        "Out": "A",
        "PropertyFiles": [
            {"PropertyFileName": "Report", "OutputName": "report", "FilePath": "r.json"}
        ],
        "ProcessingOutputConfig": {
            "Outputs": [{"OutputName": "report", "S3Output": {"S3Uri": f"{BUCKET}/out/"}}]
        },
    }
    jobs.script = {"A": [result(report), result(report)]}
    reader = job("B", cache=True)
    reader["Arguments"]["Environment"] = {"REPORT": {"Get": "Steps.A.PropertyFiles.Report"}}
    first = start(home, [job("A"), reader])
    assert run(home, first) == "Succeeded"
    assert jobs.calls[1][2]["Environment"]["REPORT"].s3_uri == f"{BUCKET}/out/r.json"
    second = start(home, [job("A"), reader])
    assert run(home, second) == "Succeeded"
    assert steps(home, second)["B"]["cache_source"] == first


def test_no_step_starts_once_a_failure_is_recorded(
    home: LocalHome, jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step recorded Failed stops new starts at once, before its thread reports to the
    scheduler: here B ends in between, and C (after B) must not start."""
    b_may_end, c_started = threading.Event(), threading.Event()
    record = home.state.finish_step

    def finish_step(arn: str, name: str, status: str, **fields: Any) -> None:
        record(arn, name, status, **fields)
        if (name, status) == ("A", "Failed"):
            b_may_end.set()
            c_started.wait(0.5)  # C starting now would be the bug

    monkeypatch.setattr(home.state, "finish_step", finish_step)
    jobs.script = {"A": [fail("A broke")], "B": [after(b_may_end)], "C": [announce(c_started)]}
    arn = start(home, [job("A"), job("B"), job("C", depends_on=["B"])])
    assert run(home, arn, max_parallel=3) == "Failed"
    assert statuses(home, arn) == {"A": "Failed", "B": "Succeeded"}


@pytest.fixture
def far_east(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time 14 hours ahead of UTC (a POSIX TZ: no time zone data)."""
    monkeypatch.setenv("TZ", "SMP-14")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_cache_expiry_does_not_depend_on_the_local_time_zone(
    home: LocalHome, jobs: Jobs, far_east: None
) -> None:
    step = job("A")
    step["CacheConfig"] = {"Enabled": True, "ExpireAfter": "T1h"}
    first = start(home, [step])
    assert run(home, first) == "Succeeded"
    second = start(home, [step])
    assert run(home, second) == "Succeeded"
    assert steps(home, second)["A"]["cache_source"] == first


def test_a_condition_is_evaluated_before_its_branch_steps_can_be_resolved(
    home: LocalHome, jobs: Jobs
) -> None:
    """Only the conditions are read when a Condition step runs: a branch step reading
    another branch step (which has not run yet) is resolved in its own turn."""
    after = job("After")
    after["Arguments"]["Environment"] = {"HIGH": {"Get": "Steps.High.Out"}}
    jobs.script = {"A": [result({"Out": "A", "Score": 0.9})]}
    gate = condition("Gate", {"Get": "Steps.A.Score"}, 0.5, [job("High"), after], [])
    arn = start(home, [job("A"), gate])
    assert run(home, arn) == "Succeeded"
    assert [(n, c.get("Environment")) for n, _, c in jobs.calls] == [
        ("A", None),
        ("High", None),
        ("After", {"HIGH": "High"}),
    ]
