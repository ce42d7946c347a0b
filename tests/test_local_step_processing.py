"""The Processing runner called in this process on hand-written steps: what the script sees
(arguments, environment, inputs, the sandbox), what is uploaded where, the exact properties,
and each refusal in full. Scripts are a few lines of Python run by the real job runner."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from local_support import SKLEARN_IMAGE, bootstrap_entrypoint, logged, make_bundle, step_context

from pipeline.local.containers import CODE_DIR
from pipeline.local.errors import CannotRunLocally, StepFailed
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps import processing
from pipeline.local.steps.context import StepResult
from pipeline.local.steps.processing import run_processing

BUNDLE = "s3://bucket/code/bundle.tar.gz"
CODE = "s3://bucket/code/"  # every bundle under it is downloaded and unpacked
DATA = "s3://bucket/data/"
OUT = "s3://bucket/out/report"

# Writes what it was given (arguments, environment, inputs, cwd) into its output folder.
SHOW_SCRIPT = """
import json, os, sys
root = os.environ["SMPIPE_CONTAINER_ROOT"]
out = os.path.join(root, "opt/ml/processing/report")
data = os.path.join(root, "opt/ml/processing/input/data")
seen = {
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "env": {k: os.environ.get(k) for k in ("SMPIPE_CONTAINER_ROOT", "PYTHONUNBUFFERED",
            "PYTHONDONTWRITEBYTECODE", "ALPHA", "BETA", "GAMMA", "KEPT_FROM_PARENT")},
    "data": sorted(os.listdir(data)) if os.path.isdir(data) else None,
    "code": sorted(os.listdir(os.path.dirname(os.path.abspath(__file__)))),
}
with open(os.path.join(out, "seen.json"), "w") as f:
    json.dump(seen, f, sort_keys=True)
os.makedirs(os.path.join(out, "sub"))
with open(os.path.join(out, "sub", "part.csv"), "w") as f:
    f.write("1,2\\n")
