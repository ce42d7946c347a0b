"""The operating commands as a person runs them: ``smpipe`` in a subprocess."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from local_support import score_pipeline, seed_all, wait_for

from pipeline.local.home import LocalHome
from pipeline.local.state import process_token

SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    seed_all(tmp_path / ".smpipe", tmp_path)
    (tmp_path / "toy.json").write_text(score_pipeline())
    (tmp_path / "slow.json").write_text(score_pipeline(sleep=120))
    return tmp_path


def smpipe(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMPIPE_STATE_DIR": str(workdir / ".smpipe")}
    return subprocess.run(
        [*SMPIPE, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
    )


def start_run(workdir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SMPIPE_STATE_DIR": str(workdir / ".smpipe")}
    return subprocess.Popen(
        [*SMPIPE, "run", *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def executing_job(workdir: Path) -> int | None:
    """The pid of the job of a step that is Executing, once there is one."""
    state = LocalHome(workdir / ".smpipe").state
    for execution in state.executions():
        for step in state.steps(execution["arn"]):
            if step["status"] == "Executing" and step["job_pid"]:
                return int(step["job_pid"])
    return None


def job_alive(pid: int, token: str | None) -> bool:
    """The same process (not a reused pid) and not a zombie waiting for init to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        state = ""
    return process_token(pid) == token and state != "Z"


def test_ops_commands_show_a_finished_execution(workdir: Path) -> None:
    run = smpipe(workdir, "run", "toy.json")
    assert run.returncode == 0, run.stderr
    assert "toy: Succeeded" in run.stdout
    assert "PendingManualApproval" in run.stdout
    arn = run.stdout.splitlines()[0].removeprefix("execution ")
    execution_id = arn.rsplit("/", 1)[1]

    listed = smpipe(workdir, "executions")
    assert execution_id in listed.stdout and "Succeeded" in listed.stdout
    for reference in ("latest", execution_id, arn):
        steps = smpipe(workdir, "steps", reference)
        assert steps.returncode == 0, steps.stderr
        assert "Gate" in steps.stdout and "outcome True" in steps.stdout
    params = smpipe(workdir, "params", "latest")
    assert "Threshold      0.5" in params.stdout
    logs = smpipe(workdir, "logs", "latest", "Score")
    assert "wrote the report with score 0.9" in logs.stdout
    watch = smpipe(workdir, "watch", "latest")  # not a TTY: plain lines, then the table
    assert watch.returncode == 0 and "execution Succeeded" in watch.stdout

    unknown = smpipe(workdir, "steps", "nosuchexecution")
    assert unknown.returncode == 2
    assert "no execution 'nosuchexecution'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_registry_approve_and_reject(workdir: Path) -> None:
    assert smpipe(workdir, "run", "toy.json").returncode == 0
    listed = smpipe(workdir, "registry", "list", "test-group")
    assert "PendingManualApproval" in listed.stdout
    arn = "arn:aws:sagemaker:local:000000000000:model-package/test-group/1"
    approved = smpipe(workdir, "registry", "approve", arn, "--description", "looks good")
    assert approved.stdout.strip() == f"{arn}: Approved"
    rejected = smpipe(workdir, "registry", "reject", "test-group/1", "--description", "drift")
    assert rejected.stdout.strip() == f"{arn}: Rejected"
    described = smpipe(workdir, "registry", "describe", "test-group/latest")
    history = described.stdout.split("approval history:")[1]
    assert [line.split()[2] for line in history.strip().splitlines()[1:]] == [
        "PendingManualApproval",
        "Approved",
        "Rejected",
    ]
    assert "accuracy: 0.9000" in described.stdout
    missing = smpipe(workdir, "registry", "approve", "test-group/7")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_stop_ends_the_running_job(workdir: Path) -> None:
    runner = start_run(workdir, "slow.json")
    try:
        job = wait_for(lambda: executing_job(workdir), "a step to be Executing")
        stopped = smpipe(workdir, "stop", "latest")
        assert stopped.returncode == 0, stopped.stderr
        assert runner.wait(timeout=60) == 1
    finally:
        runner.kill()
    state = LocalHome(workdir / ".smpipe").state
    (execution,) = state.executions()
    assert execution["status"] == "Stopped"
    assert [(s["name"], s["status"]) for s in state.steps(execution["arn"])] == [
        ("Score", "Stopped")
    ]
    assert process_token(int(str(job))) is None
    again = smpipe(workdir, "stop", "latest")
    assert again.returncode == 1 and "nothing to stop" in again.stderr


