"""``smpipe upsert SPEC|DEFINITION``: create or update the pipeline (a new version locally)."""

from __future__ import annotations

from pathlib import Path

import click

from compiler.commands.options import deploy_variable_options
from pipeline.commands.options import backend_options, open_backend
from pipeline.commands.source import load_source, var_values


@click.command("upsert")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@deploy_variable_options
@click.option("--name", default=None, help="Pipeline name [default: the spec's, or file stem].")
@click.option("--role-arn", default=None, help="Execution role [default: the spec's].")
@backend_options
def upsert(
    source: Path,
    env: str | None,
    var_options: tuple[str, ...],
    name: str | None,
    role_arn: str | None,
    backend: str,
    state_dir: Path | None,
) -> None:
    """Create or update a pipeline from a spec or a compiled definition; print its ARN.

    The spec's max_parallel_steps and tags go with it (from a definition X.json, those of
    X.settings.json beside it, as `smpipe compile --settings-out` writes)."""
    pipeline = load_source(
        source, env=env, variables=var_values(var_options), name=name, role_arn=role_arn
    )
    engine = open_backend(backend, state_dir)
    click.echo(pipeline.upsert_into(engine))
