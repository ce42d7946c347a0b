"""Rules on retry policies, with the limits AWS documents for them (SageMaker developer guide,
"Retry Policy for Pipeline Steps"; the definition is a JSON string to botocore, which has no
shape for it). The SDK's ``RetryPolicy.to_request`` requires exactly one of MaxAttempts and
ExpireAfterMin; so does the spec."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.job_settings import JOB_EXCEPTION_TYPES, Retryable, RetryPolicy
from compiler.model import RegisterStep
from compiler.rules.context import PathT, SpecContext
from compiler.rules.registry import rule

INTERVAL_SECONDS = (1, 43200)  # 12 hours
MAX_ATTEMPTS = (1, 20)
EXPIRE_AFTER_MINUTES = (1, 14400)  # 10 days
MIN_BACKOFF_RATE = 1.0  # "the multiplier by which the retry interval increases"


@rule(
    "retry-policy",
    "limits",
    "A retry policy is outside AWS's limits (interval, backoff, attempts or expiry), sets both "
    "or neither of max_attempts and expire_after_minutes, or gives a register step a job exception type.",
)
def retry_policy(ctx: SpecContext) -> Iterator[Diagnostic]:
    places: list[tuple[PathT, RetryPolicy, bool]] = [
        (("defaults", "retry", i), p, False) for i, p in enumerate(ctx.spec.defaults.retry)
    ]
    for index, step in enumerate(ctx.spec.steps):
        if isinstance(step, Retryable) and step.retry is not None:
            register = isinstance(step, RegisterStep)
            places += [
                (("steps", index, "retry", i), p, register) for i, p in enumerate(step.retry)
            ]
    for path, policy, register in places:
        yield from _check(path, policy, register)


def _check(path: PathT, policy: RetryPolicy, register: bool) -> Iterator[Diagnostic]:
    for field, value, (low, high) in (
        ("interval_seconds", policy.interval_seconds, INTERVAL_SECONDS),
        ("max_attempts", policy.max_attempts, MAX_ATTEMPTS),
        ("expire_after_minutes", policy.expire_after_minutes, EXPIRE_AFTER_MINUTES),
    ):
        if value is not None and not low <= value <= high:
            yield problem(
                "retry-policy", (*path, field), f"{field} {value} must be from {low} to {high}"
            )
    if policy.backoff_rate < MIN_BACKOFF_RATE:
        yield problem(
            "retry-policy",
            (*path, "backoff_rate"),
            f"backoff_rate {policy.backoff_rate} must be at least {MIN_BACKOFF_RATE} "
            "(it multiplies the interval at each retry)",
        )
    if (policy.max_attempts is None) == (policy.expire_after_minutes is None):
        found = (
            "both max_attempts and expire_after_minutes"
            if policy.max_attempts is not None
            else "neither max_attempts nor expire_after_minutes"
        )
        yield problem("retry-policy", path, f"a retry policy sets {found}; set exactly one")
    if register:
        for position, kind in enumerate(policy.exceptions):
            if kind in JOB_EXCEPTION_TYPES:
                yield problem(
                    "retry-policy",
                    (*path, "exceptions", position),
                    f"{kind} is a job failure; a register step runs no job and takes only "
                    "Step.SERVICE_FAULT and Step.THROTTLING",
                )
