"""Condition and Fail steps: evaluated by the engine itself, no job process."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pipeline.local.errors import StepFailed
from pipeline.local.expressions import evaluate_condition, resolve, to_text
from pipeline.local.steps.context import StepContext, StepResult


def run_condition(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    """All ``Conditions`` must hold (SageMaker ANDs them). The branch not taken never runs."""
    conditions = ctx.step.arguments.get("Conditions") or []
    outcome = True
    for condition in conditions:
        held = evaluate_condition(condition, ctx.scope)
        ctx.log(f"{_describe(condition, ctx)} -> {held}")
        outcome = outcome and held
    ctx.log(f"outcome: {outcome}")
    return StepResult({"Outcome": outcome}, {"Outcome": "True" if outcome else "False"})


def run_fail(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    message = to_text(arguments.get("ErrorMessage", ""))
    ctx.log(f"Fail step: {message}")
    raise StepFailed(message or f"the Fail step {ctx.step.name} was reached")


def _describe(condition: Mapping[str, Any], ctx: StepContext) -> str:
    """The condition with its operands' values, for the step's log."""
    resolved = {
        key: resolve(value, ctx.scope)
        for key, value in condition.items()
        if key in ("LeftValue", "RightValue", "QueryValue", "Values")
    }
    return f"{condition.get('Type')} {json.dumps(resolved, default=to_text, sort_keys=True)}"
