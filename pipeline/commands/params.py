"""``smpipe params EXEC``: the parameter values an execution ran with."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.options import backend_options, open_backend, resolve_execution
from pipeline.render import table


@click.command("params")
@click.argument("execution")
@backend_options
def params(execution: str, backend: str, state_dir: Path | None) -> None:
    """Show the parameters of EXECUTION (an ARN, an execution id, or `latest`)."""
    engine = open_backend(backend, state_dir)
    values = engine.parameters(resolve_execution(engine, execution))
    click.echo(table(["PARAMETER", "VALUE"], [[k, v] for k, v in sorted(values.items())]))
