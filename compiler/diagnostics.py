"""Diagnostics: what rules report (a rule id, a data path, a message) and how they are shown.

Rules know nothing of YAML: they report the path of the offending value, e.g.
``("steps", 3, "conditions", 0, "right")``; :func:`locate` turns paths into file positions
with the loader's position map, and :func:`render_text` prints actionlint-style lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from compiler.loader import Path, Positions

PathElement = str | int


@dataclass(frozen=True, order=True)
class Diagnostic:
    # Field order is the sort order: by file, then position, then rule.
    file: str
    line: int
    col: int
    rule: str
    message: str
    path: tuple[PathElement, ...] = ()
    # True when the problem is the key itself (unknown, duplicate), not its value.
    at_key: bool = False
    # "error" fails validate and compile; a "warning" is shown and the command goes on.
    severity: str = "error"
    # Where the offending value ends (exclusive); 0: unknown (the start is shown alone).
    end_line: int = 0
    end_col: int = 0

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def end(self) -> tuple[int, int]:
        """(endLine, endColumn), never before the start."""
        if (self.end_line, self.end_col) <= (self.line, self.col):
            return self.line, self.col
        return self.end_line, self.end_col

    def to_json(self) -> dict[str, object]:
        """Named as common linters name them (line, column, endLine, endColumn, ...)."""
        end_line, end_col = self.end
        return {
            "file": self.file,
            "line": self.line,
            "column": self.col,
            "endLine": end_line,
            "endColumn": end_col,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "path": list(self.path),
        }


def problem(
    rule: str,
    path: Sequence[PathElement],
    message: str,
    *,
    at_key: bool = False,
    severity: str = "error",
) -> Diagnostic:
    """A diagnostic not yet positioned (rules call this; :func:`locate` fills the place)."""
    return Diagnostic("", 0, 0, rule, message, tuple(path), at_key, severity)


def locate(diagnostics: Iterable[Diagnostic], file: str, positions: Positions) -> list[Diagnostic]:
    """Give each diagnostic the position of the deepest known node on its path."""
    placed = []
    for diagnostic in diagnostics:
        line, col = positions.find(diagnostic.path, key=diagnostic.at_key)
        end_line, end_col = positions.find_end(diagnostic.path, key=diagnostic.at_key)
        placed.append(
            replace(diagnostic, file=file, line=line, col=col, end_line=end_line, end_col=end_col)
        )
    return sorted(set(placed))


def render_text(diagnostics: Sequence[Diagnostic], sources: dict[str, str]) -> str:
    """``file:line:col: message [rule]`` with the source line and a caret under the column."""
    out = []
    for d in diagnostics:
        label = "" if d.is_error else f"{d.severity}: "
        out.append(f"{d.file}:{d.line}:{d.col}: {label}{d.message} [{d.rule}]")
        lines = sources.get(d.file, "").splitlines()
        if 1 <= d.line <= len(lines):
            shown, caret = _cut(lines[d.line - 1].expandtabs(1), d.col - 1)
            out.append(f"  {shown}")
            out.append("  " + " " * caret + "^")
    return "\n".join(out) + ("\n" if out else "")


# A source line longer than this is shown cut around the caret (a 5 MB line is not echoed).
SHOWN_WIDTH = 100


def _cut(line: str, column: int) -> tuple[str, int]:
    """The part of ``line`` around ``column`` that fits SHOWN_WIDTH, and the caret's offset."""
    if len(line) <= SHOWN_WIDTH:
        return line, column
    start = max(0, min(column - SHOWN_WIDTH // 2, len(line) - SHOWN_WIDTH))
    end = start + SHOWN_WIDTH
    head = "..." if start > 0 else ""
    tail = "..." if end < len(line) else ""
    return head + line[start:end] + tail, column - start + len(head)


def render_json(diagnostics: Sequence[Diagnostic], sources: dict[str, str] | None = None) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2) + "\n"


__all__ = ["Diagnostic", "Path", "PathElement", "locate", "problem", "render_json", "render_text"]
