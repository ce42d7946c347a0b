"""Callback steps -> ``type: callback``; the inverse of ``compiler.emit.handoff.callback_entry``."""

from __future__ import annotations

from typing import Any

from compiler.importer import handoff
from compiler.importer.context import ImportContext, describe

TYPE = "Callback"
KIND = "callback"
JOB = False

outputs = handoff.outputs
property_files = handoff.property_files


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    url = step.get("SqsQueueUrl")
    if not isinstance(url, str):
        ctx.unsupported(
            f"{path}.SqsQueueUrl", f"the spec takes a literal queue URL, not {describe(url)}"
        )
    return {
        "queue_url": url if isinstance(url, str) else "",
        **handoff.import_handoff(ctx, step, path),
    }
