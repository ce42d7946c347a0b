"""``smpipe validate SPEC...``: report every problem of each spec, sorted by position."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compiler.commands.options import (
    deploy_variable_options,
    format_option,
    parse_limit_option,
    strict_option,
)
from compiler.compile import check_spec_file
from compiler.diagnostic_formats import render_github, render_sarif
from compiler.diagnostics import Diagnostic, render_json, render_text
from compiler.gc_pause import skip_exit_collection
from compiler.variables import parse_var_options
from compiler.yaml_limits import DEFAULT_LIMITS


@click.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=str))
@deploy_variable_options
@parse_limit_option
@format_option
@strict_option
def validate(
    specs: tuple[str, ...],
    env: str | None,
    var_options: tuple[str, ...],
    parse_limits: tuple[str, ...],
    output_format: str,
    strict: bool,
) -> None:
    """Check pipeline specs against the schema and every rule (docs/rules.md).

    Without --env/--var, deploy variables (${name}) are left unresolved and the checks
    that need their values (names, region, role) are skipped; with them, the spec is
    also compiled and the definition checked.

    Exit status: 0 no problems (warnings are shown), 1 problems found (with --strict,
    warnings too), 2 usage error.
    """
    skip_exit_collection()
    overrides = parse_var_options(var_options)
    limits = DEFAULT_LIMITS.with_overrides(parse_limits)
    diagnostics: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for spec in specs:
        result = check_spec_file(
            Path(spec), env, overrides, display_name=spec, limits=limits, strict=strict
        )
        diagnostics.extend(result.diagnostics)
        sources.update(result.sources)
    if output_format != "text":
        render = {"json": render_json, "github": render_github, "sarif": render_sarif}
        click.echo(render[output_format](diagnostics), nl=False)
    else:
        click.echo(render_text(diagnostics, sources), nl=False)
        errors = sum(1 for d in diagnostics if d.is_error)
        if errors:
            click.echo(f"{errors} problem{'s' if errors != 1 else ''} found", err=True)
        else:
            for spec in specs:
                click.echo(f"{spec}: ok", err=True)
    sys.exit(1 if any(d.is_error for d in diagnostics) else 0)