def test_kill_9_mid_step_leaves_readable_state_and_the_registry_intact(workdir: Path) -> None:
    assert smpipe(workdir, "run", "toy.json").returncode == 0  # registers version 1
    runner = start_run(workdir, "slow.json")
    job = wait_for(lambda: executing_job(workdir), "a step to be Executing")
    token = process_token(int(str(job)))
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait(timeout=30)

    listed = smpipe(workdir, "executions")
    assert listed.returncode == 0, listed.stderr
    newest = listed.stdout.splitlines()[1]
    assert " Failed " in newest and "Executing" not in listed.stdout
    steps = smpipe(workdir, "steps", "latest")
    assert "ended before the execution finished" in steps.stdout
    assert "Executing" not in steps.stdout
    registry = smpipe(workdir, "registry", "list", "test-group")
    assert registry.stdout.count("PendingManualApproval") == 1
    # The job died with its runner (no orphan), and the database is consistent.
    wait_for(lambda: not job_alive(int(str(job)), token), "the orphaned job to end", 30)
    with sqlite3.connect(workdir / ".smpipe" / "state.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # A Failed execution can be retried; a killed one is no exception.
    assert smpipe(workdir, "retry", "latest", "--no-wait").returncode == 0
    assert smpipe(workdir, "stop", "latest", "--wait").returncode == 0


def test_run_no_wait_then_watch(workdir: Path) -> None:
    started = smpipe(workdir, "run", "toy.json", "--no-wait")
    assert started.returncode == 0, started.stderr
    watch = smpipe(workdir, "watch", "latest", "--interval", "0.1")
    assert watch.returncode == 0, watch.stdout + watch.stderr
    assert "Register" in watch.stdout


def test_run_refuses_what_cannot_run_locally(workdir: Path) -> None:
    (workdir / "bad.json").write_text(
        score_pipeline().replace('"Type": "Processing"', '"Type": "EMR"')
    )
    result = smpipe(workdir, "run", "bad.json")
    assert result.returncode == 1
    assert "type 'EMR', which the local engine cannot run" in result.stderr
    assert "Traceback" not in result.stderr
    assert "no executions yet" in smpipe(workdir, "executions").stdout


def test_ctrl_c_on_watch_leaves_the_execution_running(workdir: Path) -> None:
    assert smpipe(workdir, "run", "slow.json", "--no-wait").returncode == 0
    env = {**os.environ, "SMPIPE_STATE_DIR": str(workdir / ".smpipe")}
    watcher = subprocess.Popen(
        [*SMPIPE, "watch", "latest"],
        cwd=workdir,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: executing_job(workdir), "a step to be Executing")
        assert watcher.stdout is not None
        watcher.stdout.readline()  # the watcher is up (a signal while it starts kills it)
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=30) == 130
        state = LocalHome(workdir / ".smpipe").state
        assert state.executions()[0]["status"] == "Executing"
    finally:
        watcher.kill()
        smpipe(workdir, "stop", "latest", "--wait")


def test_running_a_compiled_definition_loads_no_compiler_models(workdir: Path) -> None:
    """The fixed cost of a local run: neither pydantic (the spec models) nor the YAML loader
    is imported to run a compiled definition."""
    probe = (
        "import sys\nfrom pipeline.cli import main\ntry:\n    main()\nexcept SystemExit:\n"
        "    pass\nprint('loaded:', sorted(m for m in ('pydantic', 'yaml', 'compiler.model') "
        "if m in sys.modules))\n"
    )
    env = {**os.environ, "SMPIPE_STATE_DIR": str(workdir / ".smpipe")}
    done = subprocess.run(
        [sys.executable, "-c", probe, "run", "toy.json"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "toy: Succeeded" in done.stdout, done.stderr
    assert done.stdout.splitlines()[-1] == "loaded: []"


def test_a_job_gets_its_death_signal_without_a_second_interpreter() -> None:
    import shutil

    from pipeline.local.jobs import _with_death_signal

    command = _with_death_signal(["python3", "job.py"])
    if sys.platform.startswith("linux") and shutil.which("setpriv"):
        assert command == [
            shutil.which("setpriv"),
            "--pdeathsig",
            "KILL",
            "--",
            "python3",
            "job.py",
        ]
    assert command[-2:] == ["python3", "job.py"]
