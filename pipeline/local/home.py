"""The local state directory: ``.smpipe/`` in the working directory unless told otherwise.

Layout: ``state.db`` (SQLite), ``s3/<bucket>/<key>`` (the object store),
``logs/<execution id>/<step>-<attempt>.log`` and ``jobs/<execution id>/<step>/`` (sandboxes).
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.local.database import Database
from pipeline.local.registry import Registry
from pipeline.local.state import State
from pipeline.local.store import ObjectStore

STATE_DIR_ENV = "SMPIPE_STATE_DIR"


def default_state_dir() -> Path:
    return Path(os.environ.get(STATE_DIR_ENV) or ".smpipe")


class LocalHome:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_state_dir()).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.root / "state.db")
        self.state = State(self.db)
        self.registry = Registry(self.db)
        self.store = ObjectStore(self.root / "s3")

    def log_path(self, execution_id: str, step: str, attempt: int) -> Path:
        return self.root / "logs" / execution_id / f"{step}-{attempt}.log"

    def job_dir(self, execution_id: str, step: str, attempt: int) -> Path:
        return self.root / "jobs" / execution_id / step / f"attempt-{attempt}"
