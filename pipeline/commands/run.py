"""``smpipe run SPEC|DEFINITION``: upsert, start, follow to the end, and summarise."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

from compiler.commands.options import deploy_variable_options
from compiler.errors import SmpipeError
from pipeline.backends.interface import Backend
from pipeline.commands.follow import follow
from pipeline.commands.options import (
    backend_options,
    max_parallel_option,
    open_backend,
    parse_pairs,
)
from pipeline.commands.source import load_source, var_values
from pipeline.commands.summary import print_summary


@click.command("run")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@deploy_variable_options
@click.option("--param", "params", multiple=True, help="Pipeline parameter NAME=VALUE.")
@click.option("--name", default=None, help="Pipeline name [default: the spec's, or file stem].")
@click.option("--description", default=None, help="The execution's description.")
@click.option("--no-wait", is_flag=True, help="Start and return (the run goes on detached).")
@max_parallel_option
@backend_options
def run(
    source: Path,
    env: str | None,
    var_options: tuple[str, ...],
    params: tuple[str, ...],
    name: str | None,
    description: str | None,
    no_wait: bool,
    max_parallel: int | None,
    backend: str,
    state_dir: Path | None,
) -> None:
    """Run a pipeline: SOURCE is a spec (compiled first) or a compiled definition JSON.

    Exits 0 when the execution Succeeded, 1 when it Failed or was Stopped."""
    pipeline = load_source(source, env=env, variables=var_values(var_options), name=name)
    engine = open_backend(backend, state_dir, inline=not no_wait, max_parallel=max_parallel)
    pipeline.upsert_into(engine)
    arn = engine.start(
        pipeline.name,
        parse_pairs(params, "--param"),
        description,
        max_parallel_steps=pipeline.max_parallel_steps,
    )
    click.echo(f"execution {arn}")
    if no_wait:
        return
    sys.exit(wait_and_summarise(engine, arn))


def wait_and_summarise(engine: Backend, arn: str) -> int:
    """Follow to the end (SIGTERM and Ctrl-C stop the execution), summarise, exit code."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        execution = follow(engine, arn)
    finally:
        signal.signal(signal.SIGTERM, previous)
    waiter = getattr(engine, "wait", None)
    if waiter is not None:
        waiter(arn)
    try:
        print_summary(engine, execution)
    except SmpipeError as error:
        click.echo(f"smpipe: cannot summarise: {error}", err=True)
    return 0 if execution.status == "Succeeded" else 1
