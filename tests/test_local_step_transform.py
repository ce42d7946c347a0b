"""The Transform runner called in this process on hand-written steps: a framework model (a
few-line inference script) scores the input objects in a real job; the job file, the
environment, the output keys, the properties and each refusal in full."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from local_support import ECR, SKLEARN_IMAGE, XGBOOST_IMAGE, logged, make_bundle, step_context

from pipeline.local.errors import CannotRunLocally, LocalEngineError, StepFailed, StepStopped
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps import transform
from pipeline.local.steps.context import StepResult
from pipeline.local.steps.model import run_model
from pipeline.local.steps.transform import run_transform

MODEL_DATA = "s3://bucket/model/model.tar.gz"
SERVE = "s3://bucket/code/serve.tar.gz"
BATCH = "s3://bucket/batch/"
OUT = "s3://bucket/batch-out/"
SERVE_SCRIPT = """
import os

def model_fn(model_dir):
    return open(os.path.join(model_dir, "weights.txt")).read().strip()

def transform_fn(model, body, content_type, accept):
    if "FAIL" in body:
        raise ValueError("cannot score " + body.strip())
    env = ",".join(os.environ.get(k, "-") for k in ("STEP_ENV", "MODEL_ENV", "SHARED",
                   "SAGEMAKER_BATCH", "PYTHONUNBUFFERED", "KEPT_FROM_PARENT"))
    root = os.environ["SMPIPE_CONTAINER_ROOT"]
    return "%s|%s|%s|%s|%s|%s\\n" % (model, content_type, accept, env, os.getcwd() == root,
                                 body.strip())
