"""Load YAML while keeping where every key and value came from.

PyYAML's ``safe_load`` drops positions and silently keeps the last of two duplicate keys;
here the document is composed into nodes (which carry marks), converted to plain data, and
every value's and key's ``(line, col)`` is kept in a :class:`Positions` map keyed by the
value's path. Problems are returned as :class:`LoadProblem`s, never raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml

from compiler.yaml_limits import DEFAULT_LIMITS, LimitExceeded, Limits, check_size, scan

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadProblem:
    line: int
    col: int
    rule: str
    message: str


@dataclass
class Positions:
    """1-based ``(line, col)`` of each value (and each mapping key) by data path, and where
    each ends (exclusive), for the ranges editors and code scanning show."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    ends: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_ends: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def _found(self, path: Sequence[str | int], key: bool) -> tuple[Path | None, bool]:
        """The path whose position stands for ``path`` and whether it is a key's: the key
        itself with ``key=True``, else the deepest existing prefix (a missing key points at
        the mapping that lacks it)."""
        path = tuple(path)
        if key and path in self.keys:
            return path, True
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return path[:end], False
        return None, False

    def find(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
        found, is_key = self._found(path, key)
        if found is None:
            return (1, 1)
        return (self.keys if is_key else self.values)[found]

    def find_end(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
        found, is_key = self._found(path, key)
        if found is None:
            return (1, 1)
        ends = self.key_ends if is_key else self.ends
        return ends.get(found) or self.find(path, key=key)


@dataclass
class LoadedDocument:
    file: str
    text: str
    data: Any
    positions: Positions
    problems: list[LoadProblem]


class _ScalarConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor, used only for scalars and for resolving merge keys."""


_constructor = _ScalarConstructor()


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _key(node: yaml.Node) -> Any:
    # YAML 1.1 reads a bare `on`, `yes` or `no` key as a boolean (as in `join: [...], on: "/"`);
    # keys are names here, so keep their text.
    if (
        isinstance(node, yaml.ScalarNode)
        and node.tag == "tag:yaml.org,2002:bool"
        and not node.style
    ):
        return node.value
    return _constructor.construct_object(node, deep=True)


def _end(node: yaml.Node) -> tuple[int, int]:
    return node.end_mark.line + 1, node.end_mark.column + 1


def _convert(node: yaml.Node, path: Path, positions: Positions, problems: list[LoadProblem]) -> Any:
    positions.values[path] = _mark(node)
    positions.ends[path] = _end(node)
    if isinstance(node, yaml.MappingNode):
        explicit_keys = {id(key) for key, _ in node.value}
        _constructor.flatten_mapping(node)  # resolves `<<` merge keys in place
        result: dict[Any, Any] = {}
        # Written in this mapping (not merged in): only two of those are a duplicate; a
        # written key overrides a merged one (YAML's merge semantics).
        seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key = _key(key_node)
            if isinstance(key, (dict, list)):
                line, col = _mark(key_node)
                problems.append(
                    LoadProblem(line, col, "yaml-syntax", "a mapping key must be a scalar")
                )
                continue
            explicit = id(key_node) in explicit_keys
            if key in seen and explicit:
                line, col = _mark(key_node)
                first_line, first_col = seen[key]
                problems.append(
                    LoadProblem(
                        line,
                        col,
                        "yaml-duplicate-key",
                        f'duplicate key "{key}" (first defined at line {first_line}, '
                        f"column {first_col}); YAML would silently keep only the last one",
                    )
                )
                continue
            if explicit:
                seen[key] = _mark(key_node)
            key_path = (*path, key)
            positions.keys[key_path] = _mark(key_node)
            positions.key_ends[key_path] = _end(key_node)
            result[key] = _convert(value_node, key_path, positions, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), positions, problems)
            for index, item in enumerate(node.value)
        ]
    return _constructor.construct_object(node, deep=True)


# libyaml composes several times faster; its marks are the same, its error wording is not,
# so a document it rejects is parsed again by the pure-Python loader for the message.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str, limits: Limits) -> yaml.Node | None:
    """Scan the events within ``limits`` first: composing cannot then blow up."""
    if _FAST_LOADER is not None:
        try:
            scan(text, _FAST_LOADER, limits)
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    scan(text, yaml.SafeLoader, limits)
    return yaml.compose(text, Loader=yaml.SafeLoader)


def load_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """Parse one YAML document within ``limits``; a syntax error or a limit crossed becomes
    a positioned problem."""
    positions = Positions()
    problems: list[LoadProblem] = []
    try:
        encoded = text.encode("utf-8", "surrogatepass")
        check_size(encoded, len(encoded), limits)
        node = _compose(text, limits)
        if node is None:
            problems.append(
                LoadProblem(1, 1, "yaml-empty", "the file is empty: expected a YAML mapping")
            )
            return LoadedDocument(file, text, None, positions, problems)
        data = _convert(node, (), positions, problems)
    except LimitExceeded as error:
        problems.append(LoadProblem(error.line, error.col, "yaml-limit", error.message))
        return LoadedDocument(file, text, None, positions, problems)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = error.problem or "malformed document"
        if error.context and error.context_mark is not None:
            start = error.context_mark
            message += f" ({error.context} that starts at line {start.line + 1}, column {start.column + 1})"
        message = _indentation_hint(error) or message
        problems.append(LoadProblem(line, col, "yaml-syntax", f"invalid YAML: {message}"))
        return LoadedDocument(file, text, None, positions, problems)
    except yaml.YAMLError as error:  # e.g. a second document, an unknown tag without marks
        problems.append(LoadProblem(1, 1, "yaml-syntax", f"invalid YAML: {error}"))
        return LoadedDocument(file, text, None, positions, problems)
    return LoadedDocument(file, text, data, positions, problems)


def _indentation_hint(error: yaml.MarkedYAMLError) -> str | None:
    """Most block-structure errors are a line indented wrongly: say so in plain words,
    with the parser's own words after."""
    problem = error.problem or ""
    start, mark = error.context_mark, error.problem_mark
    if mark is None:
        return None
    parser = f"(the parser: {problem})"
    if problem.startswith("expected <block end>") and start is not None:
        return (
            f"wrong indentation: line {mark.line + 1} starts at column {mark.column + 1}, "
            f"which lines up with none of the blocks it could belong to (the "
            f"block that starts at line {start.line + 1}, column {start.column + 1}, "
            f"included); check the indentation of line {mark.line + 1} {parser}"
        )
    if problem.startswith("mapping values are not allowed"):
        return (
            f"a key inside a value: line {mark.line + 1} is indented deeper than the key "
            "above it, or a value holds ': ' without quotes; check its indentation or quote "
            f"the value {parser}"
        )
    return None


def read_source(
    path: FilePath, limits: Limits = DEFAULT_LIMITS
) -> tuple[str | None, LoadProblem | None]:
    """Read a spec file as UTF-8 text; a directory, a missing or a binary file is a problem.
    Past the size limit only the first bytes are read (the size check reports it)."""
    if path.is_dir():
        return None, LoadProblem(1, 1, "file-unreadable", "is a directory, expected a YAML file")
    try:
        with path.open("rb") as stream:
            raw = stream.read(limits.max_bytes + 1)
            size = max(len(raw), path.stat().st_size)
        check_size(raw, size, limits)
    except LimitExceeded as error:
        return None, LoadProblem(error.line, error.col, "yaml-limit", error.message)
    except OSError as error:
        return None, LoadProblem(1, 1, "file-unreadable", f"cannot read the file: {error.strerror}")
    if b"\0" in raw:
        return None, LoadProblem(1, 1, "file-unreadable", "is a binary file, expected YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, LoadProblem(line, col, "file-unreadable", "is not UTF-8 text")
    return text, None


def load_file(
    path: FilePath, display_name: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> LoadedDocument:
    name = display_name or str(path)
    text, problem = read_source(path, limits)
    if problem is not None:
        return LoadedDocument(name, "", None, Positions(), [problem])
    assert text is not None
    return load_text(text, name, limits)
