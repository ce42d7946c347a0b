"""Pipelines, executions and steps in the local SQLite state.

Runner liveness: an execution records the pid, host and process start time of the process
running it. A reader that finds an ``Executing`` execution whose runner is gone (``kill -9``,
a crash, a reboot) marks it ``Failed`` with a reason, so nothing shows as running forever.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.local.database import Database, utc_now
from pipeline.local.errors import LocalEngineError

ARN_PREFIX = "arn:aws:sagemaker:local:000000000000"
RUNNING = ("Executing", "Stopping")


def pipeline_arn(name: str) -> str:
    return f"{ARN_PREFIX}:pipeline/{name}"


def new_execution_id() -> str:
    """12 lowercase letters and digits, like SageMaker's execution ids."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


def process_token(pid: int) -> str | None:
    """Identifies a live process across pid reuse: its start time (Linux), else "alive"."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return "alive"
    return None if Path("/proc").is_dir() else "alive"


@dataclass(frozen=True)
class Runner:
    pid: int
    host: str
    token: str | None

    @classmethod
    def this_process(cls) -> Runner:
        return cls(os.getpid(), socket.gethostname(), process_token(os.getpid()))


class State:
    """Reads and writes of the pipeline side of the state (the registry is in ``registry``)."""

    def __init__(self, database: Database) -> None:
        self.db = database

    # ---- pipelines ----
    def upsert_pipeline(
        self, name: str, definition: str, description: str | None, role_arn: str | None
    ) -> tuple[str, int]:
        """Store a definition; a changed one becomes a new version. Returns (ARN, version)."""
        digest = hashlib.sha256(definition.encode()).hexdigest()
        now = utc_now()
        with self.db.transaction() as tx:
            arn = pipeline_arn(name)
            tx.execute(
                "INSERT INTO pipelines (name, arn, created, updated, description, role_arn) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "updated = excluded.updated, description = excluded.description, "
                "role_arn = excluded.role_arn",
                (name, arn, now, now, description, role_arn),
            )
            latest = tx.execute(
                "SELECT version, digest FROM pipeline_versions WHERE pipeline_name = ? "
                "ORDER BY version DESC LIMIT 1",
                (name,),
            ).fetchone()
            if latest is not None and latest["digest"] == digest:
                return arn, int(latest["version"])
            version = 1 if latest is None else int(latest["version"]) + 1
            tx.execute(
                "INSERT INTO pipeline_versions VALUES (?, ?, ?, ?, ?)",
                (name, version, definition, digest, now),
            )
            return arn, version

    def latest_version(self, name: str) -> int:
        rows = self.db.query(
            "SELECT MAX(version) AS v FROM pipeline_versions WHERE pipeline_name = ?", (name,)
        )
        if not rows or rows[0]["v"] is None:
            raise LocalEngineError(f"no pipeline named {name!r} in the local state (upsert it)")
        return int(rows[0]["v"])

    def definition(self, name: str, version: int) -> str:
        rows = self.db.query(
            "SELECT definition FROM pipeline_versions WHERE pipeline_name = ? AND version = ?",
            (name, version),
        )
        if not rows:
            raise LocalEngineError(f"pipeline {name!r} has no version {version}")
        return str(rows[0]["definition"])

    # ---- executions ----
    def create_execution(
        self,
        pipeline_name: str,
        version: int,
        parameters: Mapping[str, Any],
        description: str | None,
    ) -> str:
        execution_id = new_execution_id()
        arn = f"{pipeline_arn(pipeline_name)}/execution/{execution_id}"
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO executions (arn, id, pipeline_name, pipeline_version, status, "
                "parameters, description, created) VALUES (?, ?, ?, ?, 'Executing', ?, ?, ?)",
                (
                    arn,
                    execution_id,
                    pipeline_name,
                    version,
                    json.dumps(dict(parameters), sort_keys=True),
                    description,
                    utc_now(),
                ),
            )
        return arn

    def claim_execution(self, arn: str, runner: Runner, *, retry: bool) -> None:
        """The runner that is about to execute ``arn`` records itself (start or retry)."""
        with self.db.transaction() as tx:
            row = tx.execute("SELECT status FROM executions WHERE arn = ?", (arn,)).fetchone()
            if row is None:
                raise LocalEngineError(f"no execution {arn}")
            if retry and row["status"] not in ("Failed", "Stopped"):
                raise LocalEngineError(
                    f"only a Failed or Stopped execution can be retried; {arn} is {row['status']}"
                )
            tx.execute(
                "UPDATE executions SET status = 'Executing', started = COALESCE(started, ?), "
                "ended = NULL, failure_reason = NULL, stop_requested = 0, runner_pid = ?, "
                "runner_host = ?, runner_started = ? WHERE arn = ?",
                (utc_now(), runner.pid, runner.host, runner.token, arn),
            )

    def execution(self, arn: str) -> dict[str, Any]:
        self.reap_dead_runners()
        rows = self.db.query("SELECT * FROM executions WHERE arn = ?", (arn,))
        if not rows:
            raise LocalEngineError(f"no execution {arn} in the local state")
        return dict(rows[0])

    def executions(
        self, pipeline_name: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Newest first, as ListPipelineExecutions returns them; at most ``limit``."""
        self.reap_dead_runners()
        sql = "SELECT * FROM executions"
        args: tuple[object, ...] = ()
        if pipeline_name:
            sql, args = sql + " WHERE pipeline_name = ?", (pipeline_name,)
        sql += " ORDER BY created DESC"
        if limit is not None:
            sql, args = sql + " LIMIT ?", (*args, limit)
        return [dict(row) for row in self.db.query(sql, args)]

    def set_max_parallel(self, arn: str, max_parallel: int) -> None:
        """The step parallelism the runner applies (``smpipe watch`` shows it)."""
        with self.db.transaction() as tx:
            tx.execute("UPDATE executions SET max_parallel = ? WHERE arn = ?", (max_parallel, arn))

    def finish_execution(self, arn: str, status: str, failure_reason: str | None) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE executions SET status = ?, ended = ?, failure_reason = ? WHERE arn = ?",
                (status, utc_now(), failure_reason, arn),
            )

    def request_stop(self, arn: str) -> str:
        """Ask the runner to stop; returns the status the execution now has."""
        self.reap_dead_runners()
        with self.db.transaction() as tx:
            row = tx.execute("SELECT status FROM executions WHERE arn = ?", (arn,)).fetchone()
            if row is None:
                raise LocalEngineError(f"no execution {arn} in the local state")
            if row["status"] not in RUNNING:
                raise LocalEngineError(f"execution {arn} is {row['status']}: nothing to stop")
            tx.execute(
                "UPDATE executions SET status = 'Stopping', stop_requested = 1 WHERE arn = ?",
                (arn,),
            )
            return "Stopping"

    def stop_requested(self, arn: str) -> bool:
        rows = self.db.query("SELECT stop_requested FROM executions WHERE arn = ?", (arn,))
        return bool(rows and rows[0]["stop_requested"])

    def reap_dead_runners(self) -> None:
        """Mark executions whose runner process died as Failed (or Stopped if asked to stop)."""
        host = socket.gethostname()
        rows = self.db.query(
            "SELECT arn, runner_pid, runner_started, stop_requested FROM executions "
            "WHERE status IN ('Executing', 'Stopping') AND runner_host = ?",
            (host,),
        )
        for row in rows:
            pid = row["runner_pid"]
            if pid is None or process_token(int(pid)) == row["runner_started"]:
                continue
            stopped = bool(row["stop_requested"])
            reason = (
                f"the local runner (pid {pid} on {host}) ended before the execution finished "
                "(killed or crashed); `smpipe retry` runs the steps that did not succeed"
            )
            with self.db.transaction() as tx:
                still = tx.execute(
                    "SELECT status FROM executions WHERE arn = ? AND runner_pid = ?",
                    (row["arn"], pid),
                ).fetchone()
                if still is None or still["status"] not in RUNNING:
                    continue
                now = utc_now()
                tx.execute(
                    "UPDATE steps SET status = ?, ended = ?, failure_reason = ? "
                    "WHERE execution_arn = ? AND status IN ('Starting', 'Executing', 'Stopping')",
                    ("Stopped" if stopped else "Failed", now, reason, row["arn"]),
                )
                tx.execute(
                    "UPDATE executions SET status = ?, ended = ?, failure_reason = ? WHERE arn = ?",
                    ("Stopped" if stopped else "Failed", now, reason, row["arn"]),
                )

    # ---- steps ----
    def start_step(
        self, arn: str, name: str, step_type: str, log_path: str | None, cache_key: str | None
    ) -> int:
        """Record a step as Executing; returns its attempt number (retries count up)."""
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT attempt FROM steps WHERE execution_arn = ? AND name = ?", (arn, name)
            ).fetchone()
            attempt = 1 if row is None else int(row["attempt"]) + 1
            tx.execute(
                "INSERT OR REPLACE INTO steps (execution_arn, name, type, status, started, "
                "attempt, cache_key, log_path, metadata) "
                "VALUES (?, ?, ?, 'Executing', ?, ?, ?, ?, '{}')",
                (arn, name, step_type, utc_now(), attempt, cache_key, log_path),
            )
            return attempt

    def set_step_log(self, arn: str, name: str, log_path: str, job_pid: int | None) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE steps SET log_path = ?, job_pid = ? WHERE execution_arn = ? AND name = ?",
                (log_path, job_pid, arn, name),
            )

    def finish_step(
        self,
        arn: str,
        name: str,
        status: str,
        *,
        properties: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        failure_reason: str | None = None,
        cache_source: str | None = None,
    ) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE steps SET status = ?, ended = ?, properties = ?, metadata = ?, "
                "failure_reason = ?, cache_source = ?, job_pid = NULL "
                "WHERE execution_arn = ? AND name = ?",
                (
                    status,
                    utc_now(),
                    None if properties is None else json.dumps(properties, sort_keys=True),
                    json.dumps(dict(metadata or {}), sort_keys=True),
                    failure_reason,
                    cache_source,
                    arn,
                    name,
                ),
            )

    def steps(self, arn: str) -> list[dict[str, Any]]:
        """The steps that started, in the order they started."""
        rows = self.db.query(
            "SELECT * FROM steps WHERE execution_arn = ? ORDER BY started, rowid", (arn,)
        )
        return [dict(row) for row in rows]

    def find_cached(
        self, pipeline_name: str, step_name: str, cache_key: str, not_before: str | None
    ) -> dict[str, Any] | None:
        """The newest run (not itself a cache hit) of the same step with the same cache key.

        Read newest first from the ``steps_cache_hits`` index: no sort of earlier runs."""
        sql = (
            "SELECT steps.*, executions.arn AS source FROM steps INDEXED BY steps_cache_hits "
            "JOIN executions ON steps.execution_arn = executions.arn "
            "WHERE steps.cache_key = ? AND steps.name = ? AND steps.status = 'Succeeded' "
            "AND steps.cache_source IS NULL AND executions.pipeline_name = ?"
        )
        args: tuple[object, ...] = (cache_key, step_name, pipeline_name)
        if not_before is not None:
            sql, args = sql + " AND steps.ended >= ?", (*args, not_before)
        rows = self.db.query(sql + " ORDER BY steps.ended DESC LIMIT 1", args)
        return dict(rows[0]) if rows else None
