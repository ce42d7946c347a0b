"""Spec models for the settings a step's job (or step) takes beyond its inputs and outputs:
retry policies (``RetryPolicies`` of the pipeline definition), network and encryption,
managed spot training and metric definitions."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from compiler.references import Strict
from compiler.typed_values import StringValue

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


class Vpc(Strict):
    """The VPC a job's containers join (VpcConfig)."""

    subnets: list[str] = Field(min_length=1, description="Subnet ids, e.g. subnet-0abc1234.")
    security_group_ids: list[str] = Field(
        min_length=1, description="Security group ids, e.g. sg-0abc1234."
    )


class JobSecurity(Strict):
    """Network and encryption settings of a processing or training job; a step inherits
    each one it leaves unset from ``defaults``."""

    vpc: Vpc | None = None
    volume_kms_key: StringValue | None = Field(
        default=None, description="KMS key (id, ARN or alias) for the job's storage volume."
    )
    output_kms_key: StringValue | None = Field(
        default=None, description="KMS key the job's outputs are encrypted with in S3."
    )
    network_isolation: bool | None = Field(
        default=None, description="No network access from the job's containers."
    )
    encrypt_inter_container_traffic: bool | None = Field(
        default=None, description="Encrypt traffic between the job's instances."
    )


class SpotTraining(Strict):
    """Managed spot training: EnableManagedSpotTraining, MaxWaitTimeInSeconds, CheckpointConfig."""

    max_wait_seconds: int = Field(
        description="Spot wait plus run time; at least the step's max_runtime_seconds."
    )
    checkpoint_s3_uri: str | None = Field(
        default=None, description="Where SageMaker keeps checkpoints across interruptions (s3://)."
    )
    checkpoint_local_path: str = Field(
        default="/opt/ml/checkpoints", description="The checkpoints' folder in the container."
    )


class MetricDefinition(Strict):
    """A metric SageMaker reads from the training job's log: the regex's first group."""

    name: str
    regex: str
