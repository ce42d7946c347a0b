"""The ``smpipe`` console script: the compiler's commands plus the run-side ones.

Commands are imported lazily (see ``compiler.lazy_group``), so ``smpipe compile`` loads
neither pandas, xgboost, boto3 nor the SageMaker SDK.
"""

from __future__ import annotations

import os
import sys

import click

from compiler.cli import COMPILER_COMMANDS
from compiler.errors import SmpipeError
from compiler.lazy_group import LazyGroup

PIPELINE_COMMANDS: dict[str, str] = {
    "run": "pipeline.commands.run:run",
    "upsert": "pipeline.commands.upsert:upsert",
    "start": "pipeline.commands.start:start",
    "executions": "pipeline.commands.executions:executions",
    "steps": "pipeline.commands.steps:steps",
    "params": "pipeline.commands.params:params",
    "logs": "pipeline.commands.logs:logs",
    "watch": "pipeline.commands.watch:watch",
    "retry": "pipeline.commands.retry:retry",
    "stop": "pipeline.commands.stop:stop",
    "registry": "pipeline.commands.registry:registry",
    "bundle": "pipeline.commands.bundle:bundle",
    "put": "pipeline.commands.put:put",
    "evidence": "pipeline.commands.evidence:evidence",
    "import": "pipeline.commands.importer:import_command",
    "init": "pipeline.commands.init:init",
    # The compiler's graph, plus --execution (run state lives on this side).
    "graph": "pipeline.commands.graph:graph",
    "callback": "pipeline.commands.callback:callback",
}

cli = LazyGroup(
    name="smpipe",
    lazy_commands={**COMPILER_COMMANDS, **PIPELINE_COMMANDS},
    help="Validate and compile SageMaker pipeline specs; run them locally or on SageMaker.",
)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from compiler.formats import version_text

    click.echo(version_text())
    ctx.exit()


# The version and the spec format versions it reads; the models load only when asked.
cli = click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the spec format versions it reads, and exit.",
)(cli)


def main() -> None:
    """Entry point: known failures print one line and exit non-zero, never a traceback."""
    try:
        # Without standalone mode click returns ctx.exit()'s code instead of raising it
        # (LazyGroup exits that way on SmpipeError): pass it on.
        code = cli.main(standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool) and code:
            sys.exit(code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except SmpipeError as error:
        click.echo(f"smpipe: error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as error:  # the last line of defence: a bug, not bad input
        if os.environ.get("SMPIPE_DEBUG"):
            raise
        click.echo(
            f"smpipe: internal error: {type(error).__name__}: {error} "
            "(set SMPIPE_DEBUG=1 for the traceback, and please report it)",
            err=True,
        )
        sys.exit(3)
