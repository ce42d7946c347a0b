"""Reading a compiled definition: every step, including those nested in a condition's
IfSteps/ElseSteps (where the compiler puts branch steps, as the SDK does)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def iter_steps(definition: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
    """Each step dict, depth first in document order; malformed parts are skipped."""

    def visit(steps: Any) -> Iterator[dict[str, Any]]:
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict):
                yield step
                arguments = step.get("Arguments")
                if isinstance(arguments, dict):
                    yield from visit(arguments.get("IfSteps"))
                    yield from visit(arguments.get("ElseSteps"))

    yield from visit(definition.get("Steps") if isinstance(definition, Mapping) else None)
