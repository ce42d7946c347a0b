"""A semantic diff of two pipeline definitions: by parameter and by step, not by line.

Steps are matched by name wherever they sit (top level or inside a condition's branches);
lists of named things (ProcessingInputs, Outputs, InputDataConfig, PropertyFiles...) are
matched by their name, not their position; run-time references (``Get``, ``Std:Join``,
``Std:JsonGet``) compare as whole values. Order never matters where SageMaker ignores it
(top-level steps, parameters, branch lists, named lists).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
TOP_LEVEL = "top level"
# The key that names an item of a list, in the order they are tried.
NAME_KEYS = (
    "Name",
    "InputName",
    "OutputName",
    "ChannelName",
    "PropertyFileName",
    "MetricName",
)
# Dicts that are one run-time value: compared and shown whole.
REFERENCE_KEYS = frozenset({"Get", "Std:Join", "Std:JsonGet"})
# Lists whose order SageMaker ignores (a step waits for all it depends on).
UNORDERED_LISTS = frozenset({"DependsOn"})
_BRANCHES = (("IfSteps", "if"), ("ElseSteps", "else"))
_MISSING: Any = object()


@dataclass(frozen=True)
class FieldChange:
    """One value that differs, at a readable path like ``AppSpecification.ImageUri``."""

    path: str
    kind: str  # added | removed | changed
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"path": self.path, "change": self.kind}
        if self.kind != ADDED:
            entry["old"] = self.old
        if self.kind != REMOVED:
            entry["new"] = self.new
        return entry


@dataclass(frozen=True)
class ItemChange:
    """A parameter or step that was added, removed or changed (with its field changes)."""

    name: str
    kind: str
    type: str | None = None
    location: str | None = None  # steps: "top level" or "if branch of <condition>"
    fields: tuple[FieldChange, ...] = ()
    value: Any = None  # the whole item, when added or removed

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "change": self.kind}
        if self.type is not None:
            entry["type"] = self.type
        if self.location is not None:
            entry["location"] = self.location
        if self.kind == CHANGED:
            entry["fields"] = [change.to_json() for change in self.fields]
        else:
            entry["value"] = self.value
        return entry


@dataclass
class DefinitionDiff:
    pipeline: list[FieldChange] = field(default_factory=list)
    parameters: list[ItemChange] = field(default_factory=list)
    steps: list[ItemChange] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not (self.pipeline or self.parameters or self.steps)


def diff_definitions(old: dict[str, Any], new: dict[str, Any]) -> DefinitionDiff:
    """What changed from ``old`` to ``new`` (both definition dicts)."""
    result = DefinitionDiff()
    rest_old = {k: v for k, v in old.items() if k not in ("Parameters", "Steps")}
    rest_new = {k: v for k, v in new.items() if k not in ("Parameters", "Steps")}
    result.pipeline = diff_values(rest_old, rest_new, "")
    result.parameters = _diff_parameters(
        _by_name(old.get("Parameters")), _by_name(new.get("Parameters"))
    )
    result.steps = _diff_steps(_flatten_steps(old.get("Steps")), _flatten_steps(new.get("Steps")))
    return result


def _by_name(items: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("Name"), str):
            found.setdefault(item["Name"], item)
    return found


def _diff_parameters(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[ItemChange]:
    changes = []
    for name in _union(old, new):
        before, after = old.get(name), new.get(name)
        if before is None:
            changes.append(ItemChange(name, ADDED, _type(after), value=after))
        elif after is None:
            changes.append(ItemChange(name, REMOVED, _type(before), value=before))
        else:
            fields = diff_values(_without(before, "Name"), _without(after, "Name"), "")
            if fields:
                changes.append(ItemChange(name, CHANGED, _type(after), fields=tuple(fields)))
    return changes


@dataclass(frozen=True)
class _PlacedStep:
    step: dict[str, Any]
    location: str


def _flatten_steps(steps: Any, location: str = TOP_LEVEL) -> dict[str, _PlacedStep]:
    """Every step by name, with where it sits; branches of conditions are walked too."""
    found: dict[str, _PlacedStep] = {}
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict) or not isinstance(step.get("Name"), str):
            continue
        found.setdefault(step["Name"], _PlacedStep(step, location))
        arguments = step.get("Arguments")
        if step.get("Type") == "Condition" and isinstance(arguments, dict):
            for key, branch in _BRANCHES:
                inner = _flatten_steps(arguments.get(key), f"{branch} branch of {step['Name']}")
                for name, placed in inner.items():
                    found.setdefault(name, placed)
    return found


def _diff_steps(old: dict[str, _PlacedStep], new: dict[str, _PlacedStep]) -> list[ItemChange]:
    changes = []
    for name in _union(old, new):
        before, after = old.get(name), new.get(name)
        if before is None:
            assert after is not None
            changes.append(
                ItemChange(name, ADDED, _type(after.step), after.location, value=after.step)
            )
        elif after is None:
            changes.append(
                ItemChange(name, REMOVED, _type(before.step), before.location, value=before.step)
            )
        else:
            fields = list(_step_fields(before, after))
            if fields:
                changes.append(
                    ItemChange(name, CHANGED, _type(after.step), after.location, tuple(fields))
                )
    return changes


def _step_fields(before: _PlacedStep, after: _PlacedStep) -> Iterator[FieldChange]:
    old, new = before.step, after.step
    if old.get("Type") != new.get("Type"):
        # A different kind of step: its arguments have nothing in common to compare.
        yield FieldChange("Type", CHANGED, old.get("Type"), new.get("Type"))
        return
    if before.location != after.location:
        yield FieldChange("branch", CHANGED, before.location, after.location)
    old_arguments, new_arguments = old.get("Arguments"), new.get("Arguments")
    if new.get("Type") == "Condition":
        # Branch steps are compared as steps of their own; here only who is in which branch.
        yield from _branch_membership(old_arguments, new_arguments)
        old_arguments = _without(old_arguments, "IfSteps", "ElseSteps")
        new_arguments = _without(new_arguments, "IfSteps", "ElseSteps")
    # Arguments' fields read best without the prefix (AppSpecification.ImageUri).
    yield from diff_values(
        _or_missing(old_arguments), _or_missing(new_arguments), "", root="Arguments"
    )
    yield from diff_values(
        _without(old, "Name", "Type", "Arguments"), _without(new, "Name", "Type", "Arguments"), ""
    )


def _branch_membership(old: Any, new: Any) -> Iterator[FieldChange]:
    for key, _branch in _BRANCHES:
        before, after = _step_names(old, key), _step_names(new, key)
        for name in before:
            if name not in after:
                yield FieldChange(f"{key}[{name}]", REMOVED)
        for name in after:
            if name not in before:
                yield FieldChange(f"{key}[{name}]", ADDED)


def _step_names(arguments: Any, key: str) -> list[str]:
    steps = arguments.get(key) if isinstance(arguments, dict) else None
    if not isinstance(steps, list):
        return []
    return [s["Name"] for s in steps if isinstance(s, dict) and isinstance(s.get("Name"), str)]


def diff_values(old: Any, new: Any, path: str, *, root: str = "") -> list[FieldChange]:
    """Field-level changes between two JSON values; ``path`` prefixes every change's path.
    ``root`` names the value itself when it is added or removed whole (e.g. "Arguments")."""
    if old is _MISSING and new is _MISSING:
        return []
    if old is _MISSING:
        return [FieldChange(path or root, ADDED, None, new)]
    if new is _MISSING:
        return [FieldChange(path or root, REMOVED, old, None)]
    if isinstance(old, dict) and isinstance(new, dict) and not (_atomic(old) or _atomic(new)):
        changes = []
        # Sorted like the canonical JSON, so a spec and its definition file list alike.
        for key in sorted({*old, *new}):
            changes.extend(
                diff_values(old.get(key, _MISSING), new.get(key, _MISSING), _join(path, key))
            )
        return changes
    if isinstance(old, list) and isinstance(new, list):
        return _diff_lists(old, new, path or root)
    if _same(old, new):
        return []
    return [FieldChange(path or root, CHANGED, old, new)]


def _diff_lists(old: list[Any], new: list[Any], path: str) -> list[FieldChange]:
    if path in UNORDERED_LISTS:
        old, new = sorted(old, key=_canonical), sorted(new, key=_canonical)
    key = _name_key(old, new)
    if key is not None:
        before = {item[key]: item for item in old}
        after = {item[key]: item for item in new}
        changes = []
        for name in _union(before, after):
            changes.extend(
                diff_values(
                    before.get(name, _MISSING), after.get(name, _MISSING), f"{path}[{name}]"
                )
            )
        return changes
    if len(old) == len(new) and all(isinstance(item, (dict, list)) for item in old + new):
        changes = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            changes.extend(diff_values(a, b, f"{path}[{index}]"))
        return changes
    # Arguments, content types...: order matters and an insertion shifts every index,
    # so the list is shown whole.
    return [] if _same(old, new) else [FieldChange(path, CHANGED, old, new)]


def _name_key(old: list[Any], new: list[Any]) -> str | None:
    """The key that names every item of both lists uniquely, if there is one."""
    items = old + new
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in NAME_KEYS:
        if all(isinstance(item.get(key), str) for item in items) and all(
            len({item[key] for item in side}) == len(side) for side in (old, new)
        ):
            return key
    return None


def _atomic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in REFERENCE_KEYS


def _same(a: Any, b: Any) -> bool:
    # JSON equality, not Python's: True is not 1, and 1 is not 1.0 in a definition.
    return _canonical(a) == _canonical(b)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _union(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Keys of both, old order first then the new ones: stable and close to the files."""
    return [*a, *(key for key in b if key not in a)]


def _without(value: Any, *keys: str) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: v for k, v in value.items() if k not in keys}


def _or_missing(value: Any) -> Any:
    return _MISSING if value is None else value


def _type(item: Any) -> str | None:
    value = item.get("Type") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None
