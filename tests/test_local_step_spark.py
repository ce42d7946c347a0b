"""Spark steps' local command, built in this process: which entrypoints are Spark's, the
smspark-submit options, the spark-submit command line and environment, dependencies and the
``conf`` input. pyspark is stood in for by a module of that name where it is not installed
(only its location is read); the real run is in test_spark_local.py."""

from __future__ import annotations

import importlib.machinery
import json
import locale
import sys
import types
from pathlib import Path

import pytest

from compiler.emit.spark import SPARK_BOOTSTRAP
from pipeline.local.containers import CODE_DIR, LocalCommand, local_command
from pipeline.local.errors import CannotRunLocally, StepFailed
from pipeline.local.steps import spark
from pipeline.local.steps.spark import SparkSubmit, spark_command, spark_submit_command
from pipeline.local.store import ObjectStore

HEAD = ["/bin/sh", "-c", SPARK_BOOTSTRAP, "smspark-submit"]
APP = f"{CODE_DIR}/app.py"


@pytest.fixture
def pyspark_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "site" / "pyspark"
    home.mkdir(parents=True)
    module = types.ModuleType("pyspark")
    module.__file__ = str(home / "__init__.py")
    module.__spec__ = importlib.machinery.ModuleSpec("pyspark", None, origin=module.__file__)
    monkeypatch.setitem(sys.modules, "pyspark", module)
    return home


OPTIONS = ("-v", "--py-files", f"{CODE_DIR}/deps", "--verbose", "--jars", "s3://b/j.jar",
           "--files", "f", "--class", "Main")  # fmt: skip


def test_a_spark_entrypoint_and_its_options(pyspark_home: Path) -> None:
    entrypoint = [*HEAD, *OPTIONS, APP, "--rows", "10"]
    command = spark_command("Spark", entrypoint)
    assert command == LocalCommand(
        APP, unpack_bundles=True, spark=SparkSubmit(OPTIONS, APP, ("--rows", "10"))
    )
    assert local_command("Spark", entrypoint) == command
    assert spark_command("Spark", [*HEAD, APP]) == LocalCommand(APP, True, SparkSubmit((), APP, ()))


def test_other_entrypoints_are_not_spark(
    pyspark_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert spark_command("S", ["python3", APP]) is None
    assert spark_command("S", [*HEAD[:3], "spark-submit", APP]) is None
    assert spark_command("S", ["/bin/bash", *HEAD[1:], APP]) is None
    assert spark_command("S", HEAD[:3]) is None
    monkeypatch.setattr(spark, "_bootstrap", lambda: None)
    assert spark_command("S", [*HEAD, APP]) is None
    head = ["/bin/sh", "-c", None, "smspark-submit"]
    assert spark_command("S", [*head, APP]) is None


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        (["--master", "yarn", APP], "step 'S': smspark-submit option '--master' is not supported"),
        (["--jars"], "step 'S': smspark-submit option '--jars' is not supported"),
        (
            ["-v"],
            "step 'S': the Spark application must be a file of the code bundle "
            f"({CODE_DIR}/...), found []",
        ),
        (
            ["/tmp/app.py"],
            "step 'S': the Spark application must be a file of the code bundle "
            f"({CODE_DIR}/...), found ['/tmp/app.py']",
        ),
        (
            [f"{CODE_DIR}x/app.py", "a"],
            "step 'S': the Spark application must be a file of the "
            f"code bundle ({CODE_DIR}/...), found ['{CODE_DIR}x/app.py']",
        ),
    ],
)
def test_entrypoints_spark_cannot_run(pyspark_home: Path, rest: list[str], message: str) -> None:
    with pytest.raises(CannotRunLocally) as raised:
        spark_command("S", [*HEAD, *rest])
    assert str(raised.value) == message


def test_without_pyspark_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import and find_spec both fail
    monkeypatch.setattr(spark.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CannotRunLocally) as raised:
        spark_command("S", [*HEAD, APP])
    assert str(raised.value) == (
        "step 'S' is a Spark step: install pyspark to run it locally (pip install 'smpipe[spark]')"
    )


