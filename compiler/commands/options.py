"""Options shared by the compile-side commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def deploy_variable_options(function: F) -> F:
    """``--env NAME`` and ``--var KEY=VALUE`` (repeatable; wins over the env file)."""
    function = click.option(
        "--var",
        "var_options",
        multiple=True,
        metavar="KEY=VALUE",
        help="Set a deploy variable (repeatable); wins over the environment file.",
    )(function)
    function = click.option(
        "--env",
        "env",
        metavar="NAME",
        help="Deploy variables from spec/env/NAME.yaml next to the spec (e.g. dev).",
    )(function)
    return function


def parse_limit_option(function: F) -> F:
    """``--parse-limit NAME=N``: raise one of the bounds on loading a spec (untrusted input)."""
    return click.option(
        "--parse-limit",
        "parse_limits",
        multiple=True,
        metavar="NAME=N",
        help="Raise a bound on loading the spec: max-bytes (1048576), max-depth (64), "
        "max-aliases (1000), max-nodes (200000, values after alias expansion).",
    )(function)


def output_format_option(
    help_text: str, choices: tuple[str, ...] = ("text", "json")
) -> Callable[[F], F]:
    """``--format text|json|...`` (as ``output_format``), with what each gives in ``help_text``."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default="text",
        show_default=True,
        help=help_text,
    )


format_option = output_format_option(
    "Diagnostics as text (file:line:col with a caret), JSON (line, column, endLine, endColumn, "
    "rule, severity, message), GitHub Actions annotations, or SARIF 2.1.0 for code scanning.",
    ("text", "json", "github", "sarif"),
)


def spec_path_argument(name: str = "spec", *, nargs: int = 1) -> Callable[[F], F]:
    # exists=False: a missing file is reported as a positioned diagnostic, not a usage error.
    return click.argument(name, nargs=nargs, type=click.Path(dir_okay=True, path_type=str))


def strict_option(function: F) -> F:
    return click.option(
        "--strict",
        is_flag=True,
        help="Treat warnings (e.g. param-unused) as errors: exit 1 if there are any.",
    )(function)
