"""Options and helpers every run-side command shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from compiler.errors import UsageError
from pipeline.backends import BACKENDS, get_backend
from pipeline.backends.interface import Backend

F = TypeVar("F", bound=Callable[..., Any])


def backend_options(command: F) -> F:
    """``--backend local|sagemaker`` and ``--state-dir`` (local only)."""
    command = click.option(
        "--state-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="SMPIPE_STATE_DIR",
        default=None,
        help="Local backend: where the state, object store and logs live [default: .smpipe].",
    )(command)
    command = click.option(
        "--backend",
        type=click.Choice(BACKENDS),
        default="local",
        show_default=True,
        help="Run on this machine or on SageMaker.",
    )(command)
    return command


def open_backend(name: str, state_dir: Path | None, *, inline: bool = True) -> Backend:
    return get_backend(name, state_dir=state_dir, inline=inline)


def resolve_execution(backend: Backend, reference: str) -> str:
    """EXEC as given: a full execution ARN, an execution id, or ``latest``."""
    if reference.startswith("arn:"):
        return reference
    if reference == "latest":
        newest = backend.list_executions(limit=1)
        if not newest:
            raise UsageError("there is no execution yet")
        return newest[0].arn
    for execution in backend.list_executions():
        if execution.arn.rsplit("/", 1)[-1] == reference:
            return execution.arn
    raise UsageError(f"no execution {reference!r}; see `smpipe executions`")


def parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    """``K=V`` options into a dict; a malformed one is a usage error."""
    found: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise UsageError(f"{option} expects KEY=VALUE, got {pair!r}")
        found[key.strip()] = value
    return found
