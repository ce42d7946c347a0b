"""Run a job's process: its output to the step's log file, stoppable, with a time limit.

The job runs in its own process group, so ``stop`` ends it and every child it started. On
Linux it also gets PR_SET_PDEATHSIG, so a runner killed with ``kill -9`` takes its job along
instead of leaving an orphan working on: set by util-linux's ``setpriv`` where it is installed
(no second interpreter start-up per job), else by a small Python shim that then execs the job.
The end of the job is noticed at once (a pidfd on Linux), not at the next poll.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pipeline.local.errors import StepFailed, StepStopped

STOP_GRACE_SECONDS = 3.0
# How often a running job looks at the stop event and its time limit.
CHECK_SECONDS = 0.1
# Runs first in the job's process: ask the kernel to kill it when its parent dies, make sure
# the parent is still the runner (it may have died in between), then become the real job.
_DEATH_SIGNAL_SHIM = (
    "import ctypes, os, sys\n"
    "ctypes.CDLL(None).prctl(1, 9)\n"
    "os.getppid() == int(sys.argv[1]) or os._exit(137)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


_SETPRIV = shutil.which("setpriv") if sys.platform.startswith("linux") else None


def _with_death_signal(command: Sequence[str]) -> list[str]:
    if not sys.platform.startswith("linux"):
        return list(command)
    if _SETPRIV is not None:
        return [_SETPRIV, "--pdeathsig", "KILL", "--", *command]
    return [sys.executable, "-S", "-c", _DEATH_SIGNAL_SHIM, str(os.getpid()), *command]


def run_job(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_path: Path,
    stop: threading.Event,
    max_runtime: float | None = None,
    on_start: Callable[[int], None] | None = None,
) -> int:
    """Run ``command`` to its end and return its exit code.

    Raises StepStopped when ``stop`` is set meanwhile, StepFailed when it outlives
    ``max_runtime`` seconds (SageMaker's MaxRuntimeInSeconds)."""
    if stop.is_set():  # stopped before its job started: no job is started
        raise StepStopped("the execution was stopped")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            _with_death_signal(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    if on_start is not None:
        on_start(process.pid)
    with _ExitWatch(process) as watch:
        while True:
            code = watch.wait(CHECK_SECONDS)
            if code is not None:
                return code
            if stop.is_set():
                _end(process)
                raise StepStopped("the execution was stopped")
            if max_runtime is not None and time.monotonic() - started > max_runtime:
                _end(process)
                raise StepFailed(
                    f"MaxRuntimeExceeded: the job ran longer than its {max_runtime:g} s "
                    f"stopping condition; log: {log_path}"
                )


class _ExitWatch:
    """Waits for the job's exit code. With a pidfd (Linux >= 5.3) it wakes the moment the job
    ends; else ``Popen.wait`` polls (up to 50 ms late)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.poller: select.poll | None = None
        try:
            self.pidfd: int | None = os.pidfd_open(process.pid)
        except (AttributeError, OSError):
            self.pidfd = None
        else:
            self.poller = select.poll()
            self.poller.register(self.pidfd, select.POLLIN)

    def __enter__(self) -> _ExitWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None when the job still runs after ``timeout`` seconds."""
        if self.poller is not None:
            ready = self.poller.poll(timeout * 1000)
            return self.process.wait() if ready else None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


def _end(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the job's process group, then SIGKILL what is left after a grace period."""
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def log_tail(log_path: Path, limit: int = 300) -> str:
    """The last meaningful line of a log (usually the error), shortened to ``limit`` chars."""
    try:
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines()]
    except OSError:
        return ""
    lines = [line for line in lines if line]
    if not lines:
        return ""
    last = lines[-1]
    return last if len(last) <= limit else last[: limit - 3] + "..."
