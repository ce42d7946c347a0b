"""``smpipe retry EXEC``: run again the failed and not-run steps of a failed execution."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.commands.options import (
    backend_options,
    max_parallel_option,
    open_backend,
    resolve_execution,
)
from pipeline.commands.run import wait_and_summarise


@click.command("retry")
@click.argument("execution")
@click.option("--no-wait", is_flag=True, help="Return at once (the retry goes on detached).")
@max_parallel_option
@backend_options
def retry(
    execution: str, no_wait: bool, max_parallel: int | None, backend: str, state_dir: Path | None
) -> None:
    """Retry EXECUTION (same ARN, like RetryPipelineExecution); succeeded steps are kept."""
    engine = open_backend(backend, state_dir, inline=not no_wait, max_parallel=max_parallel)
    arn = engine.retry(resolve_execution(engine, execution))
    click.echo(f"retrying execution {arn}")
    if not no_wait:
        sys.exit(wait_and_summarise(engine, arn))
