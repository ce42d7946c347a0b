"""Execute one pipeline execution: schedule the steps by their dependencies, run independent
ones in parallel, apply step caching, and record every transition in the state.

As SageMaker does, at any width: a step starts when every step it depends on has succeeded,
a slot is free (at most ``max_parallel`` steps run at once, see ``parallelism``) and the
execution is still running; after a failure no new step starts (running ones finish) and the
execution fails; after a stop request no new step starts, the running jobs are ended and the
execution becomes Stopped; a retry keeps the steps that succeeded.
"""

from __future__ import annotations

import hashlib
import json
import queue
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.local import retry
from pipeline.local.database import utc_now
from pipeline.local.definition import Definition, StepDef, dependencies, load_definition
from pipeline.local.errors import LocalEngineError, StepFailed, StepStopped
from pipeline.local.expressions import Scope, resolve, to_text
from pipeline.local.home import LocalHome
from pipeline.local.parallelism import local_limit, step_limit
from pipeline.local.settings import max_parallel_steps
from pipeline.local.state import pipeline_arn
from pipeline.local.steps.callback import run_callback
from pipeline.local.steps.context import StepContext, StepResult
from pipeline.local.steps.control import run_condition, run_fail
from pipeline.local.steps.lambda_ import run_lambda
from pipeline.local.steps.model import run_model
from pipeline.local.steps.processing import run_processing
from pipeline.local.steps.register import run_register
from pipeline.local.steps.training import run_training
from pipeline.local.steps.transform import run_transform
from pipeline.local.steps.tuning import run_tuning

Runner = Callable[[StepContext, Mapping[str, Any]], StepResult]
RUNNERS: dict[str, Runner] = {
    "Processing": run_processing,
    "Training": run_training,
    "Tuning": run_tuning,
    "Model": run_model,
    "Transform": run_transform,
    "Condition": run_condition,
    "RegisterModel": run_register,
    "Fail": run_fail,
    # Never cached (not in CACHE_KEY_ATTRIBUTES): SageMaker does not cache these either.
    "Lambda": run_lambda,
    "Callback": run_callback,
}
# SageMaker's cache keys: the request attributes that, when changed, make a step run again.
CACHE_KEY_ATTRIBUTES = {
    "Processing": ("AppSpecification", "Environment", "ProcessingInputs"),
    "Training": (
        "AlgorithmSpecification",
        "CheckpointConfig",
        "DebugHookConfig",
        "DebugRuleConfigurations",
        "Environment",
        "HyperParameters",
        "InputDataConfig",
    ),
    "Tuning": ("HyperParameterTuningJobConfig", "TrainingJobDefinition"),
    "Transform": (
        "BatchStrategy",
        "DataProcessing",
        "Environment",
        "MaxConcurrentTransforms",
        "MaxPayloadInMB",
        "ModelName",
        "TransformInput",
        "TransformOutput",
        "TransformResources",
    ),
}
# How often the scheduler looks for a stop asked by another process (``smpipe stop``); a
# step's end wakes it at once.
POLL_SECONDS = 0.1
_INTERNAL_ERROR = "InternalError"


class ExecutionVariables(Mapping[str, Any]):
    """``Execution.*``: fixed for the execution, except CurrentDateTime (read at use)."""

    def __init__(self, arn: str, execution_id: str, pipeline: str, started: str) -> None:
        self._fixed = {
            "PipelineExecutionId": execution_id,
            "PipelineExecutionArn": arn,
            "PipelineName": pipeline,
            "PipelineArn": pipeline_arn(pipeline),
            "StartDateTime": started,
        }

    def __getitem__(self, key: str) -> Any:
        if key == "CurrentDateTime":
            return datetime.now(timezone.utc).isoformat(timespec="seconds")
        return self._fixed[key]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._fixed, "CurrentDateTime"])

    def __len__(self) -> int:
        return len(self._fixed) + 1


