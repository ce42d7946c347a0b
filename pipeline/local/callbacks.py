"""Callback steps' tokens in the local state: the message SageMaker would send to the SQS
queue, and the answer ``smpipe callback succeed|fail`` gives (what
SendPipelineExecutionStepSuccess / SendPipelineExecutionStepFailure do on SageMaker).

A token is ``Waiting`` until answered (``Succeeded``/``Failed``) or until its execution
stops (``Stopped``); an answer to a token that is no longer waiting is refused, as SageMaker
refuses it. Any process may answer: the waiting runner polls the row.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.local.database import Database, utc_now
from pipeline.local.errors import LocalEngineError

WAITING = "Waiting"
TOKEN_LENGTH = 10  # SendPipelineExecutionStepSuccess: CallbackToken, fixed length 10
MAX_FAILURE_REASON = 256
MAX_OUTPUT_VALUE = 1024


@dataclass(frozen=True)
class Callback:
    token: str
    execution_arn: str
    step_name: str
    queue_url: str
    message: Mapping[str, Any]
    output_types: Mapping[str, str]
    status: str
    created: str
    outputs: Mapping[str, Any] = field(default_factory=dict)
    failure_reason: str | None = None
    ended: str | None = None


def new_token() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(TOKEN_LENGTH))


def typed_output(name: str, kind: str, value: Any) -> Any:
    """A Lambda or Callback output as its declared OutputType (String, Integer, Float,
    Boolean); raises ValueError saying why a value does not fit."""
    if kind == "String":
        if isinstance(value, (dict, list)):
            return json.dumps(value, sort_keys=True)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    if kind == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError(f"output {name!r} is Boolean; {value!r} is not true or false")
    if kind == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"output {name!r} is Integer; {value!r} is not an integer") from None
    if kind == "Float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return float(str(value).strip())
        except ValueError:
            raise ValueError(f"output {name!r} is Float; {value!r} is not a number") from None
    raise ValueError(f"output {name!r} has unknown type {kind!r}")


def output_types(step_raw: Mapping[str, Any]) -> dict[str, str]:
    """OutputName -> OutputType of a Lambda or Callback step's definition entry."""
    return {
        str(item.get("OutputName")): str(item.get("OutputType") or "String")
        for item in step_raw.get("OutputParameters") or []
    }


class Callbacks:
    def __init__(self, database: Database) -> None:
        self.db = database

    def create(
        self,
        execution_arn: str,
        step_name: str,
        queue_url: str,
        arguments: Mapping[str, Any],
        types: Mapping[str, str],
    ) -> Callback:
        token = new_token()
        message = {"token": token, "pipelineExecutionArn": execution_arn, "arguments": arguments}
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO callbacks (token, execution_arn, step_name, queue_url, message, "
                "output_types, status, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token,
                    execution_arn,
                    step_name,
                    queue_url,
                    json.dumps(message, sort_keys=True, default=str),
                    json.dumps(dict(types), sort_keys=True),
                    WAITING,
                    utc_now(),
                ),
            )
        return self.get(token)

    def get(self, token: str) -> Callback:
        rows = self.db.query("SELECT * FROM callbacks WHERE token = ?", (token,))
        if not rows:
            raise LocalEngineError(
                f"no callback token {token!r} in the local state; see `smpipe callback list`"
            )
        return _callback(dict(rows[0]))

    def list(
        self, execution_arn: str | None = None, *, waiting_only: bool = True
    ) -> list[Callback]:
        sql, args = "SELECT * FROM callbacks", []
        clauses = []
        if execution_arn is not None:
            clauses.append("execution_arn = ?")
            args.append(execution_arn)
        if waiting_only:  # and still answerable: its execution runs
            clauses.append(
                "status = ? AND execution_arn IN "
                "(SELECT arn FROM executions WHERE status IN ('Executing', 'Stopping'))"
            )
            args.append(WAITING)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows = self.db.query(sql + " ORDER BY created", tuple(args))
        return [_callback(dict(row)) for row in rows]

    def show_on_step(self, callback: Callback) -> None:
        """Put the token on the waiting step's record, so ``smpipe steps`` shows it."""
        metadata = {"CallbackToken": callback.token, "SqsQueueUrl": callback.queue_url}
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE steps SET metadata = ? WHERE execution_arn = ? AND name = ?",
                (json.dumps(metadata, sort_keys=True), callback.execution_arn, callback.step_name),
            )

    def succeed(self, token: str, outputs: Mapping[str, str]) -> Callback:
        callback = self.get(token)
        unknown = sorted(set(outputs) - set(callback.output_types))
        if unknown:
            declared = ", ".join(callback.output_types) or "none"
            raise LocalEngineError(
                f"step {callback.step_name} declares no output {', '.join(unknown)} "
                f"(its outputs: {declared})"
            )
        typed = {}
        for name, value in outputs.items():
            if len(value) > MAX_OUTPUT_VALUE:
                raise LocalEngineError(
                    f"output {name!r} is {len(value)} characters; SageMaker takes at most "
                    f"{MAX_OUTPUT_VALUE}"
                )
            try:
                typed[name] = typed_output(name, callback.output_types[name], value)
            except ValueError as error:
                raise LocalEngineError(str(error)) from None
        return self._answer(token, "Succeeded", json.dumps(typed, sort_keys=True), None)

    def fail(self, token: str, reason: str) -> Callback:
        if len(reason) > MAX_FAILURE_REASON:
            raise LocalEngineError(
                f"the failure reason is {len(reason)} characters; SageMaker takes at most "
                f"{MAX_FAILURE_REASON}"
            )
        return self._answer(token, "Failed", None, reason)

    def stop(self, token: str) -> None:
        """The execution stopped: the token can no longer be answered."""
        self._answer(token, "Stopped", None, "the execution was stopped", quiet=True)

    def _answer(
        self,
        token: str,
        status: str,
        outputs: str | None,
        reason: str | None,
        *,
        quiet: bool = False,
    ) -> Callback:
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT callbacks.status, executions.status AS execution_status FROM callbacks "
                "JOIN executions ON executions.arn = callbacks.execution_arn WHERE token = ?",
                (token,),
            ).fetchone()
            if row is None:
                raise LocalEngineError(
                    f"no callback token {token!r} in the local state; see `smpipe callback list`"
                )
            if row["status"] != WAITING:
                if quiet:
                    return self.get(token)
                raise LocalEngineError(
                    f"callback {token} is {row['status']}, no longer waiting for an answer"
                )
            if not quiet and row["execution_status"] != "Executing":
                raise LocalEngineError(
                    f"callback {token}: its execution is {row['execution_status']}, "
                    "so nothing waits for the answer"
                )
            tx.execute(
                "UPDATE callbacks SET status = ?, outputs = ?, failure_reason = ?, ended = ? "
                "WHERE token = ?",
                (status, outputs, reason, utc_now(), token),
            )
        return self.get(token)


def _callback(row: dict[str, Any]) -> Callback:
    return Callback(
        token=row["token"],
        execution_arn=row["execution_arn"],
        step_name=row["step_name"],
        queue_url=row["queue_url"],
        message=json.loads(row["message"]),
        output_types=json.loads(row["output_types"]),
        status=row["status"],
        created=row["created"],
        outputs=json.loads(row["outputs"] or "{}"),
        failure_reason=row["failure_reason"],
        ended=row["ended"],
    )
