"""Fail steps -> ``type: fail``; the inverse of ``compiler.emit.gate.fail_arguments``."""

from __future__ import annotations

from typing import Any

from compiler.importer.context import ImportContext, mapping
from compiler.importer.values import spec_value

TYPE = "Fail"
KIND = "fail"
JOB = False


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    return {}


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    arguments = mapping(ctx, step.get("Arguments") or {}, f"{path}.Arguments")
    message = arguments.get("ErrorMessage", "")
    return {"error_message": spec_value(ctx, message, f"{path}.Arguments.ErrorMessage", text=True)}
