"""``smpipe compile SPEC --env NAME [-o FILE]``: the SageMaker pipeline definition JSON."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from compiler.commands.options import deploy_variable_options, parse_limit_option, strict_option
from compiler.compile import compile_spec_file
from compiler.diagnostics import render_text
from compiler.emit.settings import dumps_settings
from compiler.errors import UsageError
from compiler.gc_pause import skip_exit_collection
from compiler.variables import parse_var_options
from compiler.yaml_limits import DEFAULT_LIMITS


@click.command("compile")
@click.argument("spec", type=click.Path(path_type=str))
@deploy_variable_options
@parse_limit_option
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the definition here (atomically) instead of standard output.",
)
@click.option(
    "--settings-out",
    metavar="FILE",
    help="Also write the pipeline's settings (ParallelismConfiguration, Tags: not part of the "
    "definition) as JSON here; Terraform and `smpipe upsert DEFINITION` read them.",
)
@strict_option
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing: exit 1 if the -o FILE is missing or differs from what the spec "
    "compiles to (a committed definition that is out of date), 0 if it is current.",
)
def compile_command(
    spec: str,
    env: str | None,
    var_options: tuple[str, ...],
    parse_limits: tuple[str, ...],
    output: str | None,
    settings_out: str | None,
    strict: bool,
    check: bool,
) -> None:
    """Compile a spec into the SageMaker pipeline definition JSON.

    Offline and deterministic: sorted keys, 2-space indent, trailing newline; the same
    spec and deploy variables give the same bytes on any machine. The output is checked
    against schemas/pipeline-definition.schema.json first; past CreatePipeline's inline
    limit (1 MiB) it is still written, with a warning to deploy it through S3.
    Deploy variables come from --env (spec/env/NAME.yaml) and --var KEY=VALUE.
    Warnings (e.g. a parameter nothing reads) are shown and the definition is written;
    with --strict they are errors and nothing is written.
    With --check, nothing is written: the -o FILE must already hold exactly this output
    (the pre-commit hook smpipe-compiled-current uses it).
    """
    if check and (output is None or output == "-"):
        raise UsageError("--check needs -o FILE: the committed definition to compare")
    skip_exit_collection()
    limits = DEFAULT_LIMITS.with_overrides(parse_limits)
    variables = parse_var_options(var_options)
    result = compile_spec_file(
        Path(spec), env, variables, display_name=spec, limits=limits, strict=strict
    )
    if result.warnings:
        click.echo(render_text(result.warnings, {}), nl=False, err=True)
    if settings_out:
        write_atomically(Path(settings_out), dumps_settings(result.settings))
    if output is None or output == "-":
        click.echo(result.text, nl=False)
        return
    if check:
        _check_current(Path(output), result.text, spec)
        return
    write_atomically(Path(output), result.text)
    click.echo(
        f"wrote {output} ({len(result.text.encode())} bytes, pipeline {result.pipeline_name})",
        err=True,
    )


def _check_current(path: Path, text: str, spec: str) -> None:
    try:
        current = path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        current = False
    if not current:
        state = "is out of date" if path.is_file() else "does not exist"
        click.echo(
            f"{path} {state}: it is not what {spec} compiles to; run the same "
            "smpipe compile without --check to write it, and commit it",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{path} is current ({spec})", err=True)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a definition."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory; -o takes a file path")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"cannot write {path}: folder {directory} does not exist")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