class ExecutionEngine:
    """Runs an execution that the caller has claimed (``State.claim_execution``)."""

    def __init__(
        self,
        home: LocalHome,
        arn: str,
        stop: threading.Event | None = None,
        *,
        max_parallel: int | None = None,
        pipeline_max_parallel: int | None = None,
    ) -> None:
        """``max_parallel`` caps the steps running at once on this machine (else
        ``SMPIPE_MAX_PARALLEL``, else the cores); ``pipeline_max_parallel`` is the pipeline's
        MaxParallelExecutionSteps (else SageMaker's default: every ready step)."""
        self.home = home
        self.arn = arn
        self.stop = stop or threading.Event()
        self.failed = threading.Event()  # a step has failed: no new step starts
        self._threads: list[threading.Thread] = []
        row = home.state.execution(arn)
        self.execution_id = str(row["id"])
        self.pipeline_name = str(row["pipeline_name"])
        if pipeline_max_parallel is None:  # what upsert/start stored (pipeline.max_parallel_steps)
            pipeline_max_parallel = max_parallel_steps(home, self.pipeline_name, self.execution_id)
        self.max_parallel = step_limit(pipeline_max_parallel, local_limit(max_parallel))
        self.definition: Definition = load_definition(
            home.state.definition(self.pipeline_name, int(row["pipeline_version"]))
        )
        self.properties: dict[str, Mapping[str, Any]] = {}
        self.scope = Scope(
            parameters=json.loads(row["parameters"]),
            execution=ExecutionVariables(
                arn, self.execution_id, self.pipeline_name, str(row["started"] or utc_now())
            ),
            step_properties=self.properties,
            read_json=home.store.read_json,
        )

    def run(self) -> str:
        """Execute to the end; return the final status. Never raises for a step's failure."""
        self.home.state.set_max_parallel(self.arn, self.max_parallel)
        try:
            try:
                status, reason = self._schedule()
            except BaseException as error:
                self.stop.set()
                self.home.state.finish_execution(self.arn, "Failed", f"internal error: {error}")
                raise
            self.home.state.finish_execution(self.arn, status, reason)
        finally:
            for thread in self._threads:  # the removal of their sandboxes
                thread.join()
        return status

    def _schedule(self) -> tuple[str, str | None]:
        done: dict[str, str] = {}
        activated = set(self.definition.top_level)
        for row in self.home.state.steps(self.arn):  # a retry keeps what succeeded
            if row["status"] == "Succeeded":
                done[row["name"]] = "Succeeded"
                self.properties[row["name"]] = json.loads(row["properties"] or "{}")
        for name in list(done):
            activated |= self._activated_by(name)

        failures: list[str] = []
        finished: queue.SimpleQueue[tuple[str, str, Any]] = queue.SimpleQueue()
        running: set[str] = set()
        stopping = False
        internal: BaseException | None = None
        while True:
            # Checked again before every start: a stop asked meanwhile starts nothing more.
            asked = self.stop.is_set() or self.home.state.stop_requested(self.arn)
            if asked and not stopping:
                stopping = True
                self.stop.set()  # the runners end their jobs (SIGTERM, then SIGKILL)
            if not stopping and not failures and not self.failed.is_set():
                free = self.max_parallel - len(running)
                for name in self._ready(activated, done, running)[: max(0, free)]:
                    running.add(name)
                    self._start_thread(self.definition.steps[name], finished)
            if not running:
                break
            try:
                outcome = finished.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            while True:  # every step that has ended counts before anything new starts
                name, status, reason = outcome
                running.discard(name)
                done[name] = status
                if status == "Succeeded":
                    activated |= self._activated_by(name)
                elif status == "Failed":
                    failures.append(f"{name}: {reason}")
                elif status == _INTERNAL_ERROR:
                    internal = internal or reason
                    stopping = True
                    self.stop.set()
                try:
                    outcome = finished.get_nowait()
                except queue.Empty:
                    break
        if internal is not None:
            raise internal
        if stopping:
            return "Stopped", None
        if failures:
            return "Failed", "Step failure: " + "; ".join(failures)
        return "Succeeded", None

    def _start_thread(
        self, step: StepDef, finished: queue.SimpleQueue[tuple[str, str, Any]]
    ) -> None:
        def work() -> None:
            discarded: list[Path] = []
            try:
                status, reason = self._run_step(step, discarded)
            except BaseException as error:  # a bug or a broken state: the execution fails
                finished.put((step.name, _INTERNAL_ERROR, error))
                return
            finished.put((step.name, status, reason))
            for folder in discarded:  # after the scheduler knows: the next step need not wait
                shutil.rmtree(folder, ignore_errors=True)

        thread = threading.Thread(target=work, name=f"smpipe-step-{step.name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _activated_by(self, name: str) -> set[str]:
        step = self.definition.steps[name]
        if step.type != "Condition":
            return set()
        return set(self.definition.branch(name, bool(self.properties[name].get("Outcome"))))

    def _ready(self, activated: set[str], done: Mapping[str, str], running: set[str]) -> list[str]:
        ready = []
        for name, step in self.definition.steps.items():  # definition order: stable output
            if name not in activated or name in done or name in running:
                continue
            if all(done.get(dep) == "Succeeded" for dep in dependencies(self.definition, step)):
                ready.append(name)
        return ready

    # ---- one step (in a worker thread) ----
    def _run_step(
        self, step: StepDef, discarded: list[Path] | None = None
    ) -> tuple[str, str | None]:
        state = self.home.state
        try:
            arguments = self._resolved_arguments(step)
        except LocalEngineError as error:
            state.start_step(self.arn, step.name, step.type, None, None)
            reason = f"ClientError: {error}"
            self._finish_step(step.name, "Failed", failure_reason=reason)
            return "Failed", reason
        cache_key = self._cache_key(step, arguments)
        if cache_key is not None and (hit := self._cache_hit(step, cache_key)) is not None:
            state.start_step(self.arn, step.name, step.type, hit["log_path"], cache_key)
            properties = json.loads(hit["properties"] or "{}")
            self._finish_step(
                step.name,
                "Succeeded",
                properties=properties,
                metadata=json.loads(hit["metadata"] or "{}"),
                cache_source=str(hit["source"]),
            )
            self.properties[step.name] = properties
            return "Succeeded", None

        return self._run_with_retries(step, arguments, cache_key, discarded)

    def _run_with_retries(
        self,
        step: StepDef,
        arguments: Mapping[str, Any],
        cache_key: str | None,
        discarded: list[Path] | None,
    ) -> tuple[str, str | None]:
        """Attempts until one succeeds or the step's RetryPolicies cover no further retry
        (``pipeline.local.retry``); a retried attempt's failure does not fail the execution."""
        plan = retry.RetryPlan(retry.policies_of(step.raw))
        while True:
            status, reason, context = self._attempt(step, arguments, cache_key, plan, discarded)
            again = plan.decision
            if status != "Failed" or again is None:
                return status, reason
            context.log(
                f"{again.exception_type}: retry {plan.retries} by "
                f"RetryPolicies[{again.policy_index}] in {again.delay_seconds:g}s "
                f"(attempt {context.attempt + 1})"
            )
            if self.stop.wait(again.delay_seconds * retry.time_scale()):
                self.failed.set()
                return status, reason

    def _attempt(
        self,
        step: StepDef,
        arguments: Mapping[str, Any],
        cache_key: str | None,
        plan: retry.RetryPlan,
        discarded: list[Path] | None,
    ) -> tuple[str, str | None, StepContext]:
        state = self.home.state
        attempt = state.start_step(self.arn, step.name, step.type, None, cache_key)
        log_path = self.home.log_path(self.execution_id, step.name, attempt)
        state.set_step_log(self.arn, step.name, str(log_path), None)
        context = StepContext(
            home=self.home,
            step=step,
            execution_arn=self.arn,
            execution_id=self.execution_id,
            pipeline_name=self.pipeline_name,
            attempt=attempt,
            scope=self.scope,
            stop=self.stop,
            log_path=log_path,
            discarded=discarded,
            metadata=self.definition.raw.get("Metadata") or {},
        )
        try:
            fault = retry.injected_fault(step.name, attempt)
            if fault is not None:
                raise StepFailed(fault)
            result = RUNNERS[step.type](context, arguments)
        except StepStopped:
            context.log("stopped")
            self._finish_step(step.name, "Stopped", failure_reason="Stopped by request")
            return "Stopped", None, context
        except StepFailed as failure:
            reason = str(failure)[:1024]
        except Exception as error:  # a malformed request or a bug: the step fails, not the run
            kind = "ClientError" if isinstance(error, LocalEngineError) else "InternalError"
            reason = f"{kind}: {type(error).__name__}: {error}; log: {log_path}"[:1024]
        else:
            self.properties[step.name] = result.properties
            self._finish_step(
                step.name,
                "Succeeded",
                properties=result.properties,
                metadata={**result.metadata, "LogFile": str(log_path)},
            )
            return "Succeeded", None, context
        context.log(f"failed: {reason}")
        if plan.decide(reason) is None:
            self._finish_step(step.name, "Failed", failure_reason=reason)
        else:  # retried: recorded, but the execution goes on
            state.finish_step(self.arn, step.name, "Failed", failure_reason=reason)
        return "Failed", reason, context

    def _finish_step(self, name: str, status: str, **record: Any) -> None:
        if status == "Failed":  # known to the scheduler before anyone can read it
            self.failed.set()
        self.home.state.finish_step(self.arn, name, status, **record)

    def _resolved_arguments(self, step: StepDef) -> Mapping[str, Any]:
        if step.type == "Condition":  # conditions resolve while evaluated; branches never here
            return {}
        resolved = resolve(step.arguments, self.scope)
        if not isinstance(resolved, Mapping):
            raise LocalEngineError(f"step {step.name}: Arguments must be an object")
        return resolved

    def _cache_key(self, step: StepDef, arguments: Mapping[str, Any]) -> str | None:
        attributes = CACHE_KEY_ATTRIBUTES.get(step.type)
        if not step.cache_enabled or attributes is None:
            return None
        keyed = {"Type": step.type, **{key: arguments.get(key) for key in attributes}}
        canonical = json.dumps(keyed, sort_keys=True, default=to_text)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def _cache_hit(self, step: StepDef, cache_key: str) -> dict[str, Any] | None:
        not_before = None
        if step.cache_expire_after is not None:
            not_before = (datetime.now(timezone.utc) - step.cache_expire_after).isoformat(
                timespec="microseconds"
            )
        hit = self.home.state.find_cached(self.pipeline_name, step.name, cache_key, not_before)
        if hit is not None and hit["source"] == self.arn:
            return None  # a retry re-runs its own failed step; it never "hits" itself
        return hit