"""


def _context(
    tmp_path: Path,
    arguments: dict[str, Any],
    *,
    program: bool = True,
    submit: bool = True,
    model_files: dict[str, str] | None = None,
    image: str = SKLEARN_IMAGE,
    **kwargs: Any,
) -> Any:
    step = {"Name": "Score", "Type": "Transform", "Arguments": arguments}
    context = step_context(tmp_path / "state", step, **kwargs)
    store = context.home.store
    archive = make_bundle(tmp_path / "model.tar.gz", {"weights.txt": "w1\n", **(model_files or {})})
    store.put_file(archive, MODEL_DATA)
    store.put_file(make_bundle(tmp_path / "serve.tar.gz", {"serve.py": SERVE_SCRIPT}), SERVE)
    store.put_bytes(f"{BATCH}a.csv", b"1,2\n3,4\n")
    store.put_bytes(f"{BATCH}sub/b.csv", b"5,6\n")
    environment = {"MODEL_ENV": "m", "SHARED": "from the model"}
    if program:
        environment["SAGEMAKER_PROGRAM"] = "serve.py"
        if submit:
            environment["SAGEMAKER_SUBMIT_DIRECTORY"] = SERVE
    model_context = step_context(tmp_path / "state", {"Name": "Model", "Type": "Model"})
    model = run_model(
        model_context,
        {
            "PrimaryContainer": {
                "Image": image,
                "ModelDataUrl": MODEL_DATA,
                "Environment": environment,
            }
        },
    )
    context.model_name = model.properties["ModelName"]
    return context


def _arguments(model: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "ModelName": model,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": BATCH}},
            "ContentType": "application/x-rows",
            "SplitType": "Line",
        },
        "TransformOutput": {"S3OutputPath": OUT, "Accept": "text/plain", "AssembleWith": "Line"},
        "Environment": {"STEP_ENV": 1, "SHARED": "from the step"},
        **extra,
    }


def _run(tmp_path: Path, arguments: dict[str, Any], **kwargs: Any) -> tuple[Any, Any]:
    context = _context(tmp_path, arguments, **kwargs)
    arguments["ModelName"] = context.model_name
    return context, run_transform(context, arguments)


def test_a_framework_model_scores_every_input_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEPT_FROM_PARENT", "yes")
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # set by the runner, not inherited
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    jobs: list[dict[str, Any]] = []
    real_run_job = transform.run_job

    def recorded(command: list[str], **kwargs: Any) -> int:
        jobs.append(
            {
                "command": command,
                "job": json.loads(Path(command[-1]).read_text()),
                "text": Path(command[-1]).read_text(),
                **kwargs,
            }
        )
        return real_run_job(command, **kwargs)

    monkeypatch.setattr(transform, "run_job", recorded)
    arguments = _arguments(
        MaxPayloadInMB=1,
        BatchStrategy="SingleRecord",
        DataProcessing={"InputFilter": "$[0]", "OutputFilter": "$", "JoinSource": "Input"},
    )
    context = _context(tmp_path, arguments, attempt=2)
    arguments["ModelName"] = context.model_name
    stale = context.job_dir / "sandbox" / "output" / "stale.out"
    stale.parent.mkdir(parents=True)
    stale.write_text("an earlier attempt's")
    result = run_transform(context, arguments)

    name = f"pipelines-{context.execution_id}-Score-2"
    arn = f"{ARN_PREFIX}:transform-job/{name.lower()}"
    assert result == StepResult(
        {
            **arguments,
            "TransformJobName": name,
            "TransformJobArn": arn,
            "TransformJobStatus": "Completed",
            "ModelName": context.model_name,
        },
        {"TransformJobArn": arn, "TransformOutput": OUT},
    )
    root = context.job_dir / "sandbox"
    (job,) = jobs
    store = context.home.store
    assert job["command"][1:] == ["-m", "pipeline.local.transform_job", str(root / "job.json")]
    assert job["job"] == {
        "model_dir": str(root / "opt/ml/model"),
        "code_dir": str(root / "opt/ml/code"),
        "program": "serve.py",
        "content_type": "application/x-rows",
        "accept": "text/plain",
        "output_dir": str(root / "output"),
        "failure_file": str(root / "failure"),
        "inputs": [
            [str(store.path_for(f"{BATCH}a.csv")), "a.csv"],
            [str(store.path_for(f"{BATCH}sub/b.csv")), "sub/b.csv"],
        ],
        "settings": {
            "split_type": "Line",
            "batch_strategy": "SingleRecord",
            "max_payload_bytes": 1024 * 1024,
            "input_filter": "$[0]",
            "output_filter": "$",
            "join_source": "Input",
            "assemble_with": "Line",
        },
    }
    assert job["text"] == json.dumps(job["job"], indent=2)
    assert (job["cwd"], job["log_path"], job["stop"]) == (root, context.log_path, context.stop)
    env = job["env"]
    assert (env["STEP_ENV"], env["MODEL_ENV"], env["SHARED"], env["SMPIPE_CONTAINER_ROOT"]) == (
        "1",
        "m",
        "from the model",
        str(root),
    )
    assert (env["SAGEMAKER_BATCH"], env["PYTHONUNBUFFERED"], env["KEPT_FROM_PARENT"]) == (
        "true",
        "1",
        "yes",
    )
    written = {rel: path.read_text() for path, rel in store.objects(OUT)}
    # each input record (JoinSource Input), then the answer to its first column (InputFilter)
    answer = "w1|application/x-rows|text/plain|1,m,from the model,true,1,yes|True|"
    assert written == {
        "a.csv.out": f"1,2,{answer}1\n3,4,{answer}3\n",
        "sub/b.csv.out": f"5,6,{answer}5\n",
    }
    assert not root.exists()
    lines = logged(context)
    assert lines[0] == f"transform job {name} with model {context.model_name} in sandbox {root}"
    assert lines[1] == f"input: 2 object(s) under {BATCH}"
    assert lines[-1] == f"wrote 2 object(s) under {OUT}"
    (row,) = [r for r in context.home.state.steps(context.execution_arn) if r["name"] == "Score"]
    assert row["log_path"] == str(context.log_path) and isinstance(row["job_pid"], int)


def test_defaults_of_the_job_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the optional fields: SageMaker's defaults (6 MB payloads, MultiRecord, CSV)."""
    jobs: list[dict[str, Any]] = []

    def fake(command: list[str], **kwargs: Any) -> int:
        jobs.append(json.loads(Path(command[-1]).read_text()))
        return 0

    monkeypatch.setattr(transform, "run_job", fake)
    arguments = {
        "TransformInput": {"DataSource": {"S3DataSource": {"S3Uri": BATCH}}},
        "TransformOutput": {"S3OutputPath": OUT},
    }
    context, _result = _run(tmp_path, arguments, program=False, image=XGBOOST_IMAGE)
    (job,) = jobs
    assert (job["program"], job["content_type"], job["accept"]) == (None, "text/csv", "text/csv")
    assert job["settings"] == {
        "split_type": "None",
        "batch_strategy": "MultiRecord",
        "max_payload_bytes": 6 * 1024 * 1024,
        "input_filter": None,
        "output_filter": None,
        "join_source": "None",
        "assemble_with": "None",
    }
    assert not (context.job_dir / "sandbox" / "opt/ml/code").exists()
    assert logged(context)[-1] == f"wrote 0 object(s) under {OUT}"
    arguments["MaxPayloadInMB"] = 0  # no limit: SageMaker's 100 MB
    arguments["TransformInput"]["CompressionType"] = "None"
    _run(tmp_path / "zero", arguments, program=False, image=XGBOOST_IMAGE)
    assert jobs[-1]["settings"]["max_payload_bytes"] == 100 * 1024 * 1024
    arguments["MaxPayloadInMB"] = 2.5
    _run(tmp_path / "half", arguments, program=False, image=XGBOOST_IMAGE)
    assert jobs[-1]["settings"]["max_payload_bytes"] == int(2.5 * 1024 * 1024)


