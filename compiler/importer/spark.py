"""Spark processing steps -> ``type: spark``; the inverse of ``compiler.emit.spark``. A
Processing step claims to be one when its entrypoint unpacks the bundle and execs
smspark-submit; the submit options become py_files/jars/files, the configuration comes back
from the definition's Metadata pieces (``smpipe-spark-conf-<step>-<n>``)."""

from __future__ import annotations

import importlib
import json
from typing import Any

from compiler.emit.processing import CODE_DIR
from compiler.importer import processing
from compiler.importer.context import ImportContext, describe
from compiler.importer.fields import step_models

TYPE = "Processing"
KIND = "spark"
JOB = True
_OPTIONS = {"--py-files": "py_files", "--jars": "jars", "--files": "files"}

outputs = processing.outputs
property_files = processing.property_files


def _emitter() -> Any:
    """compiler.emit.spark, which only compilers with Spark steps have."""
    return importlib.import_module("compiler.emit.spark")


def claims(step: dict[str, Any]) -> bool:
    if KIND not in step_models():
        return False
    arguments = step.get("Arguments")
    app = arguments.get("AppSpecification") if isinstance(arguments, dict) else None
    entry = app.get("ContainerEntrypoint") if isinstance(app, dict) else None
    emitter = _emitter()
    return (
        isinstance(entry, list)
        and len(entry) >= 5
        and entry[:4] == ["/bin/sh", "-c", emitter.SPARK_BOOTSTRAP, emitter.SPARK_SUBMIT]
    )


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    found = processing.import_processing(
        ctx, step, path, _submit, skip_inputs=(_emitter().CONF_INPUT_NAME,)
    )
    configuration = _configuration(ctx, step["Name"])
    if configuration:
        found["configuration"] = configuration
    return found


def _submit(
    ctx: ImportContext, step: str, app: dict[str, Any], code: tuple[Any, str] | None, at: str
) -> tuple[str, dict[str, Any]]:
    """smspark-submit [--py-files P] [--jars J] [--files F] <code dir>/<app>."""
    processing.code_bundle(ctx, code)
    entry = app["ContainerEntrypoint"][4:]
    implied: dict[str, Any] = {}
    *options, application = entry
    while len(options) >= 2 and options[0] in _OPTIONS and isinstance(options[1], str):
        implied[_OPTIONS[options[0]]] = [_bundle_path(p) for p in options[1].split(",")]
        options = options[2:]
    if options or not isinstance(application, str) or not application.startswith(CODE_DIR + "/"):
        ctx.unsupported(
            f"{at}.ContainerEntrypoint",
            f"a smspark-submit call the spec cannot express: {describe(entry)}",
        )
    script = str(application).removeprefix(CODE_DIR + "/")
    return script, implied


def _bundle_path(item: str) -> str:
    return item.removeprefix(CODE_DIR + "/")


def _configuration(ctx: ImportContext, step: str) -> list[dict[str, Any]]:
    prefix = f"{_emitter().CONF_METADATA_PREFIX}{step}-"
    pieces = sorted(
        (int(key[len(prefix) :]), value)
        for key, value in ctx.metadata.items()
        if key.startswith(prefix) and key[len(prefix) :].isdigit() and isinstance(value, str)
    )
    if not pieces:
        return []
    try:
        request = json.loads("".join(value for _, value in pieces))
    except json.JSONDecodeError:
        ctx.unsupported("$.Metadata", f"the Spark configuration of step {step} is not JSON")
        return []
    return [_classification(item) for item in request if isinstance(item, dict)]


def _classification(item: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"classification": item.get("Classification")}
    if item.get("Properties"):
        found["properties"] = item["Properties"]
    nested = item.get("Configurations")
    if isinstance(nested, list) and nested:
        found["configurations"] = [_classification(n) for n in nested if isinstance(n, dict)]
    return found
