"""Retry by policy, as SageMaker Pipelines does it: classify a failed attempt by its failure
reason, find the step's ``RetryPolicies`` entry that covers that exception type, wait
``IntervalSeconds * BackoffRate ** retries`` and run the step again, while ``MaxAttempts``
(retries) or ``ExpireAfterMin`` (since the first attempt started) allow. A failure no policy
covers (an algorithm error, a bad request) is final at once.

Faults can be injected (tests, drills): ``SMPIPE_FAULTS="STEP:KIND[:COUNT],..."`` makes the
first COUNT (default 1) attempts of STEP fail with the failure reason ``KIND: ...`` before
the job starts, e.g. ``TrainModel:CapacityError:2``. ``SMPIPE_RETRY_TIME_SCALE`` multiplies
every wait (``0`` in tests: no sleeping).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FAULTS_VARIABLE = "SMPIPE_FAULTS"
TIME_SCALE_VARIABLE = "SMPIPE_RETRY_TIME_SCALE"

# The first word of a FailureReason -> the exception type SageMaker files it under.
# Jobs: "InternalServerError: ..." and "CapacityError: Unable to provision requested ML
# compute capacity" are job failures; "ResourceLimitExceeded" is the Create*Job call's
# error. Steps: throttling and faults of the service calls a step makes. The local engine's
# own unexpected errors ("InternalError: ...") stand for the service's internal errors.
FAILURE_TYPES: Mapping[str, str] = {
    "InternalServerError": "SageMaker.JOB_INTERNAL_ERROR",
    "InternalError": "SageMaker.JOB_INTERNAL_ERROR",
    "CapacityError": "SageMaker.CAPACITY_ERROR",
    "InsufficientCapacityError": "SageMaker.CAPACITY_ERROR",
    "ResourceLimitExceeded": "SageMaker.RESOURCE_LIMIT",
    "ThrottlingException": "Step.THROTTLING",
    "Throttling": "Step.THROTTLING",
    "ServiceUnavailable": "Step.SERVICE_FAULT",
    "InternalFailure": "Step.SERVICE_FAULT",
    "ServiceFault": "Step.SERVICE_FAULT",
}


def classify(failure_reason: str) -> str | None:
    """The exception type of a failure, or None when no retry policy can cover it
    (AlgorithmError, ClientError: the job or the request is wrong, retrying cannot help)."""
    return FAILURE_TYPES.get(failure_reason.split(":", 1)[0].strip())


@dataclass(frozen=True)
class Policy:
    exception_types: tuple[str, ...]
    interval_seconds: float = 1.0
    backoff_rate: float = 2.0
    max_attempts: int | None = None
    expire_after_min: float | None = None

    @classmethod
    def from_definition(cls, entry: Mapping[str, Any]) -> Policy:
        kinds = entry.get("ExceptionType") or []
        return cls(
            exception_types=tuple([kinds] if isinstance(kinds, str) else kinds),
            interval_seconds=float(entry.get("IntervalSeconds", 1)),
            backoff_rate=float(entry.get("BackoffRate", 2.0)),
            max_attempts=None if entry.get("MaxAttempts") is None else int(entry["MaxAttempts"]),
            expire_after_min=(
                None if entry.get("ExpireAfterMin") is None else float(entry["ExpireAfterMin"])
            ),
        )


def policies_of(step: Mapping[str, Any]) -> list[Policy]:
    """A definition step's ``RetryPolicies``."""
    return [Policy.from_definition(e) for e in step.get("RetryPolicies") or []]


@dataclass(frozen=True)
class Retry:
    """The decision to run a failed step again."""

    exception_type: str
    delay_seconds: float
    policy_index: int


def next_retry(
    policies: Sequence[Policy], failure_reason: str, retries: int, elapsed_seconds: float
) -> Retry | None:
    """Whether (and after how long) to retry after ``retries`` retries already made and
    ``elapsed_seconds`` since the first attempt started; None: the failure is final."""
    kind = classify(failure_reason)
    if kind is None:
        return None
    for index, policy in enumerate(policies):
        if kind not in policy.exception_types:
            continue
        if policy.max_attempts is not None and retries >= policy.max_attempts:
            return None
        delay = policy.interval_seconds * policy.backoff_rate**retries
        if policy.expire_after_min is not None and (
            elapsed_seconds + delay > policy.expire_after_min * 60
        ):
            return None
        return Retry(kind, delay, index)
    return None


class RetryPlan:
    """One step's retries: the decision after each failed attempt, counted and timed from
    the first attempt's start."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        self.policies = list(policies)
        self.retries = 0
        self.started = time.monotonic()
        self.decision: Retry | None = None

    def decide(self, failure_reason: str) -> Retry | None:
        elapsed = time.monotonic() - self.started
        self.decision = next_retry(self.policies, failure_reason, self.retries, elapsed)
        if self.decision is not None:
            self.retries += 1
        return self.decision


def time_scale() -> float:
    try:
        return max(0.0, float(os.environ.get(TIME_SCALE_VARIABLE, "1")))
    except ValueError:
        return 1.0


def injected_fault(step: str, attempt: int) -> str | None:
    """The failure reason ``SMPIPE_FAULTS`` injects into this attempt, if any."""
    for item in os.environ.get(FAULTS_VARIABLE, "").split(","):
        parts = item.strip().split(":")
        if len(parts) < 2 or parts[0] != step:
            continue
        count = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1
        if attempt <= count:
            return f"{parts[1]}: injected by {FAULTS_VARIABLE} (attempt {attempt} of {count})"
    return None
