"""``smpipe steps EXEC``: the execution's steps, with status, duration and cache hits."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.options import backend_options, open_backend, resolve_execution
from pipeline.render import short_execution, steps_table, utc


@click.command("steps")
@click.argument("execution")
@backend_options
def steps(execution: str, backend: str, state_dir: Path | None) -> None:
    """Show the steps of EXECUTION (an ARN, an execution id, or `latest`)."""
    engine = open_backend(backend, state_dir)
    arn = resolve_execution(engine, execution)
    summary = engine.describe_execution(arn)
    click.echo(
        f"execution {short_execution(arn)} of {summary.pipeline_name}: {summary.status} "
        f"(started {utc(summary.started)}, ended {utc(summary.ended)})"
    )
    if summary.failure_reason:
        click.echo(f"failure: {summary.failure_reason}")
    click.echo("")
    click.echo(steps_table(engine.list_steps(arn)))
