"""What every SDK step class takes besides its own arguments."""

from __future__ import annotations

from typing import Any

from compiler.model import StepBase


def sdk_step_identity(step: StepBase) -> dict[str, Any]:
    """The display name, description and explicit dependencies of ``step``, as the SDK's
    step classes take them (no dependencies: ``None``, as the SDK's own default)."""
    return {
        "display_name": step.display_name,
        "description": step.description,
        "depends_on": list(step.depends_on) or None,
    }
