"""``smpipe callback list [EXEC] | succeed TOKEN --output K=V ... | fail TOKEN --reason TEXT``:
answer the Callback steps an execution waits on (SendPipelineExecutionStepSuccess/Failure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import click

from compiler.errors import UsageError
from pipeline.backends.callbacks import CallbackBackend
from pipeline.commands.options import (
    backend_options,
    open_backend,
    parse_pairs,
    resolve_execution,
)
from pipeline.render import short_execution, table, utc


def _callbacks(backend: str, state_dir: Path | None) -> tuple[CallbackBackend, object]:
    engine = open_backend(backend, state_dir)
    if not hasattr(engine, "list_callbacks"):
        raise UsageError(f"the {backend} backend has no callback commands")
    return cast(CallbackBackend, engine), engine


@click.group("callback")
def callback() -> None:
    """Callback steps: list the tokens executions wait on, and answer them."""


@callback.command("list")
@click.argument("execution", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@backend_options
def list_callbacks(
    execution: str | None, as_json: bool, backend: str, state_dir: Path | None
) -> None:
    """The callback tokens waiting for an answer (of EXECUTION, or of every running one)."""
    callbacks, engine = _callbacks(backend, state_dir)
    arn = resolve_execution(engine, execution) if execution else None  # type: ignore[arg-type]
    found = callbacks.list_callbacks(arn)
    if as_json:
        for item in found:
            record = {
                "token": item.token,
                "execution": item.execution_arn,
                "step": item.step_name,
                "queue_url": item.queue_url,
                "status": item.status,
                "arguments": dict(item.arguments),
                "outputs": dict(item.outputs),
            }
            click.echo(json.dumps(record, sort_keys=True, default=str))
        return
    if not found:
        click.echo("no callback is waiting")
        return
    rows = [
        [
            item.token,
            short_execution(item.execution_arn),
            item.step_name,
            utc(item.started),
            ", ".join(f"{name}:{kind}" for name, kind in item.outputs.items()) or "-",
            json.dumps(dict(item.arguments), sort_keys=True, default=str),
        ]
        for item in found
    ]
    click.echo(table(["TOKEN", "EXECUTION", "STEP", "SINCE (UTC)", "OUTPUTS", "ARGUMENTS"], rows))


@callback.command("succeed")
@click.argument("token")
@click.option("--output", "outputs", multiple=True, help="An output NAME=VALUE (repeatable).")
@backend_options
def succeed(token: str, outputs: tuple[str, ...], backend: str, state_dir: Path | None) -> None:
    """Complete the Callback step waiting on TOKEN, with its outputs."""
    callbacks, _ = _callbacks(backend, state_dir)
    arn = callbacks.send_callback_success(token, parse_pairs(outputs, "--output"))
    click.echo(f"callback {token}: Succeeded (execution {short_execution(arn)})")


@callback.command("fail")
@click.argument("token")
@click.option("--reason", required=True, help="Why (the step's failure reason).")
@backend_options
def fail(token: str, reason: str, backend: str, state_dir: Path | None) -> None:
    """Fail the Callback step waiting on TOKEN."""
    callbacks, _ = _callbacks(backend, state_dir)
    arn = callbacks.send_callback_failure(token, reason)
    click.echo(f"callback {token}: Failed (execution {short_execution(arn)})")
