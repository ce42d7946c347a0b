"""Hypothesis: arbitrary YAML and mutated Titanic specs give either a clean result or
positioned diagnostics, never an exception."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compiler.compile import SpecProblems, check_document, compile_spec_file
from compiler.definition_check import check_definition
from compiler.loader import load_text

ROOT = Path(__file__).resolve().parent.parent
TITANIC = ROOT / "spec" / "titanic-modelbuild.yaml"
TITANIC_DATA = yaml.safe_load(TITANIC.read_text())
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["${data_bucket}", "${", "$${x}", "Parameters.X", "ml.m5.large", "30d"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=4),
    ),
    max_leaves=25,
)


# The line breaks YAML counts when it positions a mark ("\r" alone is one of them).
YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
ENV_TEXT = (ROOT / "spec" / "env" / "dev.yaml").read_text()


def assert_inside(diagnostics: Any, files: dict[str, str]) -> None:
    """Each diagnostic names one of ``files`` and a line and column inside its text (a
    column one past the line's end, or the line after the last, marks the end of input)."""
    for diagnostic in diagnostics:
        assert diagnostic.rule and diagnostic.message
        name = next((n for n in files if diagnostic.file.endswith(n)), None)
        assert name is not None, f"{diagnostic.file} is not one of {sorted(files)}"
        lines = YAML_LINE_BREAK.split(files[name])
        assert 1 <= diagnostic.line <= len(lines), diagnostic
        assert 1 <= diagnostic.col <= len(lines[diagnostic.line - 1]) + 1, diagnostic


def assert_positioned(text: str, env: str | None) -> None:
    document = load_text(text, "fuzz.yaml")
    result = check_document(document, TITANIC, env, None, env is not None)
    assert_inside(result.diagnostics, {"fuzz.yaml": text, "dev.yaml": ENV_TEXT})
    if not result.errors:
        assert result.spec is not None


@SETTINGS
@given(st.text(max_size=300))
@example("'\r")  # YAML ends line 1 at a lone "\r": the error sits on line 2
def test_arbitrary_text(text: str) -> None:
    assert_positioned(text, None)


@SETTINGS
@given(documents)
def test_arbitrary_yaml_documents(data: Any) -> None:
    assert_positioned(yaml.safe_dump(data), "dev")


def _mutate(data: Any, choices: list[int], replacement: Any) -> Any:
    """Walk down by ``choices`` and replace, delete or duplicate what is found there."""
    data = copy.deepcopy(data)
    node, parent, key = data, None, None
    for choice in choices:
        if isinstance(node, dict) and node:
            parent, key = node, sorted(node, key=str)[choice % len(node)]
        elif isinstance(node, list) and node:
            parent, key = node, choice % len(node)
        else:
            break
        node = parent[key]
    if parent is None:
        return replacement
    action = choices[-1] % 3 if choices else 0
    if action == 0:
        parent[key] = replacement
    elif action == 1 and isinstance(parent, dict):
        del parent[key]
    elif action == 1 and isinstance(parent, list):
        parent.pop(key)
    else:
        parent[key] = copy.deepcopy(parent)  # nest a copy of the parent: structure errors
    return data


@SETTINGS
@given(st.lists(st.integers(0, 50), min_size=1, max_size=6), scalars)
def test_mutated_titanic_specs(choices: list[int], replacement: Any) -> None:
    mutated = _mutate(TITANIC_DATA, choices, replacement)
    text = yaml.safe_dump(mutated, sort_keys=False)
    assert_positioned(text, "dev")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=6), scalars)
def test_mutated_titanic_specs_compile_or_explain(
    tmp_path_factory: Any, choices: list[int], replacement: Any
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "env").mkdir()
    (folder / "env" / "dev.yaml").write_text((ROOT / "spec" / "env" / "dev.yaml").read_text())
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(_mutate(TITANIC_DATA, choices, replacement), sort_keys=False))
    try:
        result = compile_spec_file(spec, env="dev")
    except SpecProblems as problems:
        assert problems.result.diagnostics
        assert_inside(
            problems.result.diagnostics, {"spec.yaml": spec.read_text(), "dev.yaml": ENV_TEXT}
        )
    else:
        definition = json.loads(result.text)  # parses
        assert check_definition(definition, result.text) == []  # passes the schema
        assert compile_spec_file(spec, env="dev").text == result.text  # same bytes again
