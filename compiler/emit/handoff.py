"""Lambda and Callback steps -> their definition entries, as SDK v3's LambdaStep and
CallbackStep write them: ``Arguments`` is the inputs mapping (the function's event, the SQS
message's ``arguments``), ``OutputParameters`` the declared outputs.

The local engine needs two facts the definition has no field for: where the Lambda
function's handler code is, and its timeout. They travel in the definition's ``Metadata``
(string values under ``smpipe-lambda-<step>``), which SageMaker stores and ignores.
"""

from __future__ import annotations

import json
from typing import Any

from compiler.emit.values import EmitContext, emit_value
from compiler.model import CallbackStep, LambdaStep, Step

LOCAL_LAMBDA_METADATA_PREFIX = "smpipe-lambda-"


def _common(ctx: EmitContext, step: LambdaStep | CallbackStep) -> dict[str, Any]:
    return {
        "Arguments": {key: emit_value(ctx, value) for key, value in step.inputs.items()},
        "OutputParameters": [
            {"OutputName": output.name, "OutputType": output.type} for output in step.outputs
        ],
    }


def lambda_entry(ctx: EmitContext, step: LambdaStep) -> dict[str, Any]:
    return {"FunctionArn": step.function_arn, **_common(ctx, step)}


def callback_entry(ctx: EmitContext, step: CallbackStep) -> dict[str, Any]:
    return {"SqsQueueUrl": step.queue_url, **_common(ctx, step)}


def local_metadata(ctx: EmitContext, steps: list[Step]) -> dict[str, str]:
    """``Metadata`` entries for the local engine: per Lambda step, its handler and timeout,
    and the parameter that holds the code bundle the handler is read from."""
    found: dict[str, str] = {}
    for step in steps:
        if isinstance(step, LambdaStep):
            found[f"{LOCAL_LAMBDA_METADATA_PREFIX}{step.name}"] = json.dumps(
                {
                    "CodeBundleParameter": ctx.spec.pipeline.code_bundle,
                    "Handler": step.local_handler,
                    "TimeoutSeconds": step.timeout_seconds,
                },
                sort_keys=True,
                separators=(",", ":"),
            )
    return found
