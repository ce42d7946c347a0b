"""A :class:`~compiler.diff.DefinitionDiff` as Markdown-friendly text or as JSON.

The text is what CI appends to ``$GITHUB_STEP_SUMMARY``: a heading, then bullet lists by
section (pipeline, parameters, steps) with values in code spans; run-time references read
as ``Get(Parameters.X)``, ``Join("/", [...])``, ``JsonGet(..., metrics.accuracy)``.
"""

from __future__ import annotations

import json
from typing import Any

from compiler.diff import ADDED, CHANGED, REMOVED, DefinitionDiff, FieldChange, ItemChange

MAX_VALUE = 160  # characters of an added/removed value shown; JSON output has all of it
SMALL_ITEM = 80  # an added/removed mapping up to this long is shown (CacheConfig, not inputs)


def render_text(diff: DefinitionDiff, old_label: str, new_label: str) -> str:
    if diff.equal:
        return f"no differences between `{old_label}` and `{new_label}`\n"
    lines = [f"## smpipe diff: `{old_label}` -> `{new_label}`", "", _summary(diff)]
    if diff.pipeline:
        lines += ["", "### Pipeline"]
        lines += [f"- {_field(change)}" for change in diff.pipeline]
    if diff.parameters:
        lines += ["", "### Parameters"]
        for item in diff.parameters:
            lines += _item(item, _parameter_summary)
    if diff.steps:
        lines += ["", "### Steps"]
        for item in diff.steps:
            lines += _item(item, _step_summary)
    return "\n".join(lines) + "\n"


def render_json(diff: DefinitionDiff, old_label: str, new_label: str) -> str:
    document = {
        "a": old_label,
        "b": new_label,
        "equal": diff.equal,
        "pipeline": [change.to_json() for change in diff.pipeline],
        "parameters": [item.to_json() for item in diff.parameters],
        "steps": [item.to_json() for item in diff.steps],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _summary(diff: DefinitionDiff) -> str:
    parts = []
    if diff.pipeline:
        parts.append(_count(len(diff.pipeline), "pipeline field"))
    for label, items in (("parameter", diff.parameters), ("step", diff.steps)):
        if items:
            kinds = [
                f"{sum(1 for i in items if i.kind == kind)} {kind}"
                for kind in (ADDED, REMOVED, CHANGED)
                if any(i.kind == kind for i in items)
            ]
            parts.append(f"{_count(len(items), label)} ({', '.join(kinds)})")
    return "Differences: " + "; ".join(parts) + "."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _item(item: ItemChange, summary: Any) -> list[str]:
    detail = summary(item)
    if item.kind == CHANGED:
        head = f"- `{item.name}` changed" + (f" ({detail})" if detail else "")
    else:
        head = f"- `{item.name}` {item.kind}" + (f": {detail}" if detail else "")
    lines = [head]
    lines += [f"  - {_field(change)}" for change in item.fields]
    return lines


def _parameter_summary(item: ItemChange) -> str:
    if item.kind == CHANGED:
        return item.type or ""
    value = item.value if isinstance(item.value, dict) else {}
    text = str(value.get("Type", "?"))
    if "DefaultValue" in value:
        text += f", default {_show(value['DefaultValue'])}"
    return text


def _step_summary(item: ItemChange) -> str:
    where = "" if item.location in (None, "top level") else f" in the {item.location}"
    return f"{item.type or '?'}{where}"


def _field(change: FieldChange) -> str:
    if change.kind == ADDED:
        return f"`{change.path}` added" + _value_suffix(change.new)
    if change.kind == REMOVED:
        return f"`{change.path}` removed" + _value_suffix(change.old, "was ")
    # A change is shown whole: the difference may be at the end of a long value.
    return f"`{change.path}`: {_show(change.old, None)} -> {_show(change.new, None)}"


def _value_suffix(value: Any, prefix: str = "") -> str:
    if value is None:
        return ""
    text = _readable(value)
    if isinstance(value, dict) and not _reference(value) and len(text) > SMALL_ITEM:
        return ""  # a whole named item (an input, an output): its name is in the path
    return f" ({prefix}{_show(value)})" if prefix else f": {_show(value)}"


def _show(value: Any, limit: int | None = MAX_VALUE) -> str:
    text = _readable(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _readable(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and _reference(value):
        return _reference_text(value)
    if isinstance(value, list) and all(isinstance(v, (str, dict)) for v in value):
        return "[" + ", ".join(_readable_item(v) for v in value) + "]"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _readable_item(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return _readable(value)


def _reference(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in ("Get", "Std:Join", "Std:JsonGet")


def _reference_text(value: dict[str, Any]) -> str:
    ((key, body),) = value.items()
    if key == "Get":
        return f"Get({body})"
    if key == "Std:Join" and isinstance(body, dict):
        items = ", ".join(_readable_item(v) for v in body.get("Values", []))
        return f"Join({json.dumps(body.get('On', ''))}, [{items}])"
    if key == "Std:JsonGet" and isinstance(body, dict):
        source = body.get("PropertyFile")
        shown = _readable(source) if isinstance(source, dict) else json.dumps(source)
        return f"JsonGet({shown}, {body.get('Path')})"
    return json.dumps(value, sort_keys=True)
