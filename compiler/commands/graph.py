"""``smpipe graph SPEC``: the pipeline as a Mermaid flowchart, for READMEs and reviews."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compiler.commands.options import deploy_variable_options
from compiler.compile import check_spec_file
from compiler.diagnostics import render_text
from compiler.graph import render_graph
from compiler.variables import parse_var_options


@click.command()
@click.argument("spec", type=click.Path(path_type=str))
@deploy_variable_options
@click.option(
    "--parameters", is_flag=True, help="Also draw the parameters and the steps that read them."
)
@click.option(
    "--markdown", is_flag=True, help="Wrap the chart in a ```mermaid fence (README, PR summary)."
)
def graph(
    spec: str, env: str | None, var_options: tuple[str, ...], parameters: bool, markdown: bool
) -> None:
    """Print the pipeline as a Mermaid flowchart (flowchart TD).

    One node per step with its type, an edge per data dependency labelled with the output
    or property file that flows, dotted edges for depends_on, the condition as a rhombus
    with yes/no edges. Needs no deploy variables; with --env/--var the spec is also
    checked as compile checks it.

    Exit status: 0 drawn, 1 the spec has problems (shown as by validate), 2 usage error.
    """
    draw(spec, env, var_options, parameters, markdown)


def draw(
    spec: str,
    env: str | None,
    var_options: tuple[str, ...],
    parameters: bool,
    markdown: bool,
    statuses: dict[str, str] | None = None,
) -> None:
    """Check the spec and print its chart (coloured by ``statuses`` when given)."""
    result = check_spec_file(Path(spec), env, parse_var_options(var_options), display_name=spec)
    if not result.ok or result.spec is None:
        click.echo(render_text(result.diagnostics, result.sources), nl=False, err=True)
        count = len(result.diagnostics)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        sys.exit(1)
    chart = render_graph(result.spec, parameters=parameters, statuses=statuses)
    click.echo(f"```mermaid\n{chart}```\n" if markdown else chart, nl=False)
