"""The import tests' corpus: every spec the compiler has a golden or an example for, with
the environment it compiles in, plus tests/importer/ (fields no golden sets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compiler.compile import CompileResult, compile_spec_file
from compiler.importer import ImportResult, import_definition
from compiler.importer.source import parse_source

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


def compiled(spec: str, env: str) -> CompileResult:
    return compile_spec_file(ROOT / spec, env)


def import_text(text: str, label: str = "definition.json", **options: Any) -> ImportResult:
    return import_definition(
        parse_source(label, text.encode()), Path("spec/imported.yaml"), **options
    )
