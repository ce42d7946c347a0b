"""Follow an execution until it ends: step transitions as lines, or a live table (``watch``)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import click

from pipeline.backends.interface import TERMINAL_EXECUTION_STATUSES, Backend, ExecutionSummary
from pipeline.render import short_execution, steps_table, utc


def follow(
    backend: Backend,
    arn: str,
    *,
    interval: float = 0.2,
    live_table: bool = False,
    out: TextIO | None = None,
    stop_on_interrupt: bool = True,
) -> ExecutionSummary:
    """Print changes until the execution is terminal. With ``stop_on_interrupt`` (``run``),
    Ctrl-C asks the execution to stop (twice: quit); else (``watch``) it only quits."""
    out = out or sys.stdout
    seen: dict[str, str] = {}
    interrupted = False
    while True:
        try:
            execution = backend.describe_execution(arn)
            steps = backend.list_steps(arn)
            if live_table:
                click.echo("\x1b[H\x1b[2J", nl=False, file=out)
                click.echo(_header(execution), file=out)
                click.echo(steps_table(steps), file=out)
            else:
                for step in steps:
                    label = step.status + (" (cache hit)" if step.cache_source_execution else "")
                    if seen.get(step.name) != label:
                        seen[step.name] = label
                        when = utc(step.ended if step.ended else step.started)
                        click.echo(f"  {when}  {step.name:<24} {label}", file=out)
            if execution.status in TERMINAL_EXECUTION_STATUSES:
                return execution
            time.sleep(interval)
        except KeyboardInterrupt:
            if interrupted or not stop_on_interrupt:
                raise
            interrupted = True
            click.echo("stopping the execution (Ctrl-C again to quit at once)", err=True)
            backend.stop(arn)


def _header(execution: ExecutionSummary) -> str:
    return (
        f"execution {short_execution(execution.arn)} of {execution.pipeline_name}: "
        f"{execution.status}  (started {utc(execution.started)})\n"
    )
