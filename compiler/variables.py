"""Deploy variables: ``${name}`` in any string of a spec, filled from ``spec/env/<env>.yaml``
and ``--var KEY=VALUE`` (which wins). ``$${`` writes a literal ``${``.

Substitution happens on the loaded data, before the models see it, so every value keeps
its position; a variable that is not set is reported where it is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.diagnostics import Diagnostic, locate, problem
from compiler.errors import UsageError
from compiler.loader import load_file

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
UNRESOLVED_MARK = "${"
# Read by the compiler or the bundle whether or not a spec uses them.
COMPILER_VARIABLES = frozenset({"region", "git_sha"})


@dataclass(frozen=True)
class DeployVariables:
    values: dict[str, str]
    env_name: str | None
    env_file: str | None
    # Set in the environment file but with an unusable value (already reported there).
    invalid: frozenset[str] = frozenset()
    # Every name the environment file sets (before --var).
    file_names: frozenset[str] = frozenset()

    def hint(self, name: str) -> str:
        where = f"add it to {self.env_file}" if self.env_file else "pass --env NAME"
        return f"{where} or --var {name}=VALUE"


class CommandLineVariables(dict[str, str]):
    """``--var`` values as a user typed them: a name the spec cannot use is a typo to report
    (:func:`check_overrides`); variables a program passes (e.g. import's round trip) are not."""


def parse_var_options(options: Sequence[str]) -> dict[str, str]:
    values = CommandLineVariables()
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not _NAME.fullmatch(key):
            raise UsageError(f'--var expects KEY=VALUE with KEY a name, got "{option}"')
        values[key] = value
    return values


def env_file_path(spec_file: Path, env_name: str) -> Path:
    return spec_file.resolve().parent / "env" / f"{env_name}.yaml"


def load_deploy_variables(
    spec_file: Path, env_name: str | None, overrides: Mapping[str, str]
) -> tuple[DeployVariables, list[Diagnostic]]:
    """Read ``spec/env/<env>.yaml`` (next to the spec) and apply ``--var`` overrides."""
    values: dict[str, str] = {}
    invalid: set[str] = set()
    problems: list[Diagnostic] = []
    env_file = None
    if env_name is not None:
        path = env_file_path(spec_file, env_name)
        if not path.is_file():
            known = (
                sorted(p.stem for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
            )
            raise UsageError(
                f'no environment "{env_name}": {path} does not exist'
                + (f" (known: {', '.join(known)})" if known else "")
            )
        env_file = _display(path)
        document = load_file(path, env_file)
        problems.extend(
            Diagnostic(env_file, p.line, p.col, p.rule, p.message) for p in document.problems
        )
        if document.data is not None and not isinstance(document.data, dict):
            problems.append(
                Diagnostic(
                    env_file, 1, 1, "env-file", "an environment file is a mapping of NAME: value"
                )
            )
        elif isinstance(document.data, dict):
            found = []
            for key, value in document.data.items():
                if not isinstance(key, str) or not _NAME.fullmatch(key):
                    found.append(problem("env-file", (key,), f'"{key}" is not a variable name'))
                elif isinstance(value, (dict, list)) or value is None:
                    invalid.add(key)
                    found.append(
                        problem(
                            "env-file", (key,), f'variable "{key}" must be a string or a number'
                        )
                    )
                else:
                    values[key] = value if isinstance(value, str) else _scalar_text(value)
            problems.extend(locate(found, env_file, document.positions))
    file_names = frozenset(values) | frozenset(invalid)
    values.update(overrides)
    return DeployVariables(
        values, env_name, env_file, frozenset(invalid - set(overrides)), file_names
    ), problems


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def substitute(
    data: Any, variables: DeployVariables | None, path: tuple[str | int, ...] = ()
) -> tuple[Any, list[Diagnostic]]:
    """Fill ``${name}`` in every string. With no variables at all (validate without --env),
    strings are left as they are and only malformed references are reported."""
    problems: list[Diagnostic] = []
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            result[key], found = substitute(value, variables, (*path, key))
            problems.extend(found)
        return result, problems
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            item, found = substitute(value, variables, (*path, index))
            items.append(item)
            problems.extend(found)
        return items, problems
    if not isinstance(data, str) or "$" not in data:
        return data, problems

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${" if variables is not None else match.group(0)
        name = match.group(1)
        if not _NAME.fullmatch(name):
            problems.append(
                problem(
                    "deploy-variable-syntax",
                    path,
                    f'"${{{name}}}" is not a deploy variable: use ${{name}}',
                )
            )
            return match.group(0)
        if variables is None or name in variables.invalid:
            return match.group(0)
        if name not in variables.values:
            problems.append(
                problem(
                    "deploy-variable-missing",
                    path,
                    f'deploy variable "{name}" is not set: {variables.hint(name)}',
                )
            )
            return match.group(0)
        return variables.values[name]

    filled = _TOKEN.sub(replace, data)
    if UNRESOLVED_MARK in _TOKEN.sub("", data):
        problems.append(
            problem(
                "deploy-variable-unclosed",
                path,
                f'"{_excerpt(data)}" opens "${{" without a closing "}}": write ${{name}} for a '
                'deploy variable, or $${ for a literal "${"',
            )
        )
    return filled, problems


def _excerpt(text: str, width: int = 60) -> str:
    """``text``, cut around its last "${" (an unclosed one has no "}" after it)."""
    if len(text) <= width:
        return text
    start = max(0, text.rfind(UNRESOLVED_MARK) - width // 2)
    return ("..." if start else "") + text[start : start + width] + "..."


def referenced_names(data: Any) -> set[str]:
    """Every ``${name}`` a loaded spec uses."""
    if isinstance(data, dict):
        return set().union(*(referenced_names(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(referenced_names(value) for value in data))
    if isinstance(data, str) and "${" in data:
        return {
            m.group(1) for m in _TOKEN.finditer(data) if m.group(1) and _NAME.fullmatch(m.group(1))
        }
    return set()


def check_overrides(
    overrides: Mapping[str, str], variables: DeployVariables, data: Any, spec: str
) -> None:
    """A ``--var`` that the spec does not use, the environment file does not set and the
    compiler does not read is a typo (``git_shaa``): a usage error listing the known names.
    Only for variables from the command line (:class:`CommandLineVariables`)."""
    if not isinstance(overrides, CommandLineVariables):
        return
    known = referenced_names(data) | variables.file_names | COMPILER_VARIABLES
    unknown = sorted(set(overrides) - known)
    if unknown:
        from compiler.rules.suggest import did_you_mean  # rules import this module

        shown = ", ".join(sorted(known))
        hint = did_you_mean(unknown[0], known)
        hints = hint if hint.startswith("; did you mean") else ""
        raise UsageError(
            f'--var {unknown[0]}: "{unknown[0]}" is not a deploy variable of {spec}{hints} '
            f"(known: {shown}) [deploy-variable-unknown]"
        )


def is_unresolved(value: object) -> bool:
    """A string still holding ``${...}`` (validate without --env): value checks skip it."""
    return isinstance(value, str) and UNRESOLVED_MARK in value
