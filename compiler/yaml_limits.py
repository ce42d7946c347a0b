"""Bounds on what loading a spec may cost: specs arrive in pull requests, forks included.

A few hundred bytes of YAML aliases (the "billion laughs" pattern) expand to billions of
nodes, and a deeply nested document exhausts the stack of a recursive composer. Before a
document is composed, :func:`scan` walks its parser events (iteratively: the parser keeps
its own stack) and measures, without expanding anything, the nesting depth, the number of
aliases and the number of nodes the aliases would expand to; the first limit crossed ends
the load with the position where it happened. The file size is checked before parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import yaml

from compiler.errors import UsageError


@dataclass(frozen=True)
class Limits:
    """Each limit is named as on the command line (``--parse-limit max-depth=128``)."""

    max_bytes: int = 1_048_576
    max_depth: int = 64
    max_aliases: int = 1_000
    max_nodes: int = 200_000

    def with_overrides(self, options: tuple[str, ...] | list[str]) -> Limits:
        """``NAME=N`` options (``max-bytes``, ``max-depth``, ``max-aliases``, ``max-nodes``)."""
        changed = self
        known = [f.name.replace("_", "-") for f in fields(self)]
        for option in options:
            name, sep, value = option.partition("=")
            if not sep or name not in known or not value.isdigit() or int(value) < 1:
                raise UsageError(
                    f"--parse-limit expects NAME=N with N a positive whole number and NAME one "
                    f'of {", ".join(known)}; got "{option}"'
                )
            changed = replace(changed, **{name.replace("-", "_"): int(value)})
        return changed


DEFAULT_LIMITS = Limits()


class LimitExceeded(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def _raise_hint(name: str, value: int) -> str:
    return f"(limit {name}={value}; if the spec legitimately needs more, raise it with --parse-limit {name}=N)"


def check_size(head: bytes, size: int, limits: Limits) -> None:
    """``head``: the file's first bytes (at least ``max_bytes`` of them when it is larger)."""
    if size > limits.max_bytes:
        line = head[: limits.max_bytes].count(b"\n") + 1  # where the limit is crossed
        raise LimitExceeded(
            line,
            1,
            f"the spec is {size:,} bytes, more than a spec may be "
            + _raise_hint("max-bytes", limits.max_bytes),
        )


def scan(text: str, loader: Any, limits: Limits) -> None:
    """Walk ``text``'s parser events with ``loader`` (a PyYAML Loader class); raise
    :class:`LimitExceeded` at the first limit crossed, or the parser's own YAMLError."""
    parser = loader(text)
    try:
        _walk(parser, limits)
    finally:
        parser.dispose()


def _walk(parser: Any, limits: Limits) -> None:
    open_anchors: list[str | None] = []
    sizes_open: list[int] = []
    anchor_sizes: dict[str, int] = {}
    aliases = 0
    total = 0

    def add(size: int) -> None:
        if sizes_open:
            sizes_open[-1] += size

    while True:
        event = parser.get_event()
        if event is None or isinstance(event, yaml.StreamEndEvent):
            return
        mark = event.start_mark
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            total += 1
            if len(open_anchors) >= limits.max_depth:
                raise LimitExceeded(
                    mark.line + 1,
                    mark.column + 1,
                    f"the spec nests more than {limits.max_depth} levels deep "
                    + _raise_hint("max-depth", limits.max_depth),
                )
            open_anchors.append(event.anchor)
            sizes_open.append(1)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor = open_anchors.pop()
            size = sizes_open.pop()
            if anchor is not None:
                anchor_sizes[anchor] = size
            add(size)
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor is not None:
                anchor_sizes[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            where = (mark.line + 1, mark.column + 1)
            if aliases > limits.max_aliases:
                raise LimitExceeded(
                    *where,
                    f"the spec uses more than {limits.max_aliases:,} aliases "
                    + _raise_hint("max-aliases", limits.max_aliases),
                )
            if event.anchor in open_anchors:
                raise LimitExceeded(
                    *where,
                    f'alias "*{event.anchor}" refers to "&{event.anchor}" from inside it: '
                    "a recursive structure has no end",
                )
            size = anchor_sizes.get(event.anchor or "", 1)  # undefined: the composer reports it
            total += size
            if total > limits.max_nodes:
                raise LimitExceeded(
                    *where,
                    f'alias "*{event.anchor}" expands the spec past {limits.max_nodes:,} '
                    "values (aliases that repeat aliases grow exponentially) "
                    + _raise_hint("max-nodes", limits.max_nodes),
                )
            add(size)
        if total > limits.max_nodes:
            raise LimitExceeded(
                mark.line + 1,
                mark.column + 1,
                f"the spec has more than {limits.max_nodes:,} values "
                + _raise_hint("max-nodes", limits.max_nodes),
            )
