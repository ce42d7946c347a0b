"""Reading a compiled definition: every step, including those nested in a condition's
IfSteps/ElseSteps (where the compiler puts branch steps, as the SDK does)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def iter_steps(definition: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
    """Each step dict, depth first in document order; malformed parts are skipped."""

    def visit(steps: Any) -> Iterator[dict[str, Any]]:
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict):
                yield step
                arguments = step.get("Arguments")
                if isinstance(arguments, dict):
                    yield from visit(arguments.get("IfSteps"))
                    yield from visit(arguments.get("ElseSteps"))

    yield from visit(definition.get("Steps") if isinstance(definition, Mapping) else None)


def code_bundle_parameters(definition: Mapping[str, Any] | None) -> list[str]:
    """The parameters that carry a code bundle: those a processing step's code input reads.

    The compiler feeds ``pipeline.code_bundle`` to every processing step as the input named
    ``code`` (``compiler.emit.processing``), so the definition itself says which parameter it
    is, whatever the spec named it. Names in first-use order, each once.
    """
    from compiler.emit.processing import CODE_DIR, CODE_INPUT_NAME

    found: list[str] = []
    for step in iter_steps(definition):
        arguments = step.get("Arguments")
        inputs = arguments.get("ProcessingInputs") if isinstance(arguments, dict) else None
        for item in inputs if isinstance(inputs, list) else []:
            if not isinstance(item, dict) or item.get("InputName") != CODE_INPUT_NAME:
                continue
            s3 = item.get("S3Input")
            if not isinstance(s3, dict):
                continue
            uri = s3.get("S3Uri")
            reference = uri.get("Get") if isinstance(uri, dict) else None
            if s3.get("LocalPath") != CODE_DIR or not isinstance(reference, str):
                continue
            name = reference.removeprefix("Parameters.")
            if reference.startswith("Parameters.") and name not in found:
                found.append(name)
    return found
