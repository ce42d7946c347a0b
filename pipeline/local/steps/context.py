"""What a step runner gets from the engine, and what it gives back."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.local.database import utc_now
from pipeline.local.definition import StepDef
from pipeline.local.expressions import Scope
from pipeline.local.home import LocalHome


@dataclass
class StepContext:
    home: LocalHome
    step: StepDef
    execution_arn: str
    execution_id: str
    pipeline_name: str
    attempt: int
    scope: Scope
    stop: threading.Event
    log_path: Path
    # Folders to remove once the step's end is recorded (see ``discard``); None: at once.
    discarded: list[Path] | None = None
    # The definition's top-level Metadata (the compiler's smpipe-* notes for this engine).
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def job_dir(self) -> Path:
        return self.home.job_dir(self.execution_id, self.step.name, self.attempt)

    def job_name(self) -> str:
        """SageMaker names pipeline jobs ``pipelines-<execution id>-<step>-<suffix>``."""
        suffix = "" if self.attempt == 1 else f"-{self.attempt}"
        return f"pipelines-{self.execution_id}-{self.step.name}"[: 63 - len(suffix)] + suffix

    def log(self, message: str) -> None:
        """A line in the step's log, from the engine (the job's own output goes there too)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"[smpipe {utc_now()}] {message}\n")

    def discard(self, folder: Path) -> None:
        """Remove ``folder`` (a finished job's sandbox) after the step's end is recorded: on
        some disks each rmdir costs milliseconds, which the next step need not wait for.
        Without an engine that collects them (``discarded`` None), it is removed now."""
        if self.discarded is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            self.discarded.append(folder)

    def job_started(self, pid: int) -> None:
        self.home.state.set_step_log(self.execution_arn, self.step.name, str(self.log_path), pid)


@dataclass(frozen=True)
class StepResult:
    properties: Mapping[str, Any]
    metadata: Mapping[str, str] = field(default_factory=dict)
