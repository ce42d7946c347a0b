"""Spark processing steps -> ``type: spark``; the inverse of ``compiler.emit.spark``. A
Processing step claims to be one when its entrypoint runs smspark-submit: behind the
compiler's bundle bootstrap, or as PySparkProcessor writes it on code it uploaded (that
script is listed and reported like a processing step's, see ``processing.uploaded_script``).
The submit options become py_files/jars/files.

The Spark configuration is the object the ``conf`` input reads
(``<location>/<pipeline>/<step>/input/conf/<sha256>/configuration.json``; the container
reads /opt/ml/processing/input/conf/configuration.json). The definition holds only its
location; the bytes come from the definition's Metadata pieces
(``smpipe-spark-conf-<step>-<n>``, which the compiler writes), else from the object itself
where import may read it (``ctx.read_object``: a deployed pipeline, read through the
backend; SDK v3's PySparkProcessor uploaded it while building the definition). The step
gets ``configuration:`` only where compiling it gives back the same ``conf`` input (the
same bytes, so the same hash, at the location smpipe uses). Otherwise the spec keeps the
``conf`` input as a plain input reading the same object, so the definition and the job
stay the same, and a review note says where the configuration lives and what to do.
"""

from __future__ import annotations

import functools
import importlib
import json
from typing import Any

from compiler.emit.processing import CODE_DIR
from compiler.importer import processing
from compiler.importer.context import ImportContext, UnreadableObject, describe
from compiler.importer.fields import step_models

TYPE = "Processing"
KIND = "spark"
JOB = True
_OPTIONS = {"--py-files": "py_files", "--jars": "jars", "--files": "files"}
_ORDERED_AFTER = ("depends_on", "retry", "cache")  # the keys steps.py adds after a kind's

outputs = processing.outputs
property_files = processing.property_files


def _emitter() -> Any:
    """compiler.emit.spark, which only compilers with Spark steps have."""
    return importlib.import_module("compiler.emit.spark")


def _models() -> Any:
    return importlib.import_module("compiler.model_spark")


def claims(step: dict[str, Any]) -> bool:
    if KIND not in step_models():
        return False
    arguments = step.get("Arguments")
    app = arguments.get("AppSpecification") if isinstance(arguments, dict) else None
    entry = app.get("ContainerEntrypoint") if isinstance(app, dict) else None
    return _submit_call(entry) is not None


def _submit_call(entry: Any) -> tuple[list[Any], bool] | None:
    """(smspark-submit's options and application, whether the bundle bootstrap runs it):
    the compiler's ``/bin/sh -c <bootstrap> smspark-submit ...``, or PySparkProcessor's
    own ``smspark-submit ...`` on code it uploaded."""
    emitter = _emitter()
    if not isinstance(entry, list):
        return None
    if len(entry) >= 5 and entry[:4] == [
        "/bin/sh",
        "-c",
        emitter.SPARK_BOOTSTRAP,
        emitter.SPARK_SUBMIT,
    ]:
        return entry[4:], True
    if len(entry) >= 2 and entry[0] == emitter.SPARK_SUBMIT:
        return entry[1:], False
    return None


def import_step(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any]:
    found = processing.import_processing(ctx, step, path, _submit)
    place = _conf_input(step, path)
    if place is not None:
        uri, where = place
        text, why = _configuration_text(ctx, step["Name"], uri)
        ctx.later.append(functools.partial(_decide, ctx, step["Name"], uri, where, text, why))
    return found


def _submit(
    ctx: ImportContext, step: str, app: dict[str, Any], code: tuple[Any, str] | None, at: str
) -> tuple[str, dict[str, Any]]:
    """smspark-submit [--py-files P] [--jars J] [--files F] <code dir>/<app>."""
    bundle = processing.code_bundle(ctx, code)
    call = _submit_call(app["ContainerEntrypoint"])
    assert call is not None  # claims() took the step
    entry, bootstrapped = call
    implied: dict[str, Any] = {}
    *options, application = entry
    while len(options) >= 2 and options[0] in _OPTIONS and isinstance(options[1], str):
        implied[_OPTIONS[options[0]]] = [_bundle_path(p) for p in options[1].split(",")]
        for item in implied[_OPTIONS[options[0]]]:
            if item.startswith("/"):  # PySparkProcessor's channel of uploaded local files
                ctx.unsupported(
                    f"{at}.ContainerEntrypoint",
                    f"{options[0]} reads {item}, files uploaded beside the definition; the "
                    "spec takes Spark dependencies from the code bundle or s3:// URIs",
                )
        options = options[2:]
    if options or not isinstance(application, str) or not application.startswith(CODE_DIR + "/"):
        ctx.unsupported(
            f"{at}.ContainerEntrypoint",
            f"a smspark-submit call the spec cannot express: {describe(entry)}",
        )
    script = str(application).removeprefix(CODE_DIR + "/")
    if not bootstrapped:
        processing.uploaded_script(ctx, step, script, app["ContainerEntrypoint"], code, bundle, at)
    return script, implied


def _bundle_path(item: str) -> str:
    return item.removeprefix(CODE_DIR + "/")


def _is_conf(name: Any, local_path: Any) -> bool:
    emitter = _emitter()
    return bool(name == emitter.CONF_INPUT_NAME and local_path == emitter.CONF_DIR)


