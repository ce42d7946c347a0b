"""Callback steps: record the token and the SQS message SageMaker would send, then wait for
an answer (``smpipe callback succeed|fail``, from any process) or for the execution to stop.

Nothing is sent to SQS here (there is no queue on this machine): ``smpipe callback list``
shows the message, token included, that the queue would have received.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from pipeline.local.callbacks import WAITING, Callbacks, output_types
from pipeline.local.errors import StepFailed, StepStopped
from pipeline.local.steps.context import StepContext, StepResult

POLL_SECONDS = 0.2


def run_callback(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    callbacks = Callbacks(ctx.home.db)
    queue_url = str(ctx.step.raw.get("SqsQueueUrl") or "")
    callback = callbacks.create(
        ctx.execution_arn, ctx.step.name, queue_url, arguments, output_types(ctx.step.raw)
    )
    metadata = {"CallbackToken": callback.token, "SqsQueueUrl": queue_url}
    callbacks.show_on_step(callback)
    ctx.log(f"callback token {callback.token}; message for {queue_url}:")
    ctx.log(json.dumps(callback.message, sort_keys=True, default=str))
    ctx.log(
        f"waiting: answer with `smpipe callback succeed {callback.token} --output NAME=VALUE` "
        f"or `smpipe callback fail {callback.token} --reason TEXT`"
    )
    while True:
        if ctx.stop.is_set():
            callbacks.stop(callback.token)
            current = callbacks.get(callback.token)
            if current.status == "Stopped":
                raise StepStopped("the execution was stopped while the callback waited")
        current = callbacks.get(callback.token)
        if current.status != WAITING:
            break
        time.sleep(POLL_SECONDS)
    if current.status == "Failed":
        raise StepFailed(current.failure_reason or "the callback was answered with a failure")
    outputs = dict(current.outputs)
    ctx.log(f"callback succeeded with outputs {json.dumps(outputs, sort_keys=True)}")
    return StepResult(
        {"OutputParameters": outputs, "CallbackToken": callback.token, "SqsQueueUrl": queue_url},
        {**metadata, **{f"Output.{key}": str(value) for key, value in outputs.items()}},
    )
