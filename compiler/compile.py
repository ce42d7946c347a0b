"""The compiler's facade: load -> deploy variables -> model -> rules -> emit -> check.

Pure: reads the spec and its environment file, never the network, the clock or the
process environment; the same input gives byte-identical output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compiler.definition_check import check_definition
from compiler.diagnostics import Diagnostic, locate, render_text
from compiler.emit.definition import build_definition, dumps
from compiler.emit.settings import pipeline_settings
from compiler.errors import SmpipeError
from compiler.gc_pause import gc_paused
from compiler.loader import LoadedDocument, load_file
from compiler.model import Spec
from compiler.rules import SpecContext, run_rules
from compiler.schema_errors import translate
from compiler.variables import (
    DeployVariables,
    check_overrides,
    env_file_path,
    load_deploy_variables,
    substitute,
)
from compiler.yaml_limits import DEFAULT_LIMITS, Limits


@dataclass
class CheckResult:
    """Everything known about one spec file after checking it."""

    file: str
    source: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spec: Spec | None = None
    variables: DeployVariables | None = None
    sources: dict[str, str] = field(default_factory=dict)  # file -> text, for carets

    # The definition, once emitted and checked (only for a spec without errors).
    definition: dict[str, Any] | None = None
    text: str | None = None

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors and self.spec is not None


@dataclass(frozen=True)
class CompileResult:
    spec: Spec
    definition: dict[str, Any]
    text: str
    warnings: list[Diagnostic] = field(default_factory=list)
    # The deploy variables it was compiled with (env file and --var), e.g. "region".
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def pipeline_name(self) -> str:
        return self.spec.pipeline.name

    @property
    def role_arn(self) -> str:
        return self.spec.pipeline.role

    @property
    def description(self) -> str | None:
        return self.spec.pipeline.description

    @property
    def settings(self) -> dict[str, Any]:
        """ParallelismConfiguration and Tags, in CreatePipeline's shape (each when set)."""
        return pipeline_settings(self.spec)

    @property
    def max_parallel_steps(self) -> int | None:
        return self.spec.pipeline.max_parallel_steps


class SpecProblems(SmpipeError):
    """The spec has problems; the message is the rendered diagnostics."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        text = render_text(result.diagnostics, result.sources).rstrip("\n")
        count = len(result.errors)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {result.file}:\n{text}")


@gc_paused
def check_spec_file(
    path: Path,
    env: str | None = None,
    overrides: Mapping[str, str] | None = None,
    display_name: str | None = None,
    resolve_variables: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
    strict: bool = False,
) -> CheckResult:
    """Load and check a spec. Deploy variables are resolved when ``env`` or ``overrides``
    are given (or ``resolve_variables``); otherwise they stay unresolved and the checks
    that need their values are skipped. ``strict``: warnings count as errors."""
    document = load_file(path, display_name, limits)
    if resolve_variables is None:
        resolve_variables = env is not None or bool(overrides)
    return check_document(document, path, env, overrides, resolve_variables, strict)


@gc_paused
def check_document(
    document: LoadedDocument,
    path: Path,
    env: str | None,
    overrides: Mapping[str, str] | None,
    resolve_variables: bool,
    strict: bool = False,
) -> CheckResult:
    result = _check(document, path, env, overrides, resolve_variables)
    if strict:
        result.diagnostics = [replace(d, severity="error") for d in result.diagnostics]
    return result


def _check(
    document: LoadedDocument,
    path: Path,
    env: str | None,
    overrides: Mapping[str, str] | None,
    resolve_variables: bool,
) -> CheckResult:
    result = CheckResult(document.file, document.text, sources={document.file: document.text})
    result.diagnostics = [
        Diagnostic(document.file, p.line, p.col, p.rule, p.message) for p in document.problems
    ]
    if document.problems:
        return result
    data = document.data
    if not isinstance(data, dict):
        result.diagnostics.append(
            Diagnostic(
                document.file,
                1,
                1,
                "schema",
                "a spec is a YAML mapping with version, pipeline, parameters and steps",
            )
        )
        return result
    variables = None
    if resolve_variables:
        variables, env_problems = load_deploy_variables(path, env, overrides or {})
        check_overrides(overrides or {}, variables, data, document.file)
        result.variables = variables
        result.diagnostics.extend(env_problems)
        if variables.env_file and env is not None:
            with contextlib.suppress(OSError):  # only used to show the source line
                result.sources[variables.env_file] = env_file_path(path, env).read_text(
                    encoding="utf-8"
                )
    data, found = substitute(data, variables)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as error:
        found.extend(translate(error, data, Spec))
        result.diagnostics.extend(locate(found, document.file, document.positions))
        result.diagnostics.sort()
        return result
    found.extend(run_rules(SpecContext(spec, variables.values if variables else None)))
    result.diagnostics.extend(locate(found, document.file, document.positions))
    result.diagnostics.sort()
    result.spec = spec
    if not result.errors and variables is not None:
        _check_emitted(result, document)
    return result


def _check_emitted(result: CheckResult, document: LoadedDocument) -> None:
    """Emit, then check the definition against the project's schema and the size limit."""
    assert result.spec is not None and result.variables is not None
    result.definition = build_definition(result.spec, result.variables.values.get("region", ""))
    result.text = dumps(result.definition)
    found = check_definition(result.definition, result.text)
    result.diagnostics.extend(locate(found, document.file, document.positions))


@gc_paused
def compile_spec_file(
    path: Path,
    env: str | None = None,
    variables: Mapping[str, str] | None = None,
    display_name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    strict: bool = False,
) -> CompileResult:
    """Compile a spec to its definition; raises :class:`SpecProblems` if it has problems
    (with ``strict``, warnings too). Deploy variables are required: give ``env`` and/or
    ``variables``."""
    return compile_document(load_file(path, display_name, limits), path, env, variables, strict)


@gc_paused
def compile_document(
    document: LoadedDocument,
    path: Path,
    env: str | None = None,
    variables: Mapping[str, str] | None = None,
    strict: bool = False,
) -> CompileResult:
    """Compile an already loaded spec (e.g. read from git); ``path`` locates its env files."""
    result = check_document(document, path, env, variables or {}, True, strict)
    if not result.ok:
        raise SpecProblems(result)
    assert result.spec is not None and result.definition is not None and result.text is not None
    assert result.variables is not None
    return CompileResult(
        result.spec, result.definition, result.text, result.warnings, dict(result.variables.values)
    )
