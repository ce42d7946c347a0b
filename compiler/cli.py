"""The compile-side commands of the ``smpipe`` CLI.

Each command lives in ``compiler/commands/<verb>.py``; this list is the one place that names
them. ``pipeline.cli`` adds the run-side commands and is the console script's entry point.
"""

from __future__ import annotations

COMPILER_COMMANDS: dict[str, str] = {
    "validate": "compiler.commands.validate:validate",
    "compile": "compiler.commands.compile:compile_command",
    "graph": "compiler.commands.graph:graph",
    "diff": "compiler.commands.diff:diff",
    "schema": "compiler.commands.schema:schema",
}
