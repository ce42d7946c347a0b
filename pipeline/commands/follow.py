"""Follow an execution until it ends: step transitions as lines, or a live table (``watch``)."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from typing import TextIO

import click

from pipeline.backends.interface import TERMINAL_EXECUTION_STATUSES, Backend, ExecutionSummary
from pipeline.render import running_note, short_execution, steps_table, utc


def follow(
    backend: Backend,
    arn: str,
    *,
    interval: float = 0.2,
    live_table: bool = False,
    out: TextIO | None = None,
    stop_on_interrupt: bool = True,
    show_running: bool = False,
) -> ExecutionSummary:
    """Print changes until the execution is terminal. With ``stop_on_interrupt`` (``run``),
    Ctrl-C asks the execution to stop (twice: quit); else (``watch``) it only quits. With
    ``show_running``, plain lines also say how many steps run, out of the limit.

    Between looks it sleeps ``interval`` seconds, or less: a backend with a ``pause`` method
    (the local one, for the executions it runs itself) wakes it when the execution ends."""
    out = out or sys.stdout
    seen: dict[str, str] = {}
    running = ""
    interrupted = False
    pause = getattr(backend, "pause", None)
    while True:
        try:
            execution = backend.describe_execution(arn)
            steps = backend.list_steps(arn)
            if live_table:
                click.echo("\x1b[H\x1b[2J", nl=False, file=out)
                click.echo(_header(execution, running_note(execution, steps)), file=out)
                click.echo(steps_table(steps), file=out)
            else:
                for step in steps:
                    label = step.status + (" (cache hit)" if step.cache_source_execution else "")
                    if seen.get(step.name) != label:
                        seen[step.name] = label
                        when = utc(step.ended if step.ended else step.started)
                        click.echo(f"  {when}  {step.name:<24} {label}", file=out)
                note = running_note(execution, steps)
                if show_running and note != running:
                    running = note
                    click.echo(f"  {utc(datetime.now(timezone.utc))}  {note}", file=out)
            if execution.status in TERMINAL_EXECUTION_STATUSES:
                return execution
            if pause is not None:
                pause(arn, interval)
            else:
                time.sleep(interval)
        except KeyboardInterrupt:
            if interrupted or not stop_on_interrupt:
                raise
            interrupted = True
            click.echo("stopping the execution (Ctrl-C again to quit at once)", err=True)
            backend.stop(arn)


def _header(execution: ExecutionSummary, running: str) -> str:
    return (
        f"execution {short_execution(execution.arn)} of {execution.pipeline_name}: "
        f"{execution.status}  (started {utc(execution.started)}, {running})\n"
    )
