"""The interface both backends implement, so one set of commands drives either.

``local`` (``pipeline.local``) runs the compiled definition on this machine; ``sagemaker``
(``pipeline.sagemaker``) drives SageMaker Pipelines. Values are plain dataclasses so the
CLI renders both the same way. Statuses are SageMaker's own strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

TERMINAL_EXECUTION_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})
ACTIVE_STEP_STATUSES = ("Starting", "Executing", "Stopping")
ParameterValue = str | int | float | bool


@dataclass(frozen=True)
class ExecutionSummary:
    arn: str
    pipeline_name: str
    status: str  # Executing | Stopping | Stopped | Failed | Succeeded
    started: datetime | None = None
    ended: datetime | None = None
    description: str | None = None
    failure_reason: str | None = None
    display_name: str | None = None
    # How many steps may run at once (local: the runner's limit; None: not known).
    max_parallel: int | None = None


@dataclass(frozen=True)
class StepRecord:
    name: str
    type: str  # Processing | Training | Condition | RegisterModel | Fail ...
    status: str  # Starting | Executing | Stopping | Stopped | Failed | Succeeded
    started: datetime | None = None
    ended: datetime | None = None
    failure_reason: str | None = None
    # The execution ARN whose result a cache hit reused, as SageMaker's CacheHitResult says.
    cache_source_execution: str | None = None
    attempt: int = 1
    # Job ARN, model package ARN, condition outcome, log group/stream or local log file...
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelPackage:
    arn: str
    group: str
    version: int
    approval_status: str  # PendingManualApproval | Approved | Rejected
    created: datetime | None = None
    description: str | None = None
    approval_description: str | None = None
    model_data_url: str | None = None
    image: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    source_execution: str | None = None


class Backend(Protocol):
    """What ``smpipe upsert/start/run/executions/steps/params/logs/watch/retry/stop/registry``
    need from an engine."""

    name: str

    def upsert(
        self,
        pipeline_name: str,
        definition: str,
        role_arn: str,
        description: str | None,
        settings: Mapping[str, Any] | None = None,
    ) -> str:
        """Create or update the pipeline; return its ARN. ``settings``: CreatePipeline's
        ``ParallelismConfiguration`` and ``Tags`` (``CompileResult.settings``)."""
        ...

    def start(
        self,
        pipeline_name: str,
        parameters: Mapping[str, ParameterValue],
        description: str | None = None,
        max_parallel_steps: int | None = None,
    ) -> str:
        """Start an execution; return its ARN. ``max_parallel_steps`` overrides the
        pipeline's ParallelismConfiguration for this execution."""
        ...

    def describe_execution(self, execution_arn: str) -> ExecutionSummary: ...

    def list_executions(
        self, pipeline_name: str | None = None, limit: int | None = None
    ) -> list[ExecutionSummary]:
        """Newest first; at most ``limit`` (``latest`` asks for one)."""
        ...

    def list_steps(self, execution_arn: str) -> list[StepRecord]: ...

    def parameters(self, execution_arn: str) -> dict[str, str]: ...

    def retry(self, execution_arn: str) -> str: ...

    def stop(self, execution_arn: str) -> None: ...

    def step_log(self, execution_arn: str, step_name: str) -> str:
        """The step's log text (local) or where to read it (CloudWatch group/stream)."""
        ...

    def list_model_packages(self, group: str) -> list[ModelPackage]: ...

    def describe_model_package(self, arn: str) -> ModelPackage: ...

    def set_approval(
        self, arn: str, status: str, description: str | None = None
    ) -> ModelPackage: ...
