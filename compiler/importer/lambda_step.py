"""Lambda steps -> ``type: lambda``; the inverse of ``compiler.emit.handoff.lambda_entry``.
The local handler and timeout come back from the definition's Metadata
(``smpipe-lambda-<step>``), where the compiler keeps them for the local engine."""

from __future__ import annotations

import json
from typing import Any

from compiler.importer import handoff
from compiler.importer.context import ImportContext, describe

TYPE = "Lambda"
KIND = "lambda"
JOB = False
METADATA_PREFIX = "smpipe-lambda-"  # compiler.emit.handoff.LOCAL_LAMBDA_METADATA_PREFIX
DEFAULT_TIMEOUT = 120

outputs = handoff.outputs
property_files = handoff.property_files


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    arn = step.get("FunctionArn")
    if not isinstance(arn, str):
        ctx.unsupported(
            f"{path}.FunctionArn", f"the spec takes a literal function ARN, not {describe(arn)}"
        )
    found: dict[str, Any] = {"function_arn": arn if isinstance(arn, str) else ""}
    found.update(handoff.import_handoff(ctx, step, path))
    local = ctx.metadata.get(f"{METADATA_PREFIX}{step['Name']}")
    try:
        settings = json.loads(local) if isinstance(local, str) else {}
    except json.JSONDecodeError:
        settings = {}
    if not isinstance(settings, dict):
        settings = {}
    if isinstance(settings.get("Handler"), str):
        found["local_handler"] = settings["Handler"]
    timeout = settings.get("TimeoutSeconds", DEFAULT_TIMEOUT)
    if timeout != DEFAULT_TIMEOUT:
        found["timeout_seconds"] = timeout
    return found
