"""``smpipe logs EXEC STEP``: a step's log (local) or where to read it (SageMaker)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.options import backend_options, open_backend, resolve_execution


@click.command("logs")
@click.argument("execution")
@click.argument("step")
@click.option("--path", "path_only", is_flag=True, help="Print only the log file's path.")
@backend_options
def logs(execution: str, step: str, path_only: bool, backend: str, state_dir: Path | None) -> None:
    """Print the log of STEP in EXECUTION (an ARN, an execution id, or `latest`)."""
    engine = open_backend(backend, state_dir)
    arn = resolve_execution(engine, execution)
    locate = getattr(engine, "step_log_path", None)
    if path_only and locate is not None:
        click.echo(str(locate(arn, step) or ""))
        return
    click.echo(engine.step_log(arn, step), nl=False)
