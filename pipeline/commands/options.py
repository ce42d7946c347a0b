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


def max_parallel_option(command: F) -> F:
    """``--max-parallel N``: the local engine's cap on steps running at once."""
    return click.option(
        "--max-parallel",
        type=click.IntRange(min=1),
        default=None,
        help="Local backend: run at most N steps at once (the pipeline's MaxParallelExecution"
        "Steps may set fewer) [default: $SMPIPE_MAX_PARALLEL, else the number of cores].",
    )(command)


def open_backend(
    name: str, state_dir: Path | None, *, inline: bool = True, max_parallel: int | None = None
) -> Backend:
    if max_parallel is not None and name != "local":
        raise UsageError(
            "--max-parallel caps the local engine; on SageMaker the pipeline's "
            "ParallelismConfiguration applies"
        )
    return get_backend(name, state_dir=state_dir, inline=inline, max_parallel=max_parallel)


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
