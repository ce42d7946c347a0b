"""The two sides of ``smpipe diff``: each a spec (compiled first) or a definition JSON,
read from a file or from git (``REV:path``). Anything unreadable is a usage error (exit 2),
so exit 1 keeps meaning "the pipelines differ".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from compiler.compile import SpecProblems, compile_document, compile_spec_file
from compiler.errors import SmpipeError, UsageError
from compiler.git_source import GitRef, parse_git_ref, read_git_file, working_tree_path
from compiler.loader import load_text

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Side:
    label: str
    definition: dict[str, Any]


def load_side(argument: str, env: str | None, variables: Mapping[str, str]) -> Side:
    """The definition ``argument`` stands for; specs are compiled with env and variables."""
    ref = parse_git_ref(argument)
    if ref is not None:
        data = read_git_file(ref)
        name = PurePosixPath(ref.path).name
    else:
        data = _read_file(argument)
        name = Path(argument).name
    if _is_definition(name, data):
        return Side(argument, _definition(argument, data))
    try:
        if ref is None:
            definition = compile_spec_file(Path(argument), env, variables, argument).definition
        else:
            definition = _compile_git_spec(argument, ref, data, env, variables)
    except SpecProblems as problems:
        rules = {d.rule for d in problems.result.diagnostics}
        if env is None and not variables and rules == {"deploy-variable-missing"}:
            raise UsageError(
                f"{argument} is a spec: compiling it needs its deploy variables, "
                "pass --env NAME (spec/env/NAME.yaml) or --var KEY=VALUE"
            ) from None
        raise SmpipeError(str(problems), exit_code=2) from None
    return Side(argument, definition)


def _read_file(argument: str) -> bytes:
    path = Path(argument)
    if not path.exists():
        raise UsageError(f"{argument}: no such file (nor a REV:path git revision reference)")
    if path.is_dir():
        raise UsageError(f"{argument}: is a directory; give a spec or a definition file")
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"{argument}: cannot read: {error.strerror}") from None


def _is_definition(name: str, data: bytes) -> bool:
    if name.endswith(".json"):
        return True
    if name.endswith(SPEC_SUFFIXES):
        return False
    return data.lstrip()[:1] == b"{"  # a spec is a YAML mapping in block style


def _definition(label: str, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not a UTF-8 text file") from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{label}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"
        ) from None
    # DescribePipeline's answer holds the definition as a string: diff what is deployed.
    if isinstance(value, dict) and isinstance(value.get("PipelineDefinition"), str):
        return _definition(f"{label} (PipelineDefinition)", value["PipelineDefinition"].encode())
    if not isinstance(value, dict) or not isinstance(value.get("Steps"), list):
        raise UsageError(f"{label}: not a pipeline definition (no top-level Steps list)")
    return value


def _compile_git_spec(
    label: str, ref: GitRef, data: bytes, env: str | None, variables: Mapping[str, str]
) -> dict[str, Any]:
    """Compile a spec read from git; its env file comes from the working tree's spec/env/."""
    if b"\0" in data:
        raise UsageError(f"{label}: a binary file, not a spec")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not a UTF-8 text file") from None
    here = working_tree_path(ref)
    if env is not None and not (here.parent / "env" / f"{env}.yaml").is_file():
        raise UsageError(
            f'{label}: no environment "{env}" in the working tree ({here.parent / "env"}); '
            "a spec read from git takes its env file from the working tree"
        )
    return compile_document(load_text(text, label), here, env, variables).definition