def _conf_input(step: dict[str, Any], path: str) -> tuple[Any, str] | None:
    """(the conf input's S3Uri, its JSON path), if the step has a conf input."""
    arguments = step.get("Arguments")
    inputs = arguments.get("ProcessingInputs") if isinstance(arguments, dict) else None
    for index, item in enumerate(inputs if isinstance(inputs, list) else []):
        s3 = item.get("S3Input") if isinstance(item, dict) else None
        if isinstance(s3, dict) and _is_conf(item.get("InputName"), s3.get("LocalPath")):
            return s3.get("S3Uri"), f"{path}.Arguments.ProcessingInputs[{index}].S3Input.S3Uri"
    return None


def _configuration_text(ctx: ImportContext, step: str, uri: Any) -> tuple[str | None, str]:
    """The configuration.json text, or None and why import could not have it."""
    pieces = _metadata_pieces(ctx, step)
    if pieces:
        return "".join(pieces), ""
    if not (isinstance(uri, str) and uri.startswith("s3://")):
        return None, "not an s3:// URI import can read"
    if ctx.read_object is None:
        return None, "a definition file holds only its location, and import does not read S3"
    try:
        data = ctx.read_object(uri)
    except UnreadableObject as error:
        return None, f"import could not read it: {error}"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return None, "it is not UTF-8 text"


def _metadata_pieces(ctx: ImportContext, step: str) -> list[str]:
    prefix = f"{_emitter().CONF_METADATA_PREFIX}{step}-"
    pieces = sorted(
        (int(key[len(prefix) :]), value)
        for key, value in ctx.metadata.items()
        if key.startswith(prefix) and key[len(prefix) :].isdigit() and isinstance(value, str)
    )
    return [value for _, value in pieces]


def _decide(
    ctx: ImportContext,
    step: str,
    uri: Any,
    where: str,
    text: str | None,
    why: str,
    pipeline: str,
    artifacts: str,
    steps: dict[str, dict[str, Any]],
) -> None:
    """``configuration:`` where it compiles to the same conf input; else the conf input
    stays a plain input, with a review note saying where the configuration lives."""
    entry = steps[step]
    inputs = entry.get("inputs") or []
    parsed = _parse(text) if text is not None else None
    if parsed is None:
        if text is not None:
            why = "it is not a classification list the spec's configuration: can hold"
        ctx.review(
            step,
            where,
            f"the Spark configuration is the object at {_where(uri)} ({why}): the spec reads "
            "it as its conf input, so the job runs as before, but the configuration is not in "
            f"the spec. To review it, {_how(ctx, uri, text)}copy its classifications into "
            "configuration: (smpipe upsert then uploads them, and the conf location changes)",
        )
        return
    configuration, written = parsed
    emitter = _emitter()
    expected = (
        f"{artifacts.rstrip('/')}/{pipeline}/{step}/input/{emitter.CONF_INPUT_NAME}/"
        f"{emitter.configuration_hash(written)}/{emitter.CONF_FILE}"
    )
    last = inputs[-1] if inputs else {}
    if json.dumps(written) != text:  # the bytes smpipe upsert would write
        because = (
            "configuration: writes these classifications differently (each with its "
            "Properties, keys in the container's order, JSON spacing), which changes the "
            "object's hash and location"
        )
    elif uri != expected:
        because = f"configuration: would upload it to {expected}"
    elif not _is_conf(last.get("name"), last.get("destination")):
        because = "the conf input is not the step's last input, where configuration: puts it"
    else:
        inputs.pop()
        if not inputs:
            del entry["inputs"]
        _insert_configuration(entry, configuration)
        return
    ctx.review(
        step,
        where,
        f"the Spark configuration is the object at {_where(uri)}: the spec reads it as its "
        f"conf input, so the definition stays the same, because {because}. To keep it in "
        "the spec instead, replace the conf input by configuration: "
        + json.dumps(configuration, ensure_ascii=False),
    )


def _how(ctx: ImportContext, uri: Any, text: str | None) -> str:
    """How a reviewer gets the configuration into the spec, besides copying it."""
    if text is not None or not (isinstance(uri, str) and uri.startswith("s3://")):
        return ""
    if ctx.read_object is None:
        return "import with --backend sagemaker --pipeline NAME (which reads it) or "
    return "import again once it can be read, or "


def _where(uri: Any) -> str:
    return uri if isinstance(uri, str) else describe(uri, 200)


def _parse(text: str) -> tuple[list[dict[str, Any]], list[dict[str, object]]] | None:
    """(the spec's configuration, the request it compiles to), or None when the text is
    not a classification list the spec can hold."""
    try:
        request = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    if isinstance(request, dict):  # PySparkProcessor also takes a single classification
        items = [request]
    elif isinstance(request, list) and all(isinstance(i, dict) for i in request):
        items = request
    else:
        return None
    configuration = [_classification(item) for item in items]
    try:
        models = [_models().SparkConfiguration.model_validate(item) for item in configuration]
    except ValueError:  # pydantic's ValidationError
        return None
    return configuration, [model.to_request() for model in models]


def _insert_configuration(entry: dict[str, Any], configuration: list[dict[str, Any]]) -> None:
    """``configuration:`` after the kind's own fields, before depends_on, retry, cache."""
    tail = {key: entry.pop(key) for key in list(entry) if key in _ORDERED_AFTER}
    entry["configuration"] = configuration
    entry.update(tail)


def _classification(item: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"classification": item.get("Classification")}
    if item.get("Properties"):
        found["properties"] = item["Properties"]
    nested = item.get("Configurations")
    if isinstance(nested, list) and nested:
        found["configurations"] = [_classification(n) for n in nested if isinstance(n, dict)]
    return found