def test_a_failing_model_fails_with_its_reason(tmp_path: Path) -> None:
    context = _context(tmp_path, {})
    context.home.store.put_bytes(f"{BATCH}c.csv", b"FAIL\n")
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(context.model_name))
    assert str(raised.value) == (
        "AlgorithmError: ValueError: cannot score FAIL (exit code 2); "
        f"see the log: {context.log_path}"
    )
    sandbox = context.job_dir / "sandbox"  # kept for a look at what the job had
    assert sorted(p.name for p in sandbox.iterdir()) == [
        "failure", "job.json", "model.tar.gz", "opt", "output"]  # fmt: skip


@pytest.mark.parametrize(
    ("failure", "code", "reason"),
    [
        ("  ClientError: from the failure file\n", 1, "ClientError: from the failure file"),
        (None, 137, "AlgorithmError: the last line of the log"),
    ],
)
def test_a_failed_job_fails_with_its_failure_file_or_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str | None, code: int, reason: str
) -> None:
    def fake(command: list[str], **kwargs: Any) -> int:
        job = json.loads(Path(command[-1]).read_text())
        if failure is not None:
            Path(job["failure_file"]).write_text(failure)
        with open(kwargs["log_path"], "a") as log:
            log.write("the last line of the log\n\n")
        return code

    monkeypatch.setattr(transform, "run_job", fake)
    context = _context(tmp_path, {})
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(context.model_name))
    assert str(raised.value) == f"{reason} (exit code {code}); see the log: {context.log_path}"


def test_an_unknown_model(tmp_path: Path) -> None:
    context = _context(tmp_path, {})
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(7))  # type: ignore[arg-type]
    assert str(raised.value) == 'ClientError: Could not find model "7"'


def test_images_are_checked_for_the_model_kind(tmp_path: Path) -> None:
    context = _context(tmp_path, {}, image=XGBOOST_IMAGE.replace("sagemaker-xgboost", "mine"))
    with pytest.raises(CannotRunLocally) as raised:
        run_transform(context, _arguments(context.model_name))
    assert str(raised.value).startswith("step 'Score': image ") and "script locally" in str(
        raised.value
    )
    context = _context(tmp_path / "builtin", {}, program=False, image=SKLEARN_IMAGE)
    with pytest.raises(CannotRunLocally) as raised:
        run_transform(context, _arguments(context.model_name))
    assert str(raised.value).startswith(f"step 'Score': training image '{SKLEARN_IMAGE}'")


