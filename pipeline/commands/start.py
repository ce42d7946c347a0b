"""``smpipe start PIPELINE``: start an execution of an upserted pipeline and return."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.options import (
    backend_options,
    max_parallel_option,
    open_backend,
    parse_pairs,
)


@click.command("start")
@click.argument("pipeline")
@click.option("--param", "params", multiple=True, help="Pipeline parameter NAME=VALUE.")
@click.option("--description", default=None, help="The execution's description.")
@max_parallel_option
@click.option(
    "--max-parallel-steps",
    type=click.IntRange(min=1),
    default=None,
    help="This execution's ParallelismConfiguration: at most N steps at once, on any backend "
    "(overrides the pipeline's max_parallel_steps).",
)
@backend_options
def start(
    pipeline: str,
    params: tuple[str, ...],
    description: str | None,
    max_parallel: int | None,
    max_parallel_steps: int | None,
    backend: str,
    state_dir: Path | None,
) -> None:
    """Start PIPELINE (locally in a detached runner); print the execution ARN."""
    engine = open_backend(backend, state_dir, inline=False, max_parallel=max_parallel)
    click.echo(
        engine.start(
            pipeline,
            parse_pairs(params, "--param"),
            description,
            max_parallel_steps=max_parallel_steps,
        )
    )
