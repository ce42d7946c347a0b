"""Spark processing steps: the PySpark application runs with real Spark in local mode
(``spark-submit --master local[N]`` from the pyspark package, pinned to the container's Spark
line), in the same sandbox as any processing step (inputs, bundle, outputs).

The entrypoint is smpipe's Spark bootstrap (``... exec smspark-submit OPTIONS APP``); its
smspark-submit options (``--py-files``, ``--jars``, ``--files``, ``--class``, ``-v``) are
given to spark-submit with container paths pointed into the sandbox and a directory
expanded to its files, as smspark-submit does. The ``conf`` input
(``/opt/ml/processing/input/conf/configuration.json``) is applied as SageMaker's container
applies it where local mode has an equivalent: ``spark-defaults`` properties become
``--conf`` settings and ``spark-env`` exports become the environment; YARN, Hadoop and Hive
classifications have no local-mode meaning and are logged as not applied. InstanceCount
scales out on SageMaker; here every core of this machine is one executor thread.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.local import containers
from pipeline.local.errors import CannotRunLocally, StepFailed

CONF_FILE = "/opt/ml/processing/input/conf/configuration.json"
_WITH_VALUE = {"--py-files", "--jars", "--files", "--class"}
_EXPANDED = ("--py-files", "--jars", "--files")


def _bootstrap() -> str | None:
    try:
        from compiler.emit.spark import SPARK_BOOTSTRAP
    except ImportError:  # pragma: no cover - a partial install without the emitters
        return None
    return SPARK_BOOTSTRAP


@dataclass(frozen=True)
class SparkSubmit:
    options: tuple[str, ...]  # smspark-submit's options, container paths
    app: str  # the application's container path
    app_arguments: tuple[str, ...]


def spark_command(step: str, entrypoint: Sequence[str]) -> containers.LocalCommand | None:
    """The LocalCommand of a Spark bootstrap entrypoint, None for any other entrypoint."""
    bootstrap = _bootstrap()
    head = ["/bin/sh", "-c", bootstrap, "smspark-submit"]
    if bootstrap is None or list(entrypoint[: len(head)]) != head:
        return None
    rest = list(entrypoint[len(head) :])
    options: list[str] = []
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        if flag in ("-v", "--verbose"):
            options.append(flag)
            continue
        if flag not in _WITH_VALUE or not rest:
            raise CannotRunLocally(
                f"step {step!r}: smspark-submit option {flag!r} is not supported"
            )
        options += [flag, rest.pop(0)]
    if not rest or not rest[0].startswith(f"{containers.CODE_DIR}/"):
        raise CannotRunLocally(
            f"step {step!r}: the Spark application must be a file of the code bundle "
            f"({containers.CODE_DIR}/...), found {rest[:1]}"
        )
    if importlib.util.find_spec("pyspark") is None:
        raise CannotRunLocally(
            f"step {step!r} is a Spark step: install pyspark to run it locally "
            "(pip install 'smpipe[spark]')"
        )
    submit = SparkSubmit(tuple(options), rest[0], tuple(rest[1:]))
    return containers.LocalCommand(rest[0], unpack_bundles=True, spark=submit)


def spark_submit_command(
    submit: SparkSubmit, root: Path, app: Path, arguments: list[str], store: Any, log: Any
) -> tuple[list[str], dict[str, str]]:
    """The local spark-submit command line and the environment it adds."""
    import pyspark

    spark_home = Path(pyspark.__file__).parent
    command = [
        str(spark_home / "bin" / "spark-submit"),
        "--master",
        f"local[{os.cpu_count() or 1}]",
    ]
    env = {
        "SPARK_HOME": str(spark_home),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    conf, exports = _configuration(root, log)
    env.update(exports)
    for key, value in conf:
        command += ["--conf", f"{key}={value}"]
    options = list(submit.options)
    while options:
        flag = options.pop(0)
        if flag in ("-v", "--verbose"):
            command.append("--verbose")
            continue
        value = options.pop(0)
        if flag in _EXPANDED:
            value = ",".join(_local_files(item, root, store) for item in value.split(","))
        command += [flag, value]
    command += [str(app), *containers.rewrite_arguments([*submit.app_arguments, *arguments], root)]
    log(f"spark-submit (local mode): {' '.join(command[1:])}")
    return command, env


def _local_files(item: str, root: Path, store: Any) -> str:
    """A dependency as local paths: a sandbox file, a folder's files, or an object's copy."""
    if item.startswith(("s3://", "s3a://")):
        path = store.path_for(item.replace("s3a://", "s3://", 1))
        if not path.is_file():
            raise StepFailed(f"ClientError: spark dependency {item} is not in the object store")
        return str(path)
    path = containers.sandbox_path(root, item)
    if path.is_dir():
        files = sorted(str(f) for f in path.iterdir() if f.is_file())
        if not files:
            raise StepFailed(f"ClientError: found zero files in {item}")
        return ",".join(files)
    if not path.is_file():
        raise StepFailed(f"ClientError: spark dependency {item} does not exist in the container")
    return str(path)


def _configuration(root: Path, log: Any) -> tuple[list[tuple[str, str]], dict[str, str]]:
    path = containers.sandbox_path(root, CONF_FILE)
    if not path.is_file():
        return [], {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise StepFailed(f"ClientError: {CONF_FILE} is not JSON: {error}") from error
    items = document if isinstance(document, list) else [document]
    conf: list[tuple[str, str]] = []
    exports: dict[str, str] = {}
    for item in items:
        classification = item.get("Classification")
        properties = item.get("Properties") or {}
        if classification == "spark-defaults":
            conf += [(str(k), str(v)) for k, v in sorted(properties.items())]
        elif classification == "spark-env":
            for nested in item.get("Configurations") or []:
                if nested.get("Classification") == "export":
                    exports.update(
                        {str(k): str(v) for k, v in (nested.get("Properties") or {}).items()}
                    )
        else:
            log(f"configuration {classification}: not applied (no local-mode equivalent)")
    log(f"spark configuration: {len(conf)} spark-defaults setting(s), {len(exports)} export(s)")
    return conf, exports
