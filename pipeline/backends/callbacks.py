"""Callback steps as both backends show them: the token a step waits on, and the answer.

``smpipe callback list`` reads ``list_callbacks``; ``succeed``/``fail`` call
``send_callback_success``/``send_callback_failure`` (SageMaker's
SendPipelineExecutionStepSuccess / SendPipelineExecutionStepFailure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class CallbackRecord:
    token: str
    execution_arn: str
    step_name: str
    queue_url: str
    status: str  # Waiting (locally) / Executing (SageMaker), or how it ended
    started: datetime | None = None
    # The SQS message's "arguments" where known (locally); SageMaker's API does not return it.
    arguments: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)  # declared name -> type


class CallbackBackend(Protocol):
    def list_callbacks(self, execution_arn: str | None = None) -> list[CallbackRecord]:
        """Callback steps waiting for an answer (of one execution, or of all running ones)."""
        ...

    def send_callback_success(self, token: str, outputs: Mapping[str, str]) -> str:
        """Complete the step; returns its execution's ARN."""
        ...

    def send_callback_failure(self, token: str, reason: str) -> str: ...
