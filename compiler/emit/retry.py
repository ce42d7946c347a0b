"""Retry policies -> a step's ``RetryPolicies`` (the shape of the SDK's ``to_request``)."""

from __future__ import annotations

from typing import Any

from compiler.emit.values import EmitContext
from compiler.job_settings import STEP_EXCEPTION_TYPES, Retryable, RetryPolicy
from compiler.model import Resources, Spec


def step_retry_policies(spec: Spec, step: Retryable) -> list[RetryPolicy]:
    """The step's own policies, or the ones under ``defaults`` ([] on a step means none).
    A step that runs no job (register) inherits only the Step.* types of the defaults."""
    if step.retry is not None:
        return step.retry
    if isinstance(step, Resources):
        return spec.defaults.retry
    inherited = []
    for policy in spec.defaults.retry:
        kinds = [k for k in policy.exceptions if k in STEP_EXCEPTION_TYPES]
        if kinds:
            inherited.append(policy.model_copy(update={"exceptions": kinds}))
    return inherited


def retry_policies(ctx: EmitContext, step: Retryable) -> list[dict[str, Any]]:
    entries = []
    for policy in step_retry_policies(ctx.spec, step):
        entry: dict[str, Any] = {
            "ExceptionType": list(policy.exceptions),
            "IntervalSeconds": policy.interval_seconds,
            "BackoffRate": policy.backoff_rate,
        }
        if policy.max_attempts is not None:
            entry["MaxAttempts"] = policy.max_attempts
        if policy.expire_after_minutes is not None:
            entry["ExpireAfterMin"] = policy.expire_after_minutes
        entries.append(entry)
    return entries
