"""``smpipe graph SPEC [--execution EXEC]``: the compiler's graph command, plus the steps of
one execution coloured by their status (the compiler itself never reads run state)."""

from __future__ import annotations

from pathlib import Path

import click

from compiler.commands.graph import draw
from compiler.commands.graph import graph as spec_graph
from pipeline.commands.options import backend_options, open_backend, resolve_execution


def execution_statuses(execution: str, backend: str, state_dir: Path | None) -> dict[str, str]:
    """Step name -> status (Succeeded, Failed, Executing, ...) of one execution."""
    engine = open_backend(backend, state_dir)
    arn = resolve_execution(engine, execution)
    return {record.name: record.status for record in engine.list_steps(arn)}


@click.command("graph", help=spec_graph.help, short_help=spec_graph.short_help)
def graph(**options: object) -> None:
    execution = options.pop("execution")
    backend, state_dir = options.pop("backend"), options.pop("state_dir")
    statuses = None
    if isinstance(execution, str):
        assert isinstance(backend, str) and (state_dir is None or isinstance(state_dir, Path))
        statuses = execution_statuses(execution, backend, state_dir)
    draw(statuses=statuses, **options)  # type: ignore[arg-type]


graph.params = [
    *spec_graph.params,
    click.Option(
        ["--execution"],
        metavar="EXEC",
        help="Colour each step by its status in this execution (an ARN, an execution id or "
        "`latest`); a step it has not run is drawn dashed.",
    ),
    *getattr(backend_options(lambda: None), "__click_params__", [])[::-1],
]
