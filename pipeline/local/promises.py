"""What a step's property files promise, checked against the files the step wrote.

A spec's ``property_files[].paths`` lists the JSON paths a property file holds; the compiler
checks every ``json_get`` against them and writes them into the definition's ``Metadata``
(``smpipe-property-paths-<step>-<n>``, as ``compiler.emit.processing`` does), since
SageMaker's PropertyFile has no field for them. Once the step's outputs are uploaded, each
promised path is read from the file as JsonGet reads it (``expressions.json_path_value``):
a path the file does not hold fails the step that broke the promise, with the reason a
JsonGet on a missing path gets (``Invalid json path '<path>'``, the words of the SageMaker
SDK's local pipeline executor), rather than the condition that reads it later; a file
that is missing or not JSON fails it too. The SageMaker backend cannot run this check
(SageMaker stores Metadata and ignores it): there the reading step fails as it always has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.emit.metadata import PROMISED_PATHS_PREFIX, promised_paths
from pipeline.local.errors import ExpressionError, StepFailed
from pipeline.local.expressions import json_path_value, property_file
from pipeline.local.steps.context import StepContext


def check_promises(ctx: StepContext, properties: Mapping[str, Any]) -> None:
    """Fail the step (StepFailed) on the first promised path its property files lack."""
    step = ctx.step.name
    try:
        promised = promised_paths(ctx.metadata, step)
    except ValueError:
        raise StepFailed(
            f"ClientError: the definition's Metadata {PROMISED_PATHS_PREFIX}{step}-* "
            "is not JSON (compile the spec again)"
        ) from None
    for name, paths in sorted(promised.items()):
        reference = f"Steps.{step}.PropertyFiles.{name}"
        try:
            location = property_file(reference, step, name, properties)
        except ExpressionError as error:
            raise StepFailed(f"ClientError: {error}") from error
        label = f"property file {name!r} of step {step!r} ({location.s3_uri})"
        try:
            document = ctx.home.store.read_json(location.s3_uri)
        except (OSError, ValueError) as error:
            raise StepFailed(
                f"ClientError: cannot read {label}, which promises {', '.join(paths)}: "
                f"{error}; log: {ctx.log_path}"
            ) from error
        for path in paths:
            try:
                json_path_value(document, path, label)
            except ExpressionError as error:
                raise StepFailed(
                    f"ClientError: {error}; the step promises it (property_files[].paths); "
                    f"log: {ctx.log_path}"
                ) from error
        ctx.log(f"property file {name}: holds {', '.join(paths)}, as promised")
