"""Lambda steps: the function's own Python handler, from the code bundle, called with the
event SageMaker sends (the step's resolved inputs); the declared outputs of what it returns
become the step's ``OutputParameters``.

Where the handler is: the spec's ``local_handler: FILE.py:FUNCTION`` on the step, a file
inside the code bundle (``pipeline/code/``). The compiler writes it, the timeout and the
parameter holding the bundle into the definition's ``Metadata`` (``smpipe-lambda-<step>``),
which SageMaker keeps and ignores. A step without one fails, saying how to give one: the
function in AWS cannot be called from here.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from typing import Any

from pipeline.local.callbacks import output_types, typed_output
from pipeline.local.errors import LocalEngineError, StepFailed
from pipeline.local.expressions import to_text
from pipeline.local.jobs import log_tail, run_job
from pipeline.local.steps.context import StepContext, StepResult
from pipeline.local.steps.processing import _safe_extract

METADATA_PREFIX = "smpipe-lambda-"
_HOW = (
    "give the step `local_handler: FILE.py:FUNCTION` in the spec (FILE inside the code "
    "bundle, pipeline/code/) and compile again; the function in AWS cannot be called locally"
)


def local_settings(ctx: StepContext) -> dict[str, Any]:
    """The step's ``smpipe-lambda-<step>`` Metadata entry of the execution's definition."""
    execution = ctx.home.state.execution(ctx.execution_arn)
    text = ctx.home.state.definition(ctx.pipeline_name, int(execution["pipeline_version"]))
    metadata = json.loads(text).get("Metadata") or {}
    entry = metadata.get(f"{METADATA_PREFIX}{ctx.step.name}")
    try:
        settings = json.loads(entry) if isinstance(entry, str) else {}
    except ValueError:
        settings = {}
    return settings if isinstance(settings, dict) else {}


def run_lambda(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    function_arn = str(ctx.step.raw.get("FunctionArn") or "")
    settings = local_settings(ctx)
    handler = settings.get("Handler")
    if not handler:
        raise StepFailed(
            f"ClientError: no local handler for Lambda function {function_arn}: {_HOW}"
        )
    file_name, _, function = str(handler).partition(":")
    bundle_parameter = str(settings.get("CodeBundleParameter") or "")
    bundle_uri = ctx.scope.parameters.get(bundle_parameter)
    if not bundle_uri:
        raise StepFailed(
            f"ClientError: the Lambda step's code bundle parameter {bundle_parameter!r} has no value"
        )
    work = ctx.job_dir
    if work.exists():
        shutil.rmtree(work)
    code_dir = work / "code"
    try:
        ctx.home.store.download(to_text(bundle_uri), code_dir, "S3Object")
    except LocalEngineError as error:
        raise StepFailed(
            f"ClientError: the code bundle for the handler {handler}: {error} (build it into the "
            "local store with `smpipe bundle --local-store`)"
        ) from error
    for bundle in sorted(code_dir.glob("*.tar.gz")):
        _safe_extract(bundle, code_dir, ctx)
    if not (code_dir / file_name).is_file():
        raise StepFailed(
            f"ClientError: the handler file {file_name} is not in the code bundle; {_HOW}"
        )

    event_path, result_path = work / "event.json", work / "result.json"
    event_path.write_text(json.dumps(arguments, default=to_text, sort_keys=True), encoding="utf-8")
    timeout = float(settings.get("TimeoutSeconds") or 120)
    ctx.log(f"invoking {function_arn} locally: {handler} with event {event_path.read_text()}")
    env = {
        **os.environ,
        "SMPIPE_LOCAL_STATE_DIR": str(ctx.home.root),
        "SMPIPE_LAMBDA_FUNCTION_ARN": function_arn,
        "SMPIPE_LAMBDA_TIMEOUT": str(timeout),
        "AWS_LAMBDA_FUNCTION_NAME": function_arn.split(":function:", 1)[-1].split(":", 1)[0],
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [
        sys.executable,
        "-m",
        "pipeline.local.lambda_host",
        str(code_dir),
        file_name,
        function,
        str(event_path),
        str(result_path),
    ]
    try:
        exit_code = run_job(
            command,
            cwd=code_dir,
            env=env,
            log_path=ctx.log_path,
            stop=ctx.stop,
            max_runtime=timeout,
            on_start=ctx.job_started,
        )
    except StepFailed as failure:
        raise StepFailed(
            f"the Lambda function timed out after {timeout:g} s; log: {ctx.log_path}"
        ) from failure
    if exit_code != 0:
        raise StepFailed(
            f"the Lambda function failed: {log_tail(ctx.log_path) or f'exit code {exit_code}'}; "
            f"log: {ctx.log_path}"
        )
    result = json.loads(result_path.read_text(encoding="utf-8"))
    outputs = _outputs(result, output_types(ctx.step.raw))
    ctx.log(f"function returned outputs {json.dumps(outputs, sort_keys=True)}")
    return StepResult(
        {"OutputParameters": outputs, "FunctionArn": function_arn},
        {"FunctionArn": function_arn, **{f"Output.{k}": str(v) for k, v in outputs.items()}},
    )


def _outputs(result: Any, types: Mapping[str, str]) -> dict[str, Any]:
    if not types:
        return {}
    if not isinstance(result, Mapping):
        raise StepFailed(
            f"the Lambda function returned {type(result).__name__}, not an object with the "
            f"declared outputs {', '.join(types)}"
        )
    missing = [name for name in types if name not in result]
    if missing:
        raise StepFailed(
            f"the Lambda function's result has no declared output {', '.join(missing)} "
            f"(it returned {', '.join(map(str, result)) or 'nothing'})"
        )
    try:
        return {name: typed_output(name, kind, result[name]) for name, kind in types.items()}
    except ValueError as error:
        raise StepFailed(f"the Lambda function's result: {error}") from None
