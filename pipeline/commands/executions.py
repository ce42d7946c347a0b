"""``smpipe executions``: the executions, newest first."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.options import backend_options, open_backend
from pipeline.render import executions_table


@click.command("executions")
@click.option("--pipeline", default=None, help="Only this pipeline's executions.")
@backend_options
def executions(pipeline: str | None, backend: str, state_dir: Path | None) -> None:
    """List executions with status, start time (UTC) and duration."""
    found = open_backend(backend, state_dir).list_executions(pipeline)
    if not found:
        click.echo("no executions yet")
        return
    click.echo(executions_table(found))
