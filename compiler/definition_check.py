"""Check an emitted definition against the definition schema (compiler/data/, committed as
schemas/pipeline-definition.schema.json too) and the CreatePipeline size limit, before
anything is written."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from compiler.diagnostics import Diagnostic, problem
from compiler.package_data import data_json
from compiler.sagemaker_data import limits

SCHEMA_FILE = "pipeline-definition.schema.json"  # in compiler/data/
# SageMaker Pipelines quotas, "Metadata Quotas": at most 20 key-value pairs (values of at most
# 1,024 characters and keys of 128, which the schema checks).
METADATA_MAX_ENTRIES = 20
# The compiler's notes for the local engine (compiler/emit/metadata.py lists them).
_LOCAL_NOTES = ("smpipe-lambda-", "smpipe-spark-conf-", "smpipe-property-paths-")
# Where a definition problem is shown in the spec: the pipeline, which the definition is.
_SPEC_PATH: tuple[str | int, ...] = ("pipeline", "name")


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(data_json(SCHEMA_FILE))


def check_definition(definition: dict[str, Any], text: str) -> list[Diagnostic]:
    """Problems of the emitted definition, placed at the spec's pipeline name."""
    found = []
    for error in sorted(
        _validator().iter_errors(definition), key=lambda e: list(map(str, e.absolute_path))
    ):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        found.append(
            problem(
                "definition-schema",
                _SPEC_PATH,
                f"the compiled definition is invalid at {where or 'top level'}: {_short(error.message)}",
            )
        )
    found.extend(_metadata_entries(definition))
    size = len(text.encode("utf-8"))
    maximum = limits()["pipeline_definition"]["max"]
    if size > maximum:
        # Only the inline PipelineDefinition is limited; PipelineDefinitionS3Location is not,
        # and infra/terraform switches to it past this size: warn, do not refuse.
        found.append(
            problem(
                "definition-size",
                _SPEC_PATH,
                f"the compiled definition is {size:,} bytes, over CreatePipeline's inline limit of "
                f"{maximum:,}: deploy it through S3 (PipelineDefinitionS3Location; infra/terraform "
                "does so past this size)",
                severity="warning",
            )
        )
    return found


def _metadata_entries(definition: dict[str, Any]) -> list[Diagnostic]:
    """The Metadata quota: the compiler's own smpipe-* notes for the local engine count."""
    metadata = definition.get("Metadata")
    if not isinstance(metadata, dict) or len(metadata) <= METADATA_MAX_ENTRIES:
        return []
    kinds: dict[str, int] = {}
    for key in metadata:
        kind = next((f"{p}*" for p in _LOCAL_NOTES if key.startswith(p)), "other")
        kinds[kind] = kinds.get(kind, 0) + 1
    shown = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    return [
        problem(
            "definition-schema",
            _SPEC_PATH,
            f"the compiled definition's Metadata has {len(metadata)} entries ({shown}), over "
            f"SageMaker's quota of {METADATA_MAX_ENTRIES} key-value pairs; the smpipe-* entries "
            "carry what the local engine needs (Lambda handlers, Spark configurations in "
            "1,024-character pieces, promised property-file paths)",
        )
    ]


def _short(message: str, limit: int = 160) -> str:
    """jsonschema quotes the whole offending value; keep messages to a line."""
    return message if len(message) <= limit else message[: limit - 3] + "..."
