"""Hypothesis: mutated definitions (a value replaced or a key removed anywhere in the
goldens) import, or fail with a DefinitionError naming the place; never another exception."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_support import ROOT, import_text

from compiler.compile import compile_spec_file
from compiler.importer import DefinitionError

DEFINITIONS = [
    json.loads((ROOT / "tests/golden/titanic-modelbuild-dev.json").read_text()),
    compile_spec_file(ROOT / "tests/golden/features/spec.yaml", "test").definition,
]
SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(
        [
            [],
            {},
            {"Get": "Parameters.Nope"},
            {"Get": "Steps.Ghost.X"},
            {"Get": "Execution.PipelineExecutionId"},
            {"Std:Join": {"On": 1, "Values": "x"}},
            {"Std:JsonGet": {"PropertyFile": "x", "Path": 3}},
            "${x}",
            "Processing",
            "Condition",
        ]
    ),
)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_places(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_places(item, (*path, index)))
    return found


@SETTINGS
@given(
    which=st.integers(0, len(DEFINITIONS) - 1),
    place=st.integers(min_value=0),
    replacement=REPLACEMENTS,
    remove=st.booleans(),
)
def test_a_mutated_definition_imports_or_is_a_definition_error(
    which: int, place: int, replacement: Any, remove: bool
) -> None:
    definition = copy.deepcopy(DEFINITIONS[which])
    places = _places(definition)[1:]
    path = places[place % len(places)]
    parent = definition
    for key in path[:-1]:
        parent = parent[key]
    if remove and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    try:
        result = import_text(json.dumps(definition))
    except DefinitionError as error:
        assert "$" in str(error) or "line" in str(error)
        return
    assert isinstance(result.spec_text, str)
    assert result.identical == (result.compiled_text is not None)
