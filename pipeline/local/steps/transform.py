"""Transform steps (CreateTransformJob): the model a model step created scores every object
under the input prefix in a subprocess (``transform_job``); ``<object>.out`` files go to
``TransformOutput.S3OutputPath``."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.local import containers, script_job
from pipeline.local.errors import LocalEngineError, StepFailed
from pipeline.local.expressions import to_text
from pipeline.local.jobs import log_tail, run_job
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps.context import StepContext, StepResult
from pipeline.local.steps.model import load_model
from pipeline.local.store import ObjectStore


def _load_inference_code(
    store: ObjectStore, environment: Mapping[str, Any], model_dir: Path, code_dir: Path
) -> None:
    """The inference script's folder: the bundle SAGEMAKER_SUBMIT_DIRECTORY names, else the
    model archive's own ``code/`` folder (the inference toolkit's /opt/ml/model/code, where
    the SDK's repacking puts the script). Never the working folder."""
    submit = to_text(environment.get("SAGEMAKER_SUBMIT_DIRECTORY", ""))
    if submit:
        script_job.unpack_code(store, submit, code_dir)
    elif (model_dir / "code").is_dir():
        shutil.copytree(model_dir / "code", code_dir)
    else:
        raise LocalEngineError(
            f"SAGEMAKER_PROGRAM is {environment['SAGEMAKER_PROGRAM']!r} but there is no "
            "SAGEMAKER_SUBMIT_DIRECTORY and the model archive has no code/ folder"
        )


def run_transform(ctx: StepContext, arguments: Mapping[str, Any]) -> StepResult:
    store = ctx.home.store
    model = load_model(ctx.home, to_text(arguments.get("ModelName")))
    container = model["PrimaryContainer"]
    environment = container.get("Environment") or {}
    program = environment.get("SAGEMAKER_PROGRAM")
    if program:
        containers.check_framework_image(ctx.step.name, container.get("Image"))
    else:
        containers.check_training_image(ctx.step.name, container.get("Image"))
    root = ctx.job_dir / "sandbox"
    if root.exists():
        shutil.rmtree(root)
    name = ctx.job_name()
    ctx.log(f"transform job {name} with model {model['ModelName']} in sandbox {root}")
    model_dir = root / "opt/ml/model"
    archive = root / "model.tar.gz"
    archive.parent.mkdir(parents=True)
    try:
        shutil.copyfile(store.path_for(container["ModelDataUrl"]), archive)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(model_dir, filter="data")
        code_dir = root / "opt/ml/code"
        if program:
            _load_inference_code(store, environment, model_dir, code_dir)
    except (LocalEngineError, OSError, tarfile.TarError) as error:
        raise StepFailed(f"ClientError: cannot load the model: {error}") from error

    transform_input = arguments.get("TransformInput") or {}
    source = (transform_input.get("DataSource") or {}).get("S3DataSource") or {}
    input_uri = to_text(source.get("S3Uri", ""))
    if transform_input.get("CompressionType", "None") != "None":
        raise StepFailed("ClientError: compressed transform input cannot run locally")
    inputs = store.objects(input_uri)
    if not inputs:
        raise StepFailed(f"ClientError: no object found at {input_uri}")
    ctx.log(f"input: {len(inputs)} object(s) under {input_uri}")
    output = arguments.get("TransformOutput") or {}
    processing = arguments.get("DataProcessing") or {}
    payload_mb = arguments.get("MaxPayloadInMB")
    job = {
        "model_dir": str(model_dir),
        "code_dir": str(code_dir),
        "program": program,
        "content_type": transform_input.get("ContentType") or "text/csv",
        "accept": output.get("Accept") or "text/csv",
        "output_dir": str(root / "output"),
        "failure_file": str(root / "failure"),
        "inputs": [(str(path), relative) for path, relative in inputs],
        "settings": {
            "split_type": transform_input.get("SplitType", "None"),
            "batch_strategy": arguments.get("BatchStrategy") or "MultiRecord",
            "max_payload_bytes": int((6 if payload_mb is None else payload_mb) * 1024 * 1024)
            or 100 * 1024 * 1024,
            "input_filter": processing.get("InputFilter"),
            "output_filter": processing.get("OutputFilter"),
            "join_source": processing.get("JoinSource", "None"),
            "assemble_with": output.get("AssembleWith", "None"),
        },
    }
    job_file = root / "job.json"
    job_file.write_text(json.dumps(job, indent=2))
    env = {
        **os.environ,
        **{key: to_text(v) for key, v in (arguments.get("Environment") or {}).items()},
        **environment,
        "SMPIPE_CONTAINER_ROOT": str(root),
        "SAGEMAKER_BATCH": "true",
        "PYTHONUNBUFFERED": "1",
    }
    exit_code = run_job(
        [sys.executable, "-m", "pipeline.local.transform_job", str(job_file)],
        cwd=root,
        env=env,
        log_path=ctx.log_path,
        stop=ctx.stop,
        on_start=ctx.job_started,
    )
    if exit_code != 0:
        failure = root / "failure"
        reason = failure.read_text().strip() if failure.is_file() else ""
        reason = reason or f"AlgorithmError: {log_tail(ctx.log_path) or 'transform failed'}"
        raise StepFailed(f"{reason} (exit code {exit_code}); see the log: {ctx.log_path}")
    output_path = to_text(output.get("S3OutputPath", ""))
    written = store.upload_dir(root / "output", output_path)
    ctx.log(f"wrote {len(written)} object(s) under {output_path}")
    shutil.rmtree(root, ignore_errors=True)
    arn = f"{ARN_PREFIX}:transform-job/{name.lower()}"
    properties = {
        **arguments,
        "TransformJobName": name,
        "TransformJobArn": arn,
        "TransformJobStatus": "Completed",
        "ModelName": model["ModelName"],
    }
    return StepResult(properties, {"TransformJobArn": arn, "TransformOutput": output_path})
