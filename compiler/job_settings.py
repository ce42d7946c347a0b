"""Spec models for the settings a step's job (or step) takes beyond its inputs and outputs:
retry policies (``RetryPolicies`` of the pipeline definition)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from compiler.references import Strict

StepExceptionType = Literal["Step.SERVICE_FAULT", "Step.THROTTLING"]
JobExceptionType = Literal[
    "SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT"
]
STEP_EXCEPTION_TYPES: tuple[str, ...] = get_args(StepExceptionType)
JOB_EXCEPTION_TYPES: tuple[str, ...] = get_args(JobExceptionType)


class RetryPolicy(Strict):
    """One entry of a step's ``RetryPolicies``: which failures to retry, how often, how long."""

    exceptions: list[StepExceptionType | JobExceptionType] = Field(
        min_length=1,
        description="Step.SERVICE_FAULT, Step.THROTTLING (any retryable step); "
        "SageMaker.JOB_INTERNAL_ERROR, SageMaker.CAPACITY_ERROR, SageMaker.RESOURCE_LIMIT "
        "(job steps).",
    )
    interval_seconds: int = Field(
        default=1, description="Seconds before the first retry (1 to 43200)."
    )
    backoff_rate: float = Field(
        default=2.0, description="Multiplier of the interval at each further retry (>= 1)."
    )
    max_attempts: int | None = Field(
        default=None, description="Retries at most this many times (1 to 20)."
    )
    expire_after_minutes: int | None = Field(
        default=None,
        description="Or: retries while the step has run for less than this (1 to 14400).",
    )


class Retryable(Strict):
    """A step kind SageMaker lets retry by policy (job, model and register steps)."""

    retry: list[RetryPolicy] | None = Field(
        default=None,
        description="Retry policies; replaces the ones under `defaults` ([] for none).",
    )
