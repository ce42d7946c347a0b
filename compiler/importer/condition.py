"""Condition steps -> ``type: condition``; the inverse of
``compiler.emit.gate.condition_arguments``. The steps of its IfSteps/ElseSteps become
steps of their own, named in ``if_steps``/``else_steps`` (``steps.py`` flattens them)."""

from __future__ import annotations

from typing import Any, get_args

from compiler.importer.context import ImportContext, describe, mapping, sequence
from compiler.importer.values import spec_value
from compiler.model import ConditionOperator

TYPE = "Condition"
KIND = "condition"
JOB = False
OPERATORS = get_args(ConditionOperator)
BRANCHES = {"IfSteps": "if_steps", "ElseSteps": "else_steps"}


def outputs(name: str, step: dict[str, Any]) -> dict[str, str]:
    return {}


def property_files(step: dict[str, Any]) -> list[str]:
    return []


def branches(step: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """(key, nested steps) of each branch, for the walker in steps.py."""
    arguments = step.get("Arguments")
    if not isinstance(arguments, dict):
        return []
    return [(key, arguments[key]) for key in BRANCHES if isinstance(arguments.get(key), list)]


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    at = f"{path}.Arguments"
    arguments = mapping(ctx, step.get("Arguments"), at)
    conditions = []
    for index, item in enumerate(sequence(ctx, arguments.get("Conditions"), f"{at}.Conditions")):
        where = f"{at}.Conditions[{index}]"
        item = mapping(ctx, item, where)
        operator = item.get("Type")
        if operator not in OPERATORS or set(item) != {"Type", "LeftValue", "RightValue"}:
            ctx.unsupported(
                where,
                f"condition {describe(item)}: the spec compares two values "
                f"with {', '.join(OPERATORS)} (all must hold)",
            )
            continue
        conditions.append(
            {
                "left": spec_value(ctx, item["LeftValue"], f"{where}.LeftValue", operand=True),
                "operator": operator,
                "right": spec_value(ctx, item["RightValue"], f"{where}.RightValue", operand=True),
            }
        )
    if not conditions:
        # The spec needs one condition; this one always holds and the report says why.
        conditions.append({"left": True, "operator": "Equals", "right": True})
    found: dict[str, Any] = {"conditions": conditions}
    for key, field in BRANCHES.items():
        found[field] = [
            nested.get("Name")
            for nested in sequence(ctx, arguments.get(key), f"{at}.{key}")
            if isinstance(nested, dict)
        ]
    return found
