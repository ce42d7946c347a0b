"""``smpipe schema``: the spec's JSON Schema (generated from the models)."""

from __future__ import annotations

import json
from typing import Any

import click

from compiler.model import Spec

SPEC_SCHEMA_ID = "https://smpipe.dev/schemas/pipeline-spec.schema.json"


def spec_json_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SPEC_SCHEMA_ID,
        "title": "smpipe pipeline spec (format v1)",
        **schema,
    }


def spec_json_schema_text() -> str:
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True) + "\n"


@click.command()
def schema() -> None:
    """Print the pipeline spec's JSON Schema (schemas/pipeline-spec.schema.json).

    Editors use the committed copy through the spec's first line:
    `# yaml-language-server: $schema=../schemas/pipeline-spec.schema.json`.
    """
    click.echo(spec_json_schema_text(), nl=False)
