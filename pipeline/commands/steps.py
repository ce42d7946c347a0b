"""``smpipe steps EXEC``: the execution's steps, with status, start and end times, cache hits."""

from __future__ import annotations

import json
from pathlib import Path

import click

from compiler.commands.options import output_format_option
from pipeline.backends.interface import ExecutionSummary, StepRecord
from pipeline.commands.options import backend_options, open_backend, resolve_execution
from pipeline.render import iso, short_execution, steps_table, utc_precise


@click.command("steps")
@click.argument("execution")
@output_format_option("A table (times to the millisecond) or JSON (full ISO 8601 timestamps).")
@backend_options
def steps(execution: str, output_format: str, backend: str, state_dir: Path | None) -> None:
    """Show the steps of EXECUTION (an ARN, an execution id, or `latest`)."""
    engine = open_backend(backend, state_dir)
    arn = resolve_execution(engine, execution)
    summary = engine.describe_execution(arn)
    records = engine.list_steps(arn)
    if output_format == "json":
        click.echo(json.dumps(steps_document(summary, records), indent=2))
        return
    click.echo(
        f"execution {short_execution(arn)} of {summary.pipeline_name}: {summary.status} "
        f"(started {utc_precise(summary.started)}, ended {utc_precise(summary.ended)}"
        + (f", {_at_once(summary.max_parallel)})" if summary.max_parallel else ")")
    )
    if summary.failure_reason:
        click.echo(f"failure: {summary.failure_reason}")
    # Said once for the execution, not per step: what ran locally without its effect.
    notes = getattr(engine, "notes", None)
    for note in notes(arn) if notes is not None else []:
        click.echo(f"note: {note}")
    click.echo("")
    click.echo(steps_table(records))


def _at_once(limit: int) -> str:
    return f"at most {limit} step{'s' if limit > 1 else ''} at once"


def steps_document(summary: ExecutionSummary, records: list[StepRecord]) -> dict[str, object]:
    return {
        "execution": {
            "arn": summary.arn,
            "pipeline": summary.pipeline_name,
            "status": summary.status,
            "started": iso(summary.started),
            "ended": iso(summary.ended),
            "failure_reason": summary.failure_reason,
            "max_parallel": summary.max_parallel,
        },
        "steps": [
            {
                "name": step.name,
                "type": step.type,
                "status": step.status,
                "started": iso(step.started),
                "ended": iso(step.ended),
                "seconds": (
                    (step.ended - step.started).total_seconds()
                    if step.started and step.ended
                    else None
                ),
                "attempt": step.attempt,
                "failure_reason": step.failure_reason,
                "cache_source_execution": step.cache_source_execution,
                "metadata": dict(step.metadata),
            }
            for step in records
        ],
    }
