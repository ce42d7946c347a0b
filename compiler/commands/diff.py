"""``smpipe diff A B``: what changed between two pipelines, by parameter and by step."""

from __future__ import annotations

import sys

import click

from compiler.commands.options import deploy_variable_options, output_format_option
from compiler.diff import diff_definitions
from compiler.diff_render import render_json, render_text
from compiler.diff_sources import load_side
from compiler.variables import parse_var_options


@click.command()
@click.argument("old", metavar="A")
@click.argument("new", metavar="B")
@deploy_variable_options
@output_format_option("Markdown-friendly text (for $GITHUB_STEP_SUMMARY) or JSON.")
def diff(
    old: str, new: str, env: str | None, var_options: tuple[str, ...], output_format: str
) -> None:
    """Compare two pipelines: parameters and steps added, removed or changed, field by field.

    A and B are each a spec (YAML, compiled first with --env/--var) or a definition
    (JSON, e.g. from `smpipe compile` or DescribePipeline). Either may be a git revision,
    REV:path, e.g. main:spec/titanic-modelbuild.yaml or origin/main:build/x.json; a path
    that exists on disk is always the file. A spec read from git takes its env file from
    the working tree's spec/env/ (env files rarely change with the spec).

    Steps are matched by name wherever they sit (top level or a condition's branches),
    named lists (ProcessingInputs, Outputs, InputDataConfig...) by name, not position.

    Exit status: 0 no differences, 1 they differ, 2 a side cannot be read or compiled.
    """
    variables = parse_var_options(var_options)
    before = load_side(old, env, variables)
    after = load_side(new, env, variables)
    changes = diff_definitions(before.definition, after.definition)
    render = render_json if output_format == "json" else render_text
    click.echo(render(changes, before.label, after.label), nl=False)
    sys.exit(0 if changes.equal else 1)
