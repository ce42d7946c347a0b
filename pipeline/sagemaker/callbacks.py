"""Callback steps on SageMaker: the waiting ones from ListPipelineExecutionSteps (a
``Callback`` step ``Executing``, its token in ``Metadata.Callback``), answered with
SendPipelineExecutionStepSuccess / SendPipelineExecutionStepFailure.

SageMaker's API returns neither the SQS message's arguments nor the declared output types;
the queue's consumer has the message. ``smpipe callback list`` shows what the API gives.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pipeline.backends.callbacks import CallbackRecord
from pipeline.backends.interface import ExecutionSummary, StepRecord


def waiting_callbacks(executions: list[ExecutionSummary], steps_of: Any) -> list[CallbackRecord]:
    """The Executing Callback steps of the running executions; ``steps_of(arn)`` lists steps."""
    found: list[CallbackRecord] = []
    for execution in executions:
        if execution.status != "Executing":
            continue
        step: StepRecord
        for step in steps_of(execution.arn):
            token = step.metadata.get("CallbackToken")
            if step.type == "Callback" and step.status == "Executing" and token:
                found.append(
                    CallbackRecord(
                        token=token,
                        execution_arn=execution.arn,
                        step_name=step.name,
                        queue_url=step.metadata.get("SqsQueueUrl", ""),
                        status=step.status,
                        started=step.started,
                    )
                )
    return found


def send_success(client: Any, token: str, outputs: Mapping[str, str]) -> str:
    response = client.send_pipeline_execution_step_success(
        CallbackToken=token,
        OutputParameters=[{"Name": name, "Value": value} for name, value in outputs.items()],
        ClientRequestToken=str(uuid.uuid4()),
    )
    return str(response.get("PipelineExecutionArn", ""))


def send_failure(client: Any, token: str, reason: str) -> str:
    response = client.send_pipeline_execution_step_failure(
        CallbackToken=token, FailureReason=reason, ClientRequestToken=str(uuid.uuid4())
    )
    return str(response.get("PipelineExecutionArn", ""))