def test_a_model_that_cannot_be_loaded(tmp_path: Path) -> None:
    context = _context(tmp_path, {})
    store = context.home.store
    store.put_bytes(MODEL_DATA, b"not a tarball")
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(context.model_name))
    assert str(raised.value) == "ClientError: cannot load the model: not a gzip file"
    store.path_for(MODEL_DATA).unlink()
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(context.model_name))
    path = store.path_for(MODEL_DATA)
    assert str(raised.value) == (
        f"ClientError: cannot load the model: [Errno 2] No such file or directory: '{path}'"
    )
    store.put_file(make_bundle(tmp_path / "model.tar.gz", {"weights.txt": "w1\n"}), MODEL_DATA)
    store.path_for(SERVE).unlink()
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(context.model_name))
    assert str(raised.value) == (
        f"ClientError: cannot load the model: no code bundle at {SERVE} ({store.path_for(SERVE)})"
    )


def test_a_model_archive_cannot_write_outside_the_model_folder(tmp_path: Path) -> None:
    context = _context(tmp_path, {})
    store = context.home.store
    store.put_file(make_bundle(tmp_path / "evil.tar.gz", {"../evil.txt": "x"}), MODEL_DATA)
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(context.model_name))
    model_dir = context.job_dir / "sandbox" / "opt/ml/model"
    assert str(raised.value) == (
        f"ClientError: cannot load the model: '../evil.txt' would be extracted to "
        f"'{model_dir.parent / 'evil.txt'}', which is outside the destination"
    )
    assert isinstance(raised.value.__cause__, tarfile.OutsideDestinationError)
    assert not (context.job_dir / "sandbox" / "opt/ml/evil.txt").exists()


@pytest.mark.parametrize("kind", ["Gzip", None])
def test_compressed_input_cannot_run_locally(tmp_path: Path, kind: Any) -> None:
    context = _context(tmp_path, {})
    arguments = _arguments(context.model_name)
    arguments["TransformInput"]["CompressionType"] = kind
    with pytest.raises(StepFailed) as raised:
        run_transform(context, arguments)
    assert str(raised.value) == "ClientError: compressed transform input cannot run locally"


@pytest.mark.parametrize(
    ("transform_input", "uri"),
    [
        ({"DataSource": {"S3DataSource": {"S3Uri": "s3://bucket/none/"}}}, "s3://bucket/none/"),
        ({"DataSource": {"S3DataSource": None}}, ""),
        ({"DataSource": None}, ""),
        (None, ""),
    ],
)
def test_no_input_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, transform_input: Any, uri: str
) -> None:
    context = _context(tmp_path, {})
    arguments = _arguments(context.model_name, TransformInput=transform_input)
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")  # an empty URI reads the working folder
    with pytest.raises(StepFailed) as raised:
        run_transform(context, arguments)
    assert str(raised.value) == f"ClientError: no object found at {uri}"


def test_a_stopped_execution_starts_no_job(tmp_path: Path) -> None:
    context = _context(tmp_path, {})
    context.stop.set()
    with pytest.raises(StepStopped):
        run_transform(context, _arguments(context.model_name))
    assert ECR in SKLEARN_IMAGE


def test_an_output_path_is_required(tmp_path: Path) -> None:
    context = _context(tmp_path, {})
    arguments = _arguments(context.model_name, TransformOutput={})
    with pytest.raises(LocalEngineError) as raised:
        run_transform(context, arguments)
    assert str(raised.value) == "outputs must go to an s3:// URI, not "


def test_without_a_submit_directory_the_script_comes_from_the_model_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The inference toolkit reads /opt/ml/model/code; the working folder is never the code.
    (tmp_path / "serve.py").write_text("raise SystemExit('the working folder was used')\n")
    monkeypatch.chdir(tmp_path)
    context = _context(tmp_path, {}, submit=False, model_files={"code/serve.py": SERVE_SCRIPT})
    run_transform(context, _arguments(context.model_name))
    scored = context.home.store.path_for(f"{OUT}a.csv.out").read_text()
    assert scored.startswith("w1|application/x-rows|text/plain|")


def test_without_a_submit_directory_or_code_in_the_model_the_job_fails(tmp_path: Path) -> None:
    context = _context(tmp_path, {}, submit=False)
    with pytest.raises(StepFailed) as raised:
        run_transform(context, _arguments(context.model_name))
    assert str(raised.value) == (
        "ClientError: cannot load the model: SAGEMAKER_PROGRAM is 'serve.py' but there is no "
        "SAGEMAKER_SUBMIT_DIRECTORY and the model archive has no code/ folder"
    )
