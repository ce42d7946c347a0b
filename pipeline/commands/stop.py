"""``smpipe stop EXEC``: stop a running execution (Stopping, then Stopped)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from pipeline.backends.interface import TERMINAL_EXECUTION_STATUSES
from pipeline.commands.options import backend_options, open_backend, resolve_execution


@click.command("stop")
@click.argument("execution")
@click.option("--wait/--no-wait", default=False, help="Wait until it is Stopped.")
@backend_options
def stop(execution: str, wait: bool, backend: str, state_dir: Path | None) -> None:
    """Ask EXECUTION (an ARN, an execution id, or `latest`) to stop."""
    engine = open_backend(backend, state_dir)
    arn = resolve_execution(engine, execution)
    engine.stop(arn)
    status = engine.describe_execution(arn).status
    while wait and status not in TERMINAL_EXECUTION_STATUSES:
        time.sleep(0.2)
        status = engine.describe_execution(arn).status
    click.echo(f"execution {arn}: {status}")
