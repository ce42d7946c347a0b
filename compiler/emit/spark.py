"""Spark steps -> CreateProcessingJob arguments, as SDK v3's PySparkProcessor writes them,
with the code from the code bundle like every other processing step.

PySparkProcessor's job: ``smspark-submit [--py-files P] [--jars J] [--files F]
/opt/ml/processing/input/code/<app>`` on the Spark processing image, the application's
arguments as ContainerArguments, and the configuration as a ``conf`` input
(``/opt/ml/processing/input/conf/configuration.json``) that the SDK uploads to
``<location>/<pipeline>/<step>/input/conf/<sha256 of the configuration>/configuration.json``.
Here the entrypoint first unpacks the bundle (as ``BUNDLE_BOOTSTRAP`` does) and then execs
smspark-submit; dependencies inside the bundle are passed as their container paths. Compile
stays pure: the configuration's bytes travel in the definition's ``Metadata``
(``smpipe-spark-conf-<step>-<n>``, 1024-character pieces) and ``smpipe upsert`` writes them
to that URI (S3, or the local object store) before any execution reads it.
"""

from __future__ import annotations

import json
from typing import Any

from compiler.emit.metadata import pieces
from compiler.emit.processing import CODE_DIR, CODE_INPUT_NAME, processing_arguments
from compiler.emit.values import EmitContext
from compiler.model import SparkStep, Step

SPARK_SUBMIT = "smspark-submit"
CONF_INPUT_NAME = "conf"
CONF_DIR = "/opt/ml/processing/input/conf"
CONF_FILE = "configuration.json"
# "$0" is "smspark-submit" (the placeholder after the line), "$@" its options and the app,
# then the ContainerArguments SageMaker appends: the application's own arguments.
SPARK_BOOTSTRAP = (
    f'set -e; cd {CODE_DIR}; for b in *.tar.gz; do tar -xzf "$b"; done; exec "$0" "$@"'
)
CONF_METADATA_PREFIX = "smpipe-spark-conf-"


def configuration_request(step: SparkStep) -> list[dict[str, object]]:
    return [item.to_request() for item in step.configuration]


def configuration_hash(configuration: list[dict[str, object]]) -> str:
    """The SDK's ``hash_object``: SHA-256 of the configuration's Python text."""
    import hashlib  # here, not at the top: only Spark steps hash (loading OpenSSL costs ~3 ms)

    return hashlib.sha256(str(configuration).encode()).hexdigest()


def configuration_uri(ctx: EmitContext, step: SparkStep) -> str:
    configuration = configuration_request(step)
    base = ctx.spec.pipeline.artifacts.rstrip("/")
    return (
        f"{base}/{ctx.spec.pipeline.name}/{step.name}/input/{CONF_INPUT_NAME}/"
        f"{configuration_hash(configuration)}/{CONF_FILE}"
    )


def dependency_path(item: str) -> str:
    """An s3:// URI stays; a bundle path becomes its container path."""
    return item if item.startswith("s3://") else f"{CODE_DIR}/{item}"


def submit_options(step: SparkStep) -> list[str]:
    options: list[str] = []
    for flag, items in (
        ("--py-files", step.py_files),
        ("--jars", step.jars),
        ("--files", step.files),
    ):
        if items:
            options += [flag, ",".join(dependency_path(item) for item in items)]
    return options


def spark_arguments(ctx: EmitContext, step: SparkStep) -> dict[str, Any]:
    arguments = processing_arguments(ctx, step)
    # PySparkProcessor always sends an Environment, {} when none is set.
    arguments.setdefault("Environment", {})
    arguments["AppSpecification"]["ContainerEntrypoint"] = [
        "/bin/sh",
        "-c",
        SPARK_BOOTSTRAP,
        SPARK_SUBMIT,
        *submit_options(step),
        f"{CODE_DIR}/{step.script}",
    ]
    if step.configuration:
        inputs = arguments["ProcessingInputs"]
        code = next(i for i, item in enumerate(inputs) if item["InputName"] == CODE_INPUT_NAME)
        inputs.insert(
            code,
            {
                "InputName": CONF_INPUT_NAME,
                "S3Input": {
                    "S3Uri": configuration_uri(ctx, step),
                    "LocalPath": CONF_DIR,
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None",
                },
            },
        )
    return arguments


def spark_metadata(steps: list[Step]) -> dict[str, str]:
    """``Metadata`` pieces holding each Spark step's configuration.json bytes."""
    found: dict[str, str] = {}
    for step in steps:
        if isinstance(step, SparkStep) and step.configuration:
            text = json.dumps(configuration_request(step))
            found.update(pieces(f"{CONF_METADATA_PREFIX}{step.name}-", text))
    return found
