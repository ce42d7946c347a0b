"""The import tests' corpus: every spec the compiler has a golden or an example for, with
the environment it compiles in, plus tests/importer/ (fields no golden sets)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from compiler.compile import CompileResult, compile_document, compile_spec_file
from compiler.emit.settings import pipeline_settings
from compiler.importer import ImportResult, import_definition
from compiler.importer.source import parse_source
from compiler.loader import load_text
from compiler.model import Spec

ROOT = Path(__file__).resolve().parent.parent
PREFERRED_ENVS = ("test", "dev")


def _env_of(spec: Path) -> str:
    names = sorted(p.stem for p in (spec.parent / "env").glob("*.yaml"))
    return next((n for n in PREFERRED_ENVS if n in names), names[0] if names else "dev")


def corpus() -> list[tuple[str, str]]:
    """(spec path relative to the repository, env name)."""
    specs = [
        *sorted(ROOT.glob("tests/golden/*/spec.yaml")),
        *sorted(ROOT.glob("spec/*.yaml")),
        *sorted(ROOT.glob("spec/examples/**/*.yaml")),
        *sorted(ROOT.glob("tests/importer/*.yaml")),
    ]
    specs = [s for s in specs if "env" not in s.relative_to(ROOT).parts]
    return [(str(s.relative_to(ROOT)), _env_of(s)) for s in specs]


@cache
def compiled(spec: str, env: str) -> CompileResult:
    return compile_spec_file(ROOT / spec, env)


@cache
def imported(spec: str, env: str) -> ImportResult:
    """import(compile(spec)) from the bare definition, once per test session."""
    return import_text(compiled(spec, env).text)


def described(result: CompileResult, region: str = "eu-west-1") -> dict[str, Any]:
    """DescribePipeline's answer for the compiled spec as upsert deploys it: the definition
    and, beside it, the role, description, parallelism and tags."""
    pipeline = result.spec.pipeline
    response: dict[str, Any] = {
        "PipelineArn": f"arn:aws:sagemaker:{region}:123456789012:pipeline/{pipeline.name}",
        "PipelineName": pipeline.name,
        "PipelineDefinition": result.text,
        "RoleArn": pipeline.role,
        **pipeline_settings(result.spec),
    }
    if pipeline.description:
        response["PipelineDescription"] = pipeline.description
    return response


@cache
def imported_deployed(spec: str, env: str) -> ImportResult:
    """import(compile(spec)) from the DescribePipeline answer of the deployed pipeline."""
    return import_text(json.dumps(described(compiled(spec, env))), "described.json")


def imported_spec(result: ImportResult) -> Spec:
    """The model of the spec an import wrote, with the deploy variables it wrote."""
    path = Path("spec/imported.yaml")
    return compile_document(
        load_text(result.spec_text, str(path)), path, None, result.env_values
    ).spec


def import_text(text: str, label: str = "definition.json", **options: Any) -> ImportResult:
    return import_definition(
        parse_source(label, text.encode()), Path("spec/imported.yaml"), **options
    )
