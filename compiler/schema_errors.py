"""pydantic's validation errors -> positioned diagnostics with actionable messages."""

from __future__ import annotations

from dataclasses import replace
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


def data_path(data: Any, loc: tuple[str | int, ...], *, key: bool = False) -> tuple[str | int, ...]:
    """pydantic's ``loc`` names union members too (``steps.0.processing.image``,
    ``images.x.framework.version``, ``...num_round.bool``); keep only the parts that exist
    in the data, so the path finds the YAML position. A member's name may also be a key of
    the data (the ``framework`` tag of an image): the reading that reaches ``loc``'s last
    part wins. With ``key`` (a missing or an unknown key) the last part is the key."""
    path, _ = _longest(data, loc, 0)
    if key and loc and (not path or path[-1] != loc[-1]) and isinstance(_at(data, path), dict):
        path = (*path, loc[-1])
    return path


def _longest(
    current: Any, loc: tuple[str | int, ...], start: int
) -> tuple[tuple[str | int, ...], bool]:
    """(the data path found in ``loc[start:]``, whether it ends with ``loc``'s last part)."""
    if start == len(loc):
        return (), False
    skip = _longest(current, loc, start + 1)
    if not _has_child(current, loc[start]):
        return skip
    rest, reached = _longest(current[loc[start]], loc, start + 1)
    take = ((loc[start], *rest), reached or start == len(loc) - 1)
    return max(take, skip, key=lambda found: (found[1], len(found[0])))


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _has_child(current: Any, part: str | int) -> bool:
    if isinstance(current, dict):
        return part in current
    return isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)


def _subject(data: Any, path: tuple[str | int, ...]) -> str:
    """'step "TrainModel"' or 'parameter "X"' for the thing at ``path`` (the mapping that
    holds the wrong key)."""
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


# The order in which accepted shapes are listed.
_SHAPE_ORDER = list(_TYPE_WORDS.values())


def _belongs_under(model: type[BaseModel], path: tuple[str | int, ...]) -> str:
    """A top-level key that is a field of a section (``name`` of ``pipeline``): say where."""
    if len(path) != 1:
        return ""
    for section, field in model.model_fields.items():
        annotation = field.annotation
        if (
            isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and path[0] in annotation.model_fields
        ):
            return f'; "{path[0]}" belongs under "{section}:"'
    return ""


def translate(error: ValidationError, data: Any, model: type[BaseModel]) -> list[Diagnostic]:
    """One diagnostic per wrong value: where several types are allowed (a union), pydantic
    reports one error per type; they become one message listing the accepted shapes."""
    found: list[Diagnostic] = []
    shapes: dict[tuple[str | int, ...], list[str]] = {}
    for detail in error.errors():
        if detail["type"] in _TYPE_WORDS:
            path = data_path(data, tuple(detail["loc"]))
            if path in shapes:
                shapes[path].append(_TYPE_WORDS[detail["type"]])
                continue
            shapes[path] = [_TYPE_WORDS[detail["type"]]]
        found.append(_one(detail, data, model))
    return [_with_shapes(d, shapes.get(d.path, [])) for d in found]


def _with_shapes(diagnostic: Diagnostic, accepted: list[str]) -> Diagnostic:
    if len(accepted) < 2:
        return diagnostic
    words = sorted(set(accepted), key=_SHAPE_ORDER.index)
    listed = ", ".join(words[:-1]) + " or " + words[-1]
    head, _, got = diagnostic.message.rpartition(", got ")
    head = head.rsplit(" must be ", 1)[0]
    return replace(diagnostic, message=f"{head} must be {listed}, got {got}")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _one(detail: ErrorDetails, data: Any, model: type[BaseModel]) -> Diagnostic:
    kind = detail["type"]
    path = data_path(data, tuple(detail["loc"]), key=kind in ("missing", "extra_forbidden"))
    if kind in ("union_tag_invalid", "union_tag_not_found") and path and path[0] == "steps":
        path = (*path, "type")
    key = path[-1] if path else ""
    # A missing or unknown key belongs to the mapping that holds it.
    where = _subject(data, path[:-1])  # the mapping that holds the key
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, data, path)
        hint = _belongs_under(model, path) or (did_you_mean(str(key), allowed) if allowed else "")
        return problem("schema", path, f'unknown key "{key}" in {where}{hint}', at_key=True)
    if kind == "missing":
        return problem("schema", path, f'{where} is missing the required key "{key}"')
    if kind == "string_type" and type(detail.get("input")) in (int, float):
        number = detail.get("input")
        return problem(
            "schema",
            path,
            f'"{key}" of {where} must be a string, got the number {number!r}: YAML reads an '
            f'unquoted {number!r} as a number; write "{number!r}" in quotes',
        )
    if kind in _TYPE_WORDS:
        return problem(
            "schema",
            path,
            f'"{key}" of {where} must be {_TYPE_WORDS[kind]}, got {_shown(detail.get("input"))}',
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
    if isinstance(key, str) and key:  # name the field, not only where it is
        return problem("schema", path, f'"{key}" of {where}: {detail["msg"]}')
    return problem("schema", path, f"{detail['msg']} (at {where})")
