"""``LocalBackend``: the ``pipeline.backends.interface.Backend`` protocol on this machine.

``start`` and ``retry`` run the execution in a thread of the calling process (``inline``, what
``smpipe run`` uses: the command is the runner, and Ctrl-C stops the execution), or in a
detached ``python -m pipeline.local.runner`` process that outlives the command.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.backends import spark_conf
from pipeline.backends.callbacks import CallbackRecord
from pipeline.backends.interface import ExecutionSummary, ModelPackage, ParameterValue, StepRecord
from pipeline.local.callbacks import Callbacks
from pipeline.local.database import parse_time
from pipeline.local.definition import load_definition
from pipeline.local.engine import ExecutionEngine
from pipeline.local.errors import LocalEngineError
from pipeline.local.home import LocalHome
from pipeline.local.notes import local_notes
from pipeline.local.parallelism import local_limit
from pipeline.local.parameters import parameter_values
from pipeline.local.settings import save_execution_parallelism, save_pipeline_settings
from pipeline.local.state import Runner, process_token


class LocalBackend:
    name = "local"

    def __init__(
        self,
        state_dir: Path | None = None,
        *,
        inline: bool = True,
        max_parallel: int | None = None,
        pipeline_max_parallel: int | None = None,
    ) -> None:
        """``max_parallel``: the local cap on steps running at once (``--max-parallel``; else
        ``SMPIPE_MAX_PARALLEL``, else the cores). ``pipeline_max_parallel``: the pipeline's
        MaxParallelExecutionSteps (else SageMaker's default). See ``parallelism``."""
        self.home = LocalHome(state_dir)
        self.inline = inline
        self.max_parallel = max_parallel
        self.pipeline_max_parallel = pipeline_max_parallel
        self._threads: dict[str, threading.Thread] = {}
        self._stops: dict[str, threading.Event] = {}

    # ---- pipelines and executions ----
    def upsert(
        self,
        pipeline_name: str,
        definition: str,
        role_arn: str,
        description: str | None,
        settings: Mapping[str, Any] | None = None,
    ) -> str:
        load_definition(definition)  # refuse what cannot run locally before storing it
        # Spark steps' configuration files, where their conf input reads them.
        spark_conf.stage(definition, self.home.store.put_bytes)
        arn, _ = self.home.state.upsert_pipeline(pipeline_name, definition, description, role_arn)
        save_pipeline_settings(self.home, pipeline_name, settings or {})
        return arn

    def start(
        self,
        pipeline_name: str,
        parameters: Mapping[str, ParameterValue],
        description: str | None = None,
        max_parallel_steps: int | None = None,
    ) -> str:
        local_limit(self.max_parallel)  # a bad SMPIPE_MAX_PARALLEL fails here, not in a runner
        state = self.home.state
        version = state.latest_version(pipeline_name)
        definition = load_definition(state.definition(pipeline_name, version))
        values = parameter_values(definition.parameters, parameters)
        arn = state.create_execution(pipeline_name, version, values, description)
        if max_parallel_steps is not None:
            save_execution_parallelism(self.home, arn.rsplit("/", 1)[1], max_parallel_steps)
        self._launch(arn, retry=False)
        return arn

    def notes(self, execution_arn: str) -> list[str]:
        """Settings of the execution's definition that have no effect locally (VPC, KMS, spot)."""
        row = self.home.state.execution(execution_arn)
        return local_notes(
            self.home.state.definition(str(row["pipeline_name"]), int(row["pipeline_version"]))
        )

    def retry(self, execution_arn: str) -> str:
        local_limit(self.max_parallel)
        self._launch(execution_arn, retry=True)
        return execution_arn

    def _launch(self, arn: str, *, retry: bool) -> None:
        state = self.home.state
        state.claim_execution(arn, Runner.this_process(), retry=retry)
        if not self.inline:
            log = self.home.root / "logs" / f"runner-{arn.rsplit('/', 1)[1]}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, "-m", "pipeline.local.runner", str(self.home.root), arn]
            if self.max_parallel is not None:
                command += ["--max-parallel", str(self.max_parallel)]
            if self.pipeline_max_parallel is not None:
                command += ["--pipeline-max-parallel", str(self.pipeline_max_parallel)]
            with open(log, "ab") as out:
                child = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            runner = Runner(child.pid, Runner.this_process().host, process_token(child.pid))
            state.claim_execution(arn, runner, retry=False)
            return
        stop = threading.Event()
        engine = ExecutionEngine(
            self.home,
            arn,
            stop,
            max_parallel=self.max_parallel,
            pipeline_max_parallel=self.pipeline_max_parallel,
        )
        thread = threading.Thread(target=engine.run, name=f"smpipe-run-{arn}", daemon=True)
        self._threads[arn], self._stops[arn] = thread, stop
        thread.start()

    def wait(self, execution_arn: str, timeout: float | None = None) -> bool:
        """Wait for an inline execution's thread; True when it has ended."""
        thread = self._threads.get(execution_arn)
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def pause(self, execution_arn: str, seconds: float) -> None:
        """Sleep up to ``seconds``; an execution this backend runs wakes it when it ends."""
        thread = self._threads.get(execution_arn)
        if thread is None:
            time.sleep(seconds)
        else:
            thread.join(seconds)

    def describe_execution(self, execution_arn: str) -> ExecutionSummary:
        return _summary(self.home.state.execution(execution_arn))

    def list_executions(
        self, pipeline_name: str | None = None, limit: int | None = None
    ) -> list[ExecutionSummary]:
        return [_summary(row) for row in self.home.state.executions(pipeline_name, limit)]

    def list_steps(self, execution_arn: str) -> list[StepRecord]:
        self.home.state.execution(execution_arn)  # raises for an unknown execution
        return [_step(row) for row in self.home.state.steps(execution_arn)]

    def parameters(self, execution_arn: str) -> dict[str, str]:
        values = json.loads(self.home.state.execution(execution_arn)["parameters"])
        return {name: _text(value) for name, value in values.items()}

    def stop(self, execution_arn: str) -> None:
        self.home.state.request_stop(execution_arn)
        if execution_arn in self._stops:
            self._stops[execution_arn].set()

    def step_log(self, execution_arn: str, step_name: str) -> str:
        for row in self.home.state.steps(execution_arn):
            if row["name"] == step_name:
                if not row["log_path"]:
                    return ""
                path = Path(row["log_path"])
                if not path.is_file():
                    raise LocalEngineError(f"the log of step {step_name} ({path}) is gone")
                return path.read_text(errors="replace")
        raise LocalEngineError(f"execution {execution_arn} has no step {step_name!r} (yet)")

    def step_log_path(self, execution_arn: str, step_name: str) -> Path | None:
        for row in self.home.state.steps(execution_arn):
            if row["name"] == step_name and row["log_path"]:
                return Path(row["log_path"])
        return None

    def property_file_reports(self, execution_arn: str) -> list[tuple[str, str, Any]]:
        """(step, file, JSON document) of every property file the execution's steps wrote."""
        reports = []
        for row in self.home.state.steps(execution_arn):
            if row["status"] != "Succeeded" or not row["properties"]:
                continue
            properties = json.loads(row["properties"])
            outputs = {
                output.get("OutputName"): output.get("S3Output", {}).get("S3Uri")
                for output in properties.get("ProcessingOutputConfig", {}).get("Outputs", [])
            }
            for item in properties.get("PropertyFiles") or []:
                base = outputs.get(item.get("OutputName"))
                if not base:
                    continue
                try:
                    document = self.home.store.read_json(f"{base}/{item['FilePath']}")
                except (OSError, ValueError):
                    continue
                reports.append((str(row["name"]), str(item["FilePath"]), document))
        return reports

    # ---- callback steps ----
    def list_callbacks(self, execution_arn: str | None = None) -> list[CallbackRecord]:
        self.home.state.reap_dead_runners()
        return [
            CallbackRecord(
                token=item.token,
                execution_arn=item.execution_arn,
                step_name=item.step_name,
                queue_url=item.queue_url,
                status=item.status,
                started=parse_time(item.created),
                arguments=item.message.get("arguments") or {},
                outputs=item.output_types,
            )
            for item in Callbacks(self.home.db).list(execution_arn)
        ]

    def send_callback_success(self, token: str, outputs: Mapping[str, str]) -> str:
        self.home.state.reap_dead_runners()
        return Callbacks(self.home.db).succeed(token, outputs).execution_arn

    def send_callback_failure(self, token: str, reason: str) -> str:
        self.home.state.reap_dead_runners()
        return Callbacks(self.home.db).fail(token, reason).execution_arn

    # ---- registry ----
    def list_model_packages(self, group: str) -> list[ModelPackage]:
        return self.home.registry.versions(group)

    def describe_model_package(self, arn: str) -> ModelPackage:
        return self.home.registry.describe(arn)

    def set_approval(self, arn: str, status: str, description: str | None = None) -> ModelPackage:
        return self.home.registry.set_approval(arn, status, description)

    def approval_history(self, arn: str) -> list[dict[str, Any]]:
        return [
            {**entry, "at": parse_time(entry["at"])} for entry in self.home.registry.history(arn)
        ]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _summary(row: Mapping[str, Any]) -> ExecutionSummary:
    return ExecutionSummary(
        arn=row["arn"],
        pipeline_name=row["pipeline_name"],
        status=row["status"],
        started=parse_time(row["started"] or row["created"]),
        ended=parse_time(row["ended"]),
        description=row["description"],
        failure_reason=row["failure_reason"],
        display_name=row["id"],
        max_parallel=row.get("max_parallel"),
    )


def _step(row: Mapping[str, Any]) -> StepRecord:
    metadata = {key: str(value) for key, value in json.loads(row["metadata"] or "{}").items()}
    if row["log_path"]:
        metadata.setdefault("LogFile", row["log_path"])
    return StepRecord(
        name=row["name"],
        type=row["type"],
        status=row["status"],
        started=parse_time(row["started"]),
        ended=parse_time(row["ended"]),
        failure_reason=row["failure_reason"],
        cache_source_execution=row["cache_source"],
        attempt=int(row["attempt"]),
        metadata=metadata,
    )
