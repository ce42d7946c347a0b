"""Reading what ``smpipe import`` is given: a definition JSON (a file or standard input),
or a DescribePipeline response holding the definition as a string."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from compiler.emit.definition import DEFINITION_VERSION
from compiler.importer.context import DefinitionError, Note, describe


@dataclass(frozen=True)
class Source:
    label: str
    definition: dict[str, Any]
    # From a DescribePipeline response (or the backend), when there is one.
    pipeline_name: str | None = None
    role_arn: str | None = None
    description: str | None = None
    region: str | None = None
    # Beside the definition: DescribePipeline's ParallelismConfiguration, and the tags
    # (ListTags; a response may carry them as "Tags").
    max_parallel_steps: int | None = None
    tags: dict[str, str] | None = None


def parse_source(label: str, data: bytes) -> Source:
    """The definition inside ``data``; anything else is a :class:`DefinitionError`."""
    if b"\0" in data:
        raise DefinitionError(label, [Note("$", "a binary file, not a pipeline definition")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DefinitionError(label, [Note("$", "not UTF-8 text")]) from None
    value = _json(label, text)
    if isinstance(value, dict) and "PipelineDefinition" in value:
        return _describe_response(label, value)
    return Source(label, check_definition_shape(label, value))


def _json(label: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DefinitionError(
            label,
            [Note(f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}")],
        ) from None
    except RecursionError:
        raise DefinitionError(label, [Note("$", "not valid JSON: nested too deeply")]) from None


def _describe_response(label: str, response: dict[str, Any]) -> Source:
    inner = response["PipelineDefinition"]
    inner_label = f"{label} (PipelineDefinition)"
    if not isinstance(inner, str):
        raise DefinitionError(
            label,
            [
                Note(
                    "$.PipelineDefinition",
                    f"expected the definition as a JSON string, found {describe(inner)}",
                )
            ],
        )
    definition = check_definition_shape(inner_label, _json(inner_label, inner))
    arn = response.get("PipelineArn")
    region = None
    if isinstance(arn, str):
        match = re.match(r"arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):", arn)
        region = match.group(1) if match else None
    parallelism = response.get("ParallelismConfiguration")
    steps = parallelism.get("MaxParallelExecutionSteps") if isinstance(parallelism, dict) else None
    tags = response.get("Tags")
    return Source(
        inner_label,
        definition,
        _text(response.get("PipelineName")),
        _text(response.get("RoleArn")),
        _text(response.get("PipelineDescription")),
        region,
        steps if isinstance(steps, int) and not isinstance(steps, bool) else None,
        {
            t["Key"]: t["Value"]
            for t in tags
            if isinstance(t, dict)
            and isinstance(t.get("Key"), str)
            and isinstance(t.get("Value"), str)
        }
        if isinstance(tags, list)
        else None,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def check_definition_shape(label: str, value: Any) -> dict[str, Any]:
    """A JSON object with the definition's Version, a Steps list and a Parameters list."""
    if not isinstance(value, dict):
        raise DefinitionError(
            label,
            [
                Note(
                    "$",
                    "a pipeline definition is a JSON object with "
                    f"Version, Parameters and Steps, not {describe(value)}",
                )
            ],
        )
    problems = []
    version = value.get("Version")
    if version != DEFINITION_VERSION:
        problems.append(
            Note(
                "$.Version",
                f"definition version {describe(version)}: smpipe "
                f'reads version "{DEFINITION_VERSION}" (the one SageMaker takes)',
            )
        )
    if not isinstance(value.get("Steps"), list) or not value["Steps"]:
        problems.append(Note("$.Steps", "a definition needs a non-empty Steps list"))
    if not isinstance(value.get("Parameters", []), list):
        problems.append(Note("$.Parameters", "expected a list of parameters"))
    if problems:
        raise DefinitionError(label, problems)
    return value