def _sandbox(tmp_path: Path) -> Path:
    root = tmp_path / "sandbox"
    code = root / "opt/ml/processing/input/code"
    (code / "deps").mkdir(parents=True)
    (code / "deps" / "b.py").write_text("")
    (code / "deps" / "a.zip").write_text("")
    (code / "deps" / "nested").mkdir()
    (code / "one.py").write_text("")
    (code / "empty").mkdir()
    return root


def test_the_spark_submit_command_and_environment(
    tmp_path: Path, pyspark_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _sandbox(tmp_path)
    store = ObjectStore(tmp_path / "s3")
    store.put_bytes("s3://b/jars/x.jar", b"jar")
    conf = [
        {
            "Classification": "spark-defaults",
            "Properties": {"spark.sql.shuffle.partitions": 4, "spark.driver.memory": "1g"},
        },
        {
            "Classification": "spark-env",
            "Properties": {},
            "Configurations": [
                {"Classification": "export", "Properties": {"ALPHA": 1}},
                {"Classification": "other", "Properties": {"IGNORED": "x"}},
            ],
        },
        {"Classification": "yarn-site", "Properties": {"a": "b"}},
    ]
    conf_file = root / "opt/ml/processing/input/conf/configuration.json"
    conf_file.parent.mkdir(parents=True)
    conf_file.write_text(json.dumps(conf))
    monkeypatch.setattr(spark.os, "cpu_count", lambda: 3)
    submit = SparkSubmit(
        (
            "--verbose",
            "--py-files",
            f"{CODE_DIR}/deps,{CODE_DIR}/one.py",
            "-v",
            "--jars",
            "s3a://b/jars/x.jar",
            "--class",
            "/opt/ml/not/expanded",
        ),
        APP,
        ("--in", "/opt/ml/processing/input/data"),
    )
    lines: list[str] = []
    app = root / "opt/ml/processing/input/code/app.py"
    command, env = spark_submit_command(
        submit, root, app, ["--out=/opt/ml/processing/output", "plain"], store, lines.append
    )
    code = root / "opt/ml/processing/input/code"
    assert command == [
        str(pyspark_home / "bin" / "spark-submit"),
        "--master",
        "local[3]",
        "--conf",
        "spark.driver.memory=1g",
        "--conf",
        "spark.sql.shuffle.partitions=4",
        "--verbose",
        "--py-files",
        f"{code / 'deps' / 'a.zip'},{code / 'deps' / 'b.py'},{code / 'one.py'}",
        "--verbose",
        "--jars",
        str(store.path_for("s3://b/jars/x.jar")),
        "--class",
        "/opt/ml/not/expanded",
        str(app),
        "--in",
        str(root / "opt/ml/processing/input/data"),
        f"--out={root / 'opt/ml/processing/output'}",
        "plain",
    ]
    assert env == {
        "SPARK_HOME": str(pyspark_home),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "ALPHA": "1",
    }
    assert lines == [
        "configuration yarn-site: not applied (no local-mode equivalent)",
        "spark configuration: 2 spark-defaults setting(s), 1 export(s)",
        f"spark-submit (local mode): {' '.join(command[1:])}",
    ]


def test_one_configuration_object_and_one_core(
    tmp_path: Path, pyspark_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _sandbox(tmp_path)
    conf_file = root / "opt/ml/processing/input/conf/configuration.json"
    conf_file.parent.mkdir(parents=True)
    conf_file.write_text(json.dumps({"Classification": "spark-defaults"}))
    monkeypatch.setattr(spark.os, "cpu_count", lambda: None)
    lines: list[str] = []
    command, env = spark_submit_command(
        SparkSubmit((), APP, ()), root, Path(APP), [], ObjectStore(tmp_path), lines.append
    )
    assert command[1:] == ["--master", "local[1]", APP]
    assert lines[0] == "spark configuration: 0 spark-defaults setting(s), 0 export(s)"
    conf_file.write_text(
        json.dumps(
            [
                {"Classification": "spark-env"},
                {"Classification": "spark-env", "Configurations": [{"Classification": "export"}]},
            ]
        )
    )
    command, env = spark_submit_command(
        SparkSubmit((), APP, ()), root, Path(APP), [], ObjectStore(tmp_path), lines.append
    )
    assert "ALPHA" not in env and len(env) == 4


def test_no_configuration_file(tmp_path: Path, pyspark_home: Path) -> None:
    lines: list[str] = []
    command, env = spark_submit_command(
        SparkSubmit(("-v",), APP, ()), _sandbox(tmp_path), Path(APP), [], None, lines.append
    )
    assert command[3:] == ["--verbose", APP]
    assert len(env) == 4 and len(lines) == 1


def test_a_configuration_that_is_not_json(tmp_path: Path, pyspark_home: Path) -> None:
    root = _sandbox(tmp_path)
    conf_file = root / "opt/ml/processing/input/conf/configuration.json"
    conf_file.parent.mkdir(parents=True)
    conf_file.write_text("{oops")
    with pytest.raises(StepFailed) as raised:
        spark_submit_command(SparkSubmit((), APP, ()), root, Path(APP), [], None, print)
    assert str(raised.value) == (
        "ClientError: /opt/ml/processing/input/conf/configuration.json is not JSON: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )
    assert isinstance(raised.value.__cause__, ValueError)


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        (
            "--jars",
            "s3://b/missing.jar",
            "ClientError: spark dependency s3://b/missing.jar is not in the object store",
        ),
        (
            "--files",
            "s3a://b/missing.txt",
            "ClientError: spark dependency s3a://b/missing.txt is not in the object store",
        ),
        ("--py-files", f"{CODE_DIR}/empty", f"ClientError: found zero files in {CODE_DIR}/empty"),
        (
            "--py-files",
            f"{CODE_DIR}/one.py,{CODE_DIR}/gone.py",
            f"ClientError: spark dependency {CODE_DIR}/gone.py does not exist in the container",
        ),
    ],
)
def test_missing_dependencies(
    tmp_path: Path, pyspark_home: Path, flag: str, value: str, message: str
) -> None:
    store = ObjectStore(tmp_path / "s3")
    store.put_bytes("s3://b/dir/x.jar", b"x")  # a folder where a file is asked is no file
    with pytest.raises(StepFailed) as raised:
        spark_submit_command(
            SparkSubmit((flag, value), APP, ()), _sandbox(tmp_path), Path(APP), [], store, print
        )
    assert str(raised.value) == message


def test_an_object_store_folder_is_no_dependency(tmp_path: Path, pyspark_home: Path) -> None:
    store = ObjectStore(tmp_path / "s3")
    store.put_bytes("s3://b/dir/x.jar", b"x")
    with pytest.raises(StepFailed, match="spark dependency s3://b/dir is not in the object store"):
        spark_submit_command(
            SparkSubmit(("--jars", "s3://b/dir"), APP, ()),
            _sandbox(tmp_path),
            Path(APP),
            [],
            store,
            print,
        )


def test_only_the_first_s3a_scheme_is_rewritten(tmp_path: Path, pyspark_home: Path) -> None:
    store = ObjectStore(tmp_path / "s3")
    store.put_bytes("s3://b/s3a://x.jar", b"x")
    command, _ = spark_submit_command(
        SparkSubmit(("--jars", "s3a://b/s3a://x.jar"), APP, ()),
        _sandbox(tmp_path),
        Path(APP),
        [],
        store,
        lambda line: None,
    )
    assert command[command.index("--jars") + 1] == str(store.path_for("s3://b/s3a://x.jar"))


def test_the_bootstrap_comes_from_the_compiler() -> None:
    assert spark._bootstrap() == SPARK_BOOTSTRAP


def test_configurations_add_up_and_are_read_as_utf8(tmp_path: Path, pyspark_home: Path) -> None:
    root = _sandbox(tmp_path)
    conf_file = root / "opt/ml/processing/input/conf/configuration.json"
    conf_file.parent.mkdir(parents=True)
    conf = [
        {"Classification": "spark-defaults", "Properties": {"spark.app.name": "café"}},
        {"Classification": "spark-defaults", "Properties": {"spark.a": "1"}},
    ]
    conf_file.write_text(json.dumps(conf, ensure_ascii=False), encoding="utf-8")
    before = locale.setlocale(locale.LC_CTYPE)
    try:  # the file is UTF-8 whatever the locale
        locale.setlocale(locale.LC_CTYPE, "C")
        command, _ = spark_submit_command(
            SparkSubmit((), APP, ()), root, Path(APP), [], None, lambda line: None
        )
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert command[3:] == ["--conf", "spark.app.name=café", "--conf", "spark.a=1", APP]