print("shown")
"""
FAIL_SCRIPT = """
import sys
print("some progress")
print("ValueError: the column 'age' is missing")
print("   ")
sys.exit(3)
"""
SLEEP_SCRIPT = "import time\ntime.sleep(30)\n"
BYTECODE_SCRIPT = "import helper\nprint(helper.VALUE)\n"


def _step(
    script: str = "show.py",
    *,
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[tuple[str, str, str]] = (("report", "/opt/ml/processing/report", OUT),),  # type: ignore[assignment]
    entrypoint: list[str] | None = None,
    **arguments: Any,
) -> dict[str, Any]:
    code = {"InputName": "code", "S3Input": {"S3Uri": CODE, "LocalPath": CODE_DIR}}
    return {
        "Name": "Prep",
        "Type": "Processing",
        "Arguments": {
            "AppSpecification": {
                "ImageUri": SKLEARN_IMAGE,
                "ContainerEntrypoint": entrypoint or bootstrap_entrypoint(script),
                **arguments.pop("app", {}),
            },
            "ProcessingInputs": [*(inputs or []), code],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {"OutputName": n, "S3Output": {"S3Uri": uri, "LocalPath": path}}
                    for n, path, uri in outputs
                ]
            },
            **arguments,
        },
    }


def _context(tmp_path: Path, step: dict[str, Any], **kwargs: Any) -> Any:
    context = step_context(tmp_path / "state", step, **kwargs)
    bundle = make_bundle(
        tmp_path / "bundle.tar.gz",
        {
            "show.py": SHOW_SCRIPT,
            "fail.py": FAIL_SCRIPT,
            "sleep.py": SLEEP_SCRIPT,
            "bytecode.py": BYTECODE_SCRIPT,
            "helper.py": "VALUE = 'helped'\n",
        },
    )
    context.home.store.put_file(bundle, BUNDLE)
    return context


def _objects(context: Any, prefix: str = "s3://bucket/out/") -> dict[str, str]:
    return {relative: path.read_text() for path, relative in context.home.store.objects(prefix)}


def test_a_processing_job_runs_the_script_and_uploads_its_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEPT_FROM_PARENT", "yes")
    monkeypatch.setenv("GAMMA", "from the parent")
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # set by the runner, not inherited
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    data = {
        "InputName": "data",
        "S3Input": {"S3Uri": DATA, "LocalPath": "/opt/ml/processing/input/data"},
    }
    step = _step(
        inputs=[data],
        outputs=[
            ("report", "/opt/ml/processing/report", OUT),
            ("empty", "/opt/ml/processing/empty", "s3://bucket/out/empty/"),
        ],
        app={
            "ContainerArguments": [
                "--in",
                "/opt/ml/processing/input/data",
                "--n",
                3,
                "--flag=/opt/ml/processing/report",
                True,
            ]
        },
        Environment={"ALPHA": "a", "BETA": 2, "GAMMA": False},
    )
    properties_files = [
        {"PropertyFileName": "Seen", "OutputName": "report", "FilePath": "seen.json"}
    ]
    step["PropertyFiles"] = properties_files
    context = _context(tmp_path, step, attempt=2)
    context.home.store.put_bytes(f"{DATA}a.csv", b"a\n")
    context.home.store.put_bytes(f"{DATA}nested/b.csv", b"b\n")
    arguments = step["Arguments"]
    result = run_processing(context, arguments)

    root = context.job_dir / "sandbox"
    name = f"pipelines-{context.execution_id}-Prep-2"
    arn = f"{ARN_PREFIX}:processing-job/{name.lower()}"
    assert result == StepResult(
        {
            **arguments,
            "ProcessingJobName": name,
            "ProcessingJobArn": arn,
            "ProcessingJobStatus": "Completed",
            "ExitMessage": "",
            "PropertyFiles": properties_files,
        },
        {"ProcessingJobArn": arn},
    )
    objects = _objects(context)
    assert sorted(objects) == ["report/seen.json", "report/sub/part.csv"]
    assert objects["report/sub/part.csv"] == "1,2\n"
    seen = json.loads(objects["report/seen.json"])
    assert seen == {
        "argv": [
            "--in",
            str(root / "opt/ml/processing/input/data"),
            "--n",
            "3",
            f"--flag={root / 'opt/ml/processing/report'}",
            "true",
        ],
        "cwd": str(root / "opt/ml/processing/input/code"),
        "env": {
            "SMPIPE_CONTAINER_ROOT": str(root),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "ALPHA": "a",
            "BETA": "2",
            "GAMMA": "false",
            "KEPT_FROM_PARENT": "yes",
        },
        "data": ["a.csv", "nested"],
        "code": ["bundle.tar.gz", "bytecode.py", "fail.py", "helper.py", "show.py", "sleep.py"],
    }
    assert not root.exists()  # the sandbox is discarded (no engine to collect it)
    lines = logged(context)
    assert lines[0] == f"processing job {name} in sandbox {root}"
    assert lines[1] == f"input data: 2 object(s) from {DATA}"
    assert lines[2] == f"input code: 1 object(s) from {CODE}"
    assert lines[3] == "unpacked bundle.tar.gz (5 entries)"
    assert lines[4] == (
        "running /opt/ml/processing/input/code/show.py --in /opt/ml/processing/input/data "
        "--n 3 --flag=/opt/ml/processing/report true"
    )
    assert lines[5] == "shown"
    assert lines[6:] == [
        f"output report: 2 object(s) to {OUT}",
        "output empty: 0 object(s) to s3://bucket/out/empty/",
    ]
    (row,) = context.home.state.steps(context.execution_arn)
    assert row["log_path"] == str(context.log_path) and isinstance(row["job_pid"], int)


def test_the_sandbox_is_fresh_and_handed_to_the_engine(tmp_path: Path) -> None:
    context = _context(tmp_path, _step())
    stale = context.job_dir / "sandbox" / "opt/ml/processing/report" / "stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("from an earlier attempt")
    context.discarded = []
    run_processing(context, context.step.arguments)
    assert sorted(_objects(context)) == ["report/seen.json", "report/sub/part.csv"]
    assert context.discarded == [context.job_dir / "sandbox"]
    assert context.job_dir.joinpath("sandbox").is_dir()


def test_no_bytecode_is_written_into_the_code_folder(tmp_path: Path) -> None:
    context = _context(tmp_path, _step("bytecode.py", outputs=[]))
    context.discarded = []
    run_processing(context, context.step.arguments)
    code = context.job_dir / "sandbox" / "opt/ml/processing/input/code"
    assert logged(context)[-1] == "helped"
    assert not (code / "__pycache__").exists()


def test_properties_without_property_files_or_outputs(tmp_path: Path) -> None:
    step = _step(outputs=[])
    del step["Arguments"]["ProcessingOutputConfig"]
    context = _context(tmp_path, step)
    with pytest.raises(StepFailed):  # the script writes into a folder nobody made
        run_processing(context, step["Arguments"])
    step = _step("bytecode.py", outputs=[])
    del step["Arguments"]["ProcessingOutputConfig"]
    context = _context(tmp_path / "again", step)
    result = run_processing(context, step["Arguments"])
    assert result.properties["PropertyFiles"] == []
    assert "ProcessingOutputConfig" not in result.properties


def test_a_python_entrypoint_runs_without_unpacking_bundles(tmp_path: Path) -> None:
    step = _step(entrypoint=["python3", f"{CODE_DIR}/show.py"], outputs=[])
    context = _context(tmp_path, step)
    with pytest.raises(StepFailed) as raised:
        run_processing(context, step["Arguments"])
    assert str(raised.value) == (
        f"ClientError: the script {CODE_DIR}/show.py is not in the code input (is the bundle "
        f"at the CodeBundleUri current?); log: {context.log_path}"
    )
    assert not any(line.startswith("unpacked") for line in logged(context))


def test_a_failing_script_fails_with_the_last_line_of_its_log(tmp_path: Path) -> None:
    context = _context(tmp_path, _step("fail.py", outputs=[]))
    with pytest.raises(StepFailed) as raised:
        run_processing(context, context.step.arguments)
    assert str(raised.value) == (
        "AlgorithmError: ValueError: the column 'age' is missing (exit code 3); "
        f"see the log: {context.log_path}"
    )


def test_the_stopping_condition_limits_the_job(tmp_path: Path) -> None:
    step = _step("sleep.py", outputs=[], StoppingCondition={"MaxRuntimeInSeconds": 0.5})
    context = _context(tmp_path, step)
    with pytest.raises(StepFailed) as raised:
        run_processing(context, step["Arguments"])
    assert str(raised.value) == (
        "MaxRuntimeExceeded: the job ran longer than its 0.5 s stopping condition; "
        f"log: {context.log_path}"
    )


def test_a_missing_input_fails_naming_it(tmp_path: Path) -> None:
    data = {
        "InputName": "data",
        "S3Input": {"S3Uri": DATA, "LocalPath": "/opt/ml/processing/input/data"},
    }
    context = _context(tmp_path, _step(inputs=[data]))
    with pytest.raises(StepFailed) as raised:
        run_processing(context, context.step.arguments)
    folder = context.home.root / "s3" / "bucket" / "data"
    assert str(raised.value) == (
        f"ClientError: input 'data': no object found at {DATA} ({folder}); log: {context.log_path}"
    )


def test_a_missing_code_bundle_says_how_to_build_one(tmp_path: Path) -> None:
    context = step_context(tmp_path, _step())
    with pytest.raises(StepFailed) as raised:
        run_processing(context, context.step.arguments)
    path = context.home.root / "s3" / "bucket" / "code"
    assert str(raised.value) == (
        f"ClientError: input 'code': no object found at {CODE} ({path}) (build the bundle "
        "into the local store with `smpipe bundle --local-store`, then compile with "
        "--var git_sha=<its version> or run with --param CodeBundleUri=<its URI>); "
        f"log: {context.log_path}"
    )
    assert isinstance(raised.value.__cause__, Exception)


def test_an_input_is_read_as_its_data_type(tmp_path: Path) -> None:
    """S3Object reads the one object at the URI; the default, S3Prefix, every key under it."""

    def data(kind: str | None) -> dict[str, Any]:
        s3 = {"S3Uri": "s3://bucket/data/a", "LocalPath": "/opt/ml/processing/input/data"}
        return {"InputName": "data", "S3Input": s3 if kind is None else {**s3, "S3DataType": kind}}

    for kind, expected in ((None, ["a.csv", "ab.csv"]), ("S3Prefix", ["a.csv", "ab.csv"])):
        context = _context(tmp_path / str(kind), _step(inputs=[data(kind)]))
        context.home.store.put_bytes("s3://bucket/data/a.csv", b"a")
        context.home.store.put_bytes("s3://bucket/data/ab.csv", b"b")
        run_processing(context, context.step.arguments)
        assert json.loads(_objects(context)["report/seen.json"])["data"] == expected
    context = _context(tmp_path / "object", _step(inputs=[data("S3Object")]))
    context.home.store.put_bytes("s3://bucket/data/a.csv", b"a")
    with pytest.raises(StepFailed, match="ClientError: input 'data': no object found at"):
        run_processing(context, context.step.arguments)


def test_an_entrypoint_the_engine_cannot_run(tmp_path: Path) -> None:
    step = _step(entrypoint=["bash", "run.sh"])
    context = _context(tmp_path, step)
    with pytest.raises(CannotRunLocally) as raised:
        run_processing(context, step["Arguments"])
    assert str(raised.value).startswith(
        "step 'Prep': cannot run the entrypoint ['bash', 'run.sh'] locally"
    )
    del step["Arguments"]["AppSpecification"]
    with pytest.raises(CannotRunLocally) as raised:
        run_processing(context, step["Arguments"])
    assert str(raised.value) == (
        "step 'Prep': ContainerEntrypoint must be a list of literal strings to run locally, "
        "found None"
    )


def _tar(path: Path, members: list[tarfile.TarInfo]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            data = b"print('x')\n" if info.isfile() else None
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _extra_bundle(tmp_path: Path, member: tarfile.TarInfo) -> Any:
    context = _context(tmp_path, _step())
    context.home.store.put_file(
        _tar(tmp_path / "extra.tar.gz", [member]), "s3://bucket/code/extra.tar.gz"
    )
    return context


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("/etc/x.py", tarfile.REGTYPE, "holds an unsafe path '/etc/x.py'"),
        ("a/../../x.py", tarfile.REGTYPE, "holds an unsafe path 'a/../../x.py'"),
        ("..", tarfile.DIRTYPE, "holds an unsafe path '..'"),
        ("link.py", tarfile.SYMTYPE, "holds 'link.py', which is not a regular file or folder"),
        ("fifo", tarfile.FIFOTYPE, "holds 'fifo', which is not a regular file or folder"),
    ],
)
def test_an_unsafe_bundle_is_refused(tmp_path: Path, name: str, kind: bytes, reason: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    if kind == tarfile.SYMTYPE:
        info.linkname = "show.py"
    context = _extra_bundle(tmp_path, info)
    with pytest.raises(StepFailed) as raised:
        run_processing(context, context.step.arguments)
    assert str(raised.value) == f"ClientError: extra.tar.gz {reason}"
    code = context.job_dir / "sandbox" / "opt/ml/processing/input/code"
    # bundle.tar.gz (first by name) was unpacked; nothing of extra.tar.gz was
    assert sorted(p.name for p in code.iterdir()) == [
        "bundle.tar.gz",
        "bytecode.py",
        "extra.tar.gz",
        "fail.py",
        "helper.py",
        "show.py",
        "sleep.py",
    ]


def test_bundles_unpack_in_name_order_with_folders(tmp_path: Path) -> None:
    folder = tarfile.TarInfo("pkg")
    folder.type = tarfile.DIRTYPE
    inner = tarfile.TarInfo("pkg/deep/show.py")
    nested = tarfile.TarInfo("tree/a/b")  # folders and files whose parents are not listed
    nested.type = tarfile.DIRTYPE
    deep = tarfile.TarInfo("lone/x/y/z.py")
    context = _extra_bundle(tmp_path, folder)
    context.home.store.put_file(
        _tar(tmp_path / "zz.tar.gz", [folder, inner, nested, deep]), "s3://bucket/code/zz.tar.gz"
    )
    context.discarded = []
    run_processing(context, context.step.arguments)
    code = context.job_dir / "sandbox" / "opt/ml/processing/input/code"
    assert (code / "pkg").is_dir() and (code / "pkg/deep/show.py").read_text() == "print('x')\n"
    assert (code / "tree/a/b").is_dir() and (code / "lone/x/y/z.py").is_file()
    unpacked = [line for line in logged(context) if line.startswith("unpacked")]
    assert unpacked == [
        "unpacked bundle.tar.gz (5 entries)",
        "unpacked extra.tar.gz (1 entries)",
        "unpacked zz.tar.gz (4 entries)",
    ]


def test_outputs_in_new_nested_folders_or_in_an_input_folder(tmp_path: Path) -> None:
    outputs = [
        ("deep", "/opt/ml/output/a/b", "s3://bucket/out/deep"),
        ("code", CODE_DIR, "s3://bucket/out/code"),
    ]
    context = _context(tmp_path, _step("bytecode.py", outputs=outputs))
    run_processing(context, context.step.arguments)
    assert sorted(rel for _, rel in context.home.store.objects("s3://bucket/out/")) == [
        "code/bundle.tar.gz",
        "code/bytecode.py",
        "code/fail.py",
        "code/helper.py",
        "code/show.py",
        "code/sleep.py",
    ]
    assert logged(context)[-2:] == [
        "output deep: 0 object(s) to s3://bucket/out/deep",
        "output code: 6 object(s) to s3://bucket/out/code",
    ]


def test_a_later_bundle_overwrites_an_earlier_file(tmp_path: Path) -> None:
    context = _context(tmp_path, _step("bytecode.py", outputs=[]))
    helper = tarfile.TarInfo("helper.py")
    data = b"VALUE = 'replaced'\n"
    helper.size = len(data)
    with tarfile.open(tmp_path / "later.tar.gz", "w:gz") as tar:
        tar.addfile(helper, io.BytesIO(data))
    context.home.store.put_file(tmp_path / "later.tar.gz", "s3://bucket/code/later.tar.gz")
    run_processing(context, context.step.arguments)
    assert logged(context)[-1] == "replaced"


def test_a_corrupt_bundle_is_a_client_error(tmp_path: Path) -> None:
    context = _context(tmp_path, _step())
    context.home.store.put_bytes("s3://bucket/code/broken.tar.gz", b"not a tarball")
    with pytest.raises(StepFailed) as raised:
        run_processing(context, context.step.arguments)
    assert str(raised.value) == (
        "ClientError: cannot unpack the code bundle broken.tar.gz: not a gzip file; "
        f"log: {context.log_path}"
    )
    assert isinstance(raised.value.__cause__, tarfile.TarError)
    truncated = tmp_path / "bundle.tar.gz"
    context.home.store.put_bytes("s3://bucket/code/broken.tar.gz", truncated.read_bytes()[:60])
    with pytest.raises(StepFailed, match=r"cannot unpack the code bundle broken.tar.gz: .*; log: "):
        run_processing(context, context.step.arguments)


def test_the_property_file_promises_are_checked(tmp_path: Path) -> None:
    step = _step()
    step["PropertyFiles"] = [
        {"PropertyFileName": "Seen", "OutputName": "report", "FilePath": "seen.json"}
    ]
    metadata = {"smpipe-property-paths-Prep-0": json.dumps({"Seen": ["argv", "missing.path"]})}
    context = _context(tmp_path, step, metadata=metadata)
    with pytest.raises(StepFailed) as raised:
        run_processing(context, step["Arguments"])
    assert str(raised.value).startswith("ClientError: ")
    assert "missing.path" in str(raised.value)


def test_a_spark_step_runs_the_spark_submit_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What spark_submit_command gives (pyspark may be absent here: it is stood in for) is
    run with its environment added; its own tests are in test_local_step_spark.py."""
    from pipeline.local import containers

    calls: list[Any] = []

    def submit(
        spark: Any, root: Path, app: Path, arguments: list[str], store: Any, log: Any
    ) -> Any:
        calls.append((spark, root, app, arguments, store))
        log("spark stand-in")
        return [sys.executable, str(app), "--from-spark"], {"ALPHA": "spark env"}

    spark = object()
    monkeypatch.setattr(processing, "spark_submit_command", submit)
    monkeypatch.setattr(
        containers,
        "local_command",
        lambda step, entrypoint: containers.LocalCommand(f"{CODE_DIR}/show.py", True, spark),  # type: ignore[arg-type]
    )
    step = _step(app={"ContainerArguments": ["--x", "/opt/ml/processing/report"]})
    context = _context(tmp_path, step)
    context.discarded = []
    run_processing(context, step["Arguments"])
    root = context.job_dir / "sandbox"
    assert calls == [
        (
            spark,
            root,
            root / "opt/ml/processing/input/code/show.py",
            ["--x", "/opt/ml/processing/report"],
            context.home.store,
        )
    ]
    seen = json.loads(_objects(context)["report/seen.json"])
    assert seen["argv"] == ["--from-spark"]
    assert seen["env"]["ALPHA"] == "spark env"
    assert seen["env"]["SMPIPE_CONTAINER_ROOT"] == str(root)
    assert "spark stand-in" in logged(context)


def test_the_job_gets_this_interpreter(tmp_path: Path) -> None:
    assert os.path.isabs(sys.executable)
    script = "import sys\nprint(sys.executable)\n"
    context = step_context(tmp_path / "state", _step("exe.py", outputs=[]))
    context.home.store.put_file(make_bundle(tmp_path / "b.tar.gz", {"exe.py": script}), BUNDLE)
    run_processing(context, context.step.arguments)
    assert logged(context)[-1] == sys.executable
