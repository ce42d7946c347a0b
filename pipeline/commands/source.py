"""What ``run`` and ``upsert`` accept: a spec (compiled here) or a compiled definition JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.errors import SmpipeError, UsageError
from pipeline.backends.interface import Backend


@dataclass(frozen=True)
class PipelineSource:
    name: str
    definition: str
    role_arn: str
    description: str | None
    # CreatePipeline's ParallelismConfiguration and Tags (not part of the definition).
    settings: Mapping[str, Any] = field(default_factory=dict)

    def upsert_into(self, engine: Backend) -> str:
        """Create or update the pipeline with its settings; its ARN."""
        return engine.upsert(
            self.name, self.definition, self.role_arn, self.description, self.settings
        )

    @property
    def max_parallel_steps(self) -> int | None:
        value = (self.settings.get("ParallelismConfiguration") or {}).get(
            "MaxParallelExecutionSteps"
        )
        return int(value) if value is not None else None


def var_values(options: Sequence[str]) -> dict[str, str]:
    """``--var K=V`` values. Their parser's module loads the YAML loader, which running a
    compiled definition does not need: it is imported only when there are values."""
    if not options:
        return {}
    from compiler.variables import parse_var_options

    return parse_var_options(options)


def load_source(
    path: Path,
    *,
    env: str | None,
    variables: dict[str, str],
    name: str | None = None,
    role_arn: str | None = None,
) -> PipelineSource:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if path.suffix == ".json":
        text = path.read_text(encoding="utf-8")
        try:
            document = json.loads(text)
        except ValueError as error:
            raise SmpipeError(f"{path}: not valid JSON: {error}") from error
        return PipelineSource(
            name=name or path.stem,
            definition=text,
            role_arn=role_arn or _first_role(document) or "",
            description=None,
            settings=_settings_beside(path),
        )
    compiled = _compile_spec(path, env, variables)
    return PipelineSource(
        name=name or compiled.name,
        definition=compiled.definition,
        role_arn=role_arn or compiled.role_arn,
        description=compiled.description,
        settings=compiled.settings,
    )


def _settings_beside(path: Path) -> dict[str, Any]:
    """``X.settings.json`` next to a definition ``X.json`` (``smpipe compile -o X.json
    --settings-out X.settings.json``), when there is one."""
    sidecar = path.with_suffix(".settings.json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SmpipeError(f"{sidecar}: not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise SmpipeError(f"{sidecar}: expected an object with ParallelismConfiguration/Tags")
    return data


def _compile_spec(path: Path, env: str | None, variables: dict[str, str]) -> PipelineSource:
    try:
        from compiler.compile import compile_spec_file  # type: ignore[import-not-found,unused-ignore]
    except ImportError as error:
        raise UsageError(
            f"cannot compile {path} here ({error}); pass a compiled definition JSON instead"
        ) from error
    result: Any = compile_spec_file(path, env=env, variables=variables)
    return PipelineSource(
        name=str(result.pipeline_name),
        definition=str(result.text),
        role_arn=str(result.role_arn),
        description=getattr(result, "description", None),
        settings=dict(getattr(result, "settings", {}) or {}),
    )


def _first_role(document: Any) -> str | None:
    for step in document.get("Steps", []) if isinstance(document, dict) else []:
        role = (step.get("Arguments") or {}).get("RoleArn")
        if isinstance(role, str):
            return role
    return None
