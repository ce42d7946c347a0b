"""pydantic's validation errors -> positioned diagnostics with actionable messages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from compiler.diagnostics import Diagnostic, problem
from compiler.rules.suggest import did_you_mean

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """pydantic's ``loc`` names union members too (e.g. ``steps.0.processing.image``); keep
    only the parts that exist in the data, so the path finds the YAML position."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if _has_child(current, part):
            current = current[part]
            path.append(part)
        elif isinstance(current, dict) and part == loc[-1]:
            path.append(part)  # a missing or an unknown key: the last element is the key
    return tuple(path)


def _has_child(current: Any, part: str | int) -> bool:
    if isinstance(current, dict):
        return part in current
    return isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)


def _subject(data: Any, path: tuple[str | int, ...]) -> str:
    """'step "TrainModel"' or 'parameter "X"' for the thing that holds the error."""
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        step = data["steps"][path[1]] if isinstance(data.get("steps"), list) else None
        if isinstance(step, dict) and isinstance(step.get("name"), str):
            return f'step "{step["name"]}"'
        return f"step {path[1] + 1}"
    if len(path) >= 2 and path[0] in ("parameters", "images"):
        return f'{path[0][:-1]} "{path[1]}"'
    return str(path[0]) if path else "the spec"


def _allowed_keys(model: type[BaseModel], data: Any, path: tuple[str | int, ...]) -> list[str]:
    """Best effort: the fields of the model at the parent of an unknown key."""
    from compiler import model as models

    parent = path[:-1]
    if parent and parent[0] == "steps" and len(parent) == 2:
        step = data["steps"][parent[1]]
        kind = step.get("type") if isinstance(step, dict) else None
        by_type: dict[str, type[BaseModel]] = {
            "processing": models.ProcessingStep,
            "training": models.TrainingStep,
            "condition": models.ConditionStep,
            "register": models.RegisterStep,
            "fail": models.FailStep,
        }
        target = by_type.get(kind) if isinstance(kind, str) else None
        return sorted(target.model_fields) if target else []
    if len(parent) == 1 and isinstance(parent[0], str):
        field = model.model_fields.get(parent[0])
        annotation = field.annotation if field else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return sorted(annotation.model_fields)
    if not parent:
        return sorted(model.model_fields)
    return []


def translate(error: ValidationError, data: Any, model: type[BaseModel]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for detail in error.errors():
        found.append(_one(detail, data, model))
    return found


def _one(detail: ErrorDetails, data: Any, model: type[BaseModel]) -> Diagnostic:
    kind = detail["type"]
    path = data_path(data, tuple(detail["loc"]))
    if kind in ("union_tag_invalid", "union_tag_not_found") and path and path[0] == "steps":
        path = (*path, "type")
    where = _subject(data, path)
    key = path[-1] if path else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, data, path)
        hint = did_you_mean(str(key), allowed) if allowed else ""
        return problem("schema", path, f'unknown key "{key}" in {where}{hint}', at_key=True)
    if kind == "missing":
        return problem("schema", path, f'{where} is missing the required key "{key}"')
    if kind in _TYPE_WORDS:
        got = detail.get("input")
        shown = f"{got!r}" if not isinstance(got, (dict, list)) else type(got).__name__
        return problem(
            "schema", path, f'"{key}" of {where} must be {_TYPE_WORDS[kind]}, got {shown}'
        )
    if kind == "typed_value_form":  # compiler.typed_values: "expected an integer or ..."
        got = detail.get("input")
        shown = f"{got!r}" if not isinstance(got, (dict, list)) else type(got).__name__
        if isinstance(got, dict) and got:
            shown = "{" + ", ".join(f"{k}: ..." for k in got) + "}"
        field = next((p for p in reversed(path) if isinstance(p, str)), key)
        wanted = detail["msg"].removeprefix("expected ")
        return problem("schema", path, f'"{field}" of {where} must be {wanted}; got {shown}')
    if kind in ("literal_error", "union_tag_invalid"):
        expected = (detail.get("ctx") or {}).get("expected", "")
        got = detail.get("input")
        if kind == "union_tag_invalid":
            got = (detail.get("ctx") or {}).get("tag", got)
            expected = (detail.get("ctx") or {}).get("expected_tags", expected)
        return problem("schema", path, f'"{key}" of {where} must be one of {expected}; got {got!r}')
    if kind == "union_tag_not_found":
        return problem(
            "schema",
            path,
            f'{where} is missing the required key "type" (processing, training, condition, register or fail)',
        )
    if kind == "too_short":
        return problem("schema", path, f'"{key}" of {where} must not be empty')
    return problem("schema", path, f"{detail['msg']} (at {where})")
