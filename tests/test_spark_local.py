"""Spark steps on the local engine with real Spark (local mode): the PySpark Titanic example
(spec/examples/titanic-spark.yaml) runs end to end, its preprocessing writes byte-identical
files to preprocess.py's on the curated data, and the configuration input is applied.
Plus the entrypoint, dependency and configuration handling, without starting Spark."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from titanic_support import ROOT, seed_titanic

from compiler.emit.spark import SPARK_BOOTSTRAP
from pipeline.local.backend import LocalBackend
from pipeline.local.containers import local_command
from pipeline.local.errors import CannotRunLocally, StepFailed
from pipeline.local.steps.spark import spark_submit_command
from pipeline.local.store import ObjectStore

SPEC = ROOT / "spec" / "examples" / "titanic-spark.yaml"
HEAD = ["/bin/sh", "-c", SPARK_BOOTSTRAP, "smspark-submit"]
CODE = "/opt/ml/processing/input/code"


@dataclass
class SparkRun:
    backend: LocalBackend
    arn: str
    definition: dict[str, object]


@pytest.fixture(scope="module")
def spark_run(tmp_path_factory: pytest.TempPathFactory) -> SparkRun:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime")
    workdir = tmp_path_factory.mktemp("spark")
    seeded = seed_titanic(workdir, workdir / "state", SPEC)
    arn = seeded.backend.start(seeded.compiled.pipeline_name, {})
    assert seeded.backend.wait(arn, timeout=1200)
    return SparkRun(seeded.backend, arn, seeded.compiled.definition)


def pandas_outputs(tmp_path: Path) -> Path:
    """preprocess.py (pandas) on the curated data, in a sandbox of its own."""
    root = tmp_path / "pandas"
    for split in ("train", "validation"):
        folder = root / "opt/ml/processing/input" / split
        folder.mkdir(parents=True)
        shutil.copy(ROOT / "data" / "curated" / f"{split}.csv", folder)
    subprocess.run(
        [sys.executable, "preprocess.py"],
        cwd=ROOT / "pipeline" / "code",
        env={**os.environ, "SMPIPE_CONTAINER_ROOT": str(root)},
        check=True,
        capture_output=True,
    )
    return root / "opt/ml/processing/output"


def test_the_spark_pipeline_runs_end_to_end(spark_run: SparkRun) -> None:
    summary = spark_run.backend.describe_execution(spark_run.arn)
    assert summary.status == "Succeeded", spark_run.backend.list_steps(spark_run.arn)
    statuses = {s.name: s.status for s in spark_run.backend.list_steps(spark_run.arn)}
    assert statuses["RegisterModel"] == "Succeeded"


def test_spark_and_pandas_preprocessing_write_identical_files(
    spark_run: SparkRun, tmp_path: Path
) -> None:
    expected = pandas_outputs(tmp_path)
    execution_id = spark_run.arn.rsplit("/", 1)[1]
    store = spark_run.backend.home.store
    base = f"s3://titanic-mlops-artifacts-dev/pipeline/runtime/titanic-spark-dev/{execution_id}"
    for split in ("train", "validation"):
        spark_file = store.path_for(f"{base}/DataPreProcessing/{split}/{split}.csv")
        pandas_file = expected / split / f"{split}.csv"
        assert spark_file.read_bytes() == pandas_file.read_bytes(), split
        assert sorted(p.name for p in spark_file.parent.iterdir()) == [f"{split}.csv"]


def test_the_configuration_reaches_spark(spark_run: SparkRun) -> None:
    log = spark_run.backend.step_log(spark_run.arn, "DataPreProcessing")
    assert "spark configuration: 2 spark-defaults setting(s), 1 export(s)" in log
    assert "--conf spark.driver.memory=2g --conf spark.sql.shuffle.partitions=8" in log
    assert "spark-submit (local mode): --master local[" in log
    step = spark_run.definition["Steps"][0]  # type: ignore[index]
    conf = next(i for i in step["Arguments"]["ProcessingInputs"] if i["InputName"] == "conf")
    stored = spark_run.backend.home.store.read_json(conf["S3Input"]["S3Uri"])
    assert stored[0] == {
        "Classification": "spark-defaults",
        "Properties": {"spark.sql.shuffle.partitions": "8", "spark.driver.memory": "2g"},
    }


def test_the_spark_entrypoint_is_recognised_and_its_options_kept() -> None:
    entrypoint = [*HEAD, "--py-files", f"{CODE}/lib", "-v", f"{CODE}/app.py", "--x"]
    command = local_command("Prep", entrypoint)
    assert command.spark is not None and command.script == f"{CODE}/app.py"
    assert command.spark.options == ("--py-files", f"{CODE}/lib", "-v")
    assert command.spark.app_arguments == ("--x",)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (["--conf", "a=b", f"{CODE}/app.py"], "smspark-submit option '--conf' is not supported"),
        (["s3://bucket/app.py"], "must be a file of the code bundle"),
    ],
)
def test_an_unusable_spark_entrypoint_is_refused_before_running(
    tail: list[str], message: str
) -> None:
    with pytest.raises(CannotRunLocally, match=message):
        local_command("Prep", [*HEAD, *tail])


def test_dependencies_and_configuration_become_spark_submit_options(tmp_path: Path) -> None:
    code = tmp_path / CODE.lstrip("/")
    (code / "lib").mkdir(parents=True)
    (code / "lib" / "a.py").write_text("")
    (code / "lib" / "b.py").write_text("")
    (code / "app.py").write_text("")
    conf = tmp_path / "opt/ml/processing/input/conf"
    conf.mkdir(parents=True)
    (conf / "configuration.json").write_text(
        json.dumps(
            [
                {"Classification": "spark-defaults", "Properties": {"spark.x": "1"}},
                {"Classification": "yarn-site", "Properties": {"y": "2"}},
                {
                    "Classification": "spark-env",
                    "Properties": {},
                    "Configurations": [{"Classification": "export", "Properties": {"K": "v"}}],
                },
            ]
        )
    )
    submit = local_command("Prep", [*HEAD, "--py-files", f"{CODE}/lib", f"{CODE}/app.py"]).spark
    assert submit is not None
    logged: list[str] = []
    command, env = spark_submit_command(
        submit,
        tmp_path,
        code / "app.py",
        ["--out", "/opt/ml/processing/output"],
        None,
        logged.append,
    )
    assert command[command.index("--conf") + 1] == "spark.x=1"
    assert command[command.index("--py-files") + 1] == f"{code}/lib/a.py,{code}/lib/b.py"
    assert command[-2:] == ["--out", str(tmp_path / "opt/ml/processing/output")]
    assert env["K"] == "v"
    assert "configuration yarn-site: not applied (no local-mode equivalent)" in logged


def submit_in(tmp_path: Path, *options: str) -> tuple[list[str], dict[str, str], list[str]]:
    """spark_submit_command for an app.py in the sandbox `tmp_path` with these options."""
    code = tmp_path / CODE.lstrip("/")
    code.mkdir(parents=True, exist_ok=True)
    (code / "app.py").write_text("")
    submit = local_command("Prep", [*HEAD, *options, f"{CODE}/app.py"]).spark
    assert submit is not None
    logged: list[str] = []
    store = ObjectStore(tmp_path / "store")
    command, env = spark_submit_command(submit, tmp_path, code / "app.py", [], store, logged.append)
    return command, env, logged


def test_s3_dependencies_come_from_the_object_store(tmp_path: Path) -> None:
    store = ObjectStore(tmp_path / "store")
    for key in ("libs/geo.zip", "jars/udfs.jar"):
        store.path_for(f"s3://bucket/{key}").parent.mkdir(parents=True, exist_ok=True)
        store.path_for(f"s3://bucket/{key}").write_bytes(b"PK")
    command, _, _ = submit_in(
        tmp_path, "--py-files", "s3://bucket/libs/geo.zip", "--jars", "s3a://bucket/jars/udfs.jar"
    )
    assert command[command.index("--py-files") + 1] == str(
        store.path_for("s3://bucket/libs/geo.zip")
    )
    assert command[command.index("--jars") + 1] == str(store.path_for("s3://bucket/jars/udfs.jar"))


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("s3://bucket/libs/absent.zip", "spark dependency s3://bucket/libs/absent.zip is not in"),
        (f"{CODE}/absent.py", f"spark dependency {CODE}/absent.py does not exist"),
        (f"{CODE}/empty", f"found zero files in {CODE}/empty"),
    ],
    ids=["object not in the store", "file not in the bundle", "empty folder"],
)
def test_a_missing_dependency_fails_the_step(tmp_path: Path, option: str, message: str) -> None:
    (tmp_path / CODE.lstrip("/") / "empty").mkdir(parents=True)
    with pytest.raises(StepFailed, match=re.escape(message)):
        submit_in(tmp_path, "--py-files", option)


def test_verbose_and_the_python_of_driver_and_workers(tmp_path: Path) -> None:
    command, env, _ = submit_in(tmp_path, "-v")
    assert command[1:4] == ["--master", f"local[{os.cpu_count() or 1}]", "--verbose"]
    # Spark's Python workers must run this interpreter (it has pyspark and the engine's
    # packages), not whatever `python3` is first on PATH.
    assert env["PYSPARK_PYTHON"] == env["PYSPARK_DRIVER_PYTHON"] == sys.executable
    assert env["SPARK_LOCAL_IP"] == "127.0.0.1"


def test_a_configuration_that_is_not_json_fails_the_step(tmp_path: Path) -> None:
    conf = tmp_path / "opt/ml/processing/input/conf"
    conf.mkdir(parents=True)
    (conf / "configuration.json").write_text("[{not json")
    with pytest.raises(StepFailed, match=re.escape("configuration.json is not JSON")):
        submit_in(tmp_path)


def test_another_shell_entrypoint_is_not_taken_for_spark() -> None:
    with pytest.raises(CannotRunLocally, match="cannot run the entrypoint"):
        local_command("Prep", ["/bin/sh", "-c", "echo hello", "smspark-submit", f"{CODE}/a.py"])
