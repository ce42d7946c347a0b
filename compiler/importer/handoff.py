"""What Lambda and Callback steps share (the inverse of ``compiler.emit.handoff``): the
inputs mapping (``Arguments``) and the typed ``OutputParameters``."""

from __future__ import annotations

from typing import Any

from compiler.importer.context import ImportContext, mapping, sequence
from compiler.importer.values import spec_value


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    items = step.get("OutputParameters")
    return {
        f"Steps.{name}.OutputParameters['{item['OutputName']}']": item["OutputName"]
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and isinstance(item.get("OutputName"), str)
    }


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def import_handoff(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    arguments = mapping(ctx, step.get("Arguments") or {}, f"{path}.Arguments")
    if arguments:
        found["inputs"] = {
            key: spec_value(ctx, value, f"{path}.Arguments.{key}")
            for key, value in arguments.items()
        }
    declared = []
    for index, item in enumerate(
        sequence(ctx, step.get("OutputParameters"), f"{path}.OutputParameters")
    ):
        item = mapping(ctx, item, f"{path}.OutputParameters[{index}]")
        entry: dict[str, Any] = {"name": item.get("OutputName")}
        if item.get("OutputType", "String") != "String":
            entry["type"] = item["OutputType"]
        declared.append(entry)
    if declared:
        found["outputs"] = declared
    return found
