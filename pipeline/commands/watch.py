"""``smpipe watch EXEC``: a live table of the steps until the execution ends."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.commands.follow import follow
from pipeline.commands.options import backend_options, open_backend, resolve_execution
from pipeline.render import steps_table


@click.command("watch")
@click.argument("execution")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between redraws.")
@backend_options
def watch(execution: str, interval: float, backend: str, state_dir: Path | None) -> None:
    """Redraw EXECUTION's steps until it ends (plain lines when not on a terminal), with how
    many steps run out of the execution's limit (`running 2/4`).

    Exits 0 when it Succeeded, 1 otherwise. Ctrl-C leaves the execution running."""
    engine = open_backend(backend, state_dir)
    arn = resolve_execution(engine, execution)
    live = sys.stdout.isatty()
    summary = follow(
        engine, arn, interval=interval, live_table=live, stop_on_interrupt=False, show_running=True
    )
    if not live:
        click.echo("")
        click.echo(steps_table(engine.list_steps(arn)))
    click.echo(
        f"\nexecution {summary.status}"
        + (f": {summary.failure_reason}" if summary.failure_reason else "")
    )
    sys.exit(0 if summary.status == "Succeeded" else 1)
