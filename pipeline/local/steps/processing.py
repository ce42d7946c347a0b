"""Processing steps: the script runs unchanged with this environment's Python, in a sandbox
that stands in for the container's filesystem."""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.local import containers
from pipeline.local.errors import LocalEngineError, StepFailed
from pipeline.local.expressions import to_text
from pipeline.local.jobs import log_tail, run_job
from pipeline.local.promises import check_promises
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps.context import StepContext, StepResult
from pipeline.local.steps.spark import spark_submit_command

_CODE_HINT = (
    " (build the bundle into the local store with `smpipe bundle --local-store`, then compile "
    "with --var git_sha=<its version> or run with --param CodeBundleUri=<its URI>)"
)


def run_processing(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    app = arguments.get("AppSpecification") or {}
    command = containers.local_command(ctx.step.name, app.get("ContainerEntrypoint"))
    root = ctx.job_dir / "sandbox"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    ctx.log(f"processing job {ctx.job_name()} in sandbox {root}")

    for item in arguments.get("ProcessingInputs") or []:
        s3 = item["S3Input"]
        uri = to_text(s3["S3Uri"])
        destination = containers.sandbox_path(root, s3["LocalPath"])
        try:
            count = ctx.home.store.download(uri, destination, s3.get("S3DataType", "S3Prefix"))
        except LocalEngineError as error:
            hint = _CODE_HINT if item.get("InputName") == "code" else ""
            raise StepFailed(
                f"ClientError: input {item.get('InputName')!r}: {error}{hint}; log: {ctx.log_path}"
            ) from error
        ctx.log(f"input {item.get('InputName')}: {count} object(s) from {uri}")

    code_dir = containers.sandbox_path(root, containers.CODE_DIR)
    if command.unpack_bundles:
        for bundle in sorted(code_dir.glob("*.tar.gz")):
            _safe_extract(bundle, code_dir, ctx)
    script = containers.sandbox_path(root, command.script)
    if not script.is_file():
        raise StepFailed(
            f"ClientError: the script {command.script} is not in the code input "
            f"(is the bundle at the CodeBundleUri current?); log: {ctx.log_path}"
        )
    outputs = (arguments.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    for output in outputs:
        containers.sandbox_path(root, output["S3Output"]["LocalPath"]).mkdir(
            parents=True, exist_ok=True
        )

    raw_arguments = [to_text(value) for value in app.get("ContainerArguments") or []]
    env = {
        **os.environ,
        **{key: to_text(value) for key, value in (arguments.get("Environment") or {}).items()},
        "SMPIPE_CONTAINER_ROOT": str(root),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    stopping = arguments.get("StoppingCondition") or {}
    ctx.log(f"running {command.script} {' '.join(raw_arguments)}")
    job = [sys.executable, str(script), *containers.rewrite_arguments(raw_arguments, root)]
    if command.spark is not None:  # a Spark step: real Spark in local mode
        job, spark_env = spark_submit_command(
            command.spark, root, script, raw_arguments, ctx.home.store, ctx.log
        )
        env.update(spark_env)
    exit_code = run_job(
        job,
        cwd=script.parent,
        env=env,
        log_path=ctx.log_path,
        stop=ctx.stop,
        max_runtime=stopping.get("MaxRuntimeInSeconds"),
        on_start=ctx.job_started,
    )
    if exit_code != 0:
        tail = log_tail(ctx.log_path)
        raise StepFailed(
            f"AlgorithmError: {tail or 'the script failed'} (exit code {exit_code}); "
            f"see the log: {ctx.log_path}"
        )

    for output in outputs:
        s3 = output["S3Output"]
        uploaded = ctx.home.store.upload_dir(
            containers.sandbox_path(root, s3["LocalPath"]), to_text(s3["S3Uri"])
        )
        ctx.log(f"output {output.get('OutputName')}: {len(uploaded)} object(s) to {s3['S3Uri']}")
    ctx.discard(root)

    job_name = ctx.job_name()
    arn = f"{ARN_PREFIX}:processing-job/{job_name.lower()}"
    properties = {
        **arguments,
        "ProcessingJobName": job_name,
        "ProcessingJobArn": arn,
        "ProcessingJobStatus": "Completed",
        "ExitMessage": "",
        "PropertyFiles": ctx.step.raw.get("PropertyFiles") or [],
    }
    check_promises(ctx, properties)
    return StepResult(properties, {"ProcessingJobArn": arn})


def _safe_extract(bundle: Path, destination: Path, ctx: StepContext) -> None:
    """Unpack a code bundle; refuse links and paths that would land outside the folder."""
    try:
        with tarfile.open(bundle, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                parts = PurePosixPath(member.name).parts
                if member.name.startswith("/") or ".." in parts:
                    raise StepFailed(
                        f"ClientError: {bundle.name} holds an unsafe path {member.name!r}"
                    )
                if not (member.isfile() or member.isdir()):
                    raise StepFailed(
                        f"ClientError: {bundle.name} holds {member.name!r}, which is not a "
                        "regular file or folder"
                    )
            for member in members:
                target = destination.joinpath(*PurePosixPath(member.name).parts)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                if source is None:
                    continue
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise StepFailed(
            f"ClientError: cannot unpack the code bundle {bundle.name}: {error}; "
            f"log: {ctx.log_path}"
        ) from error
    ctx.log(f"unpacked {bundle.name} ({len(members)} entries)")
