"""The import contract: for every golden, every spec/ and spec/examples/ spec and the
import corpus, import(compile(spec)) compiles to the same bytes."""

from __future__ import annotations

import pytest
from import_support import compiled, corpus, imported, imported_deployed, imported_spec

from compiler.importer.roundtrip import differences

CASES = corpus()


@pytest.mark.parametrize(("spec", "env"), CASES, ids=[spec for spec, _ in CASES])
def test_import_of_the_compiled_spec_compiles_to_the_same_bytes(spec: str, env: str) -> None:
    original = compiled(spec, env)
    result = imported(spec, env)
    assert result.problems == []
    assert result.compiled_text == original.text


@pytest.mark.parametrize(("spec", "env"), CASES, ids=[spec for spec, _ in CASES])
def test_import_of_the_deployed_pipeline_keeps_what_is_beside_the_definition(
    spec: str, env: str
) -> None:
    original = compiled(spec, env)
    result = imported_deployed(spec, env)
    assert result.problems == []
    assert result.compiled_text == original.text
    back = imported_spec(result).pipeline
    source = original.spec.pipeline
    assert (back.description, back.max_parallel_steps, back.tags) == (
        source.description,
        source.max_parallel_steps,
        source.tags,
    )


def test_the_corpus_has_every_golden_and_the_product_spec() -> None:
    names = {spec for spec, _ in CASES}
    assert "spec/titanic-modelbuild.yaml" in names
    assert "tests/golden/features/spec.yaml" in names


def test_differences_are_strict_about_json_types_and_name_the_step() -> None:
    source = {"Steps": [{"Name": "A", "Type": "Training", "Arguments": {"N": 1, "B": True}}]}
    compiled_ = {"Steps": [{"Name": "A", "Type": "Training", "Arguments": {"N": 1.0, "B": 1}}]}
    found = differences(source, compiled_)
    assert [n.path for n in found] == ["$.Steps[0].Arguments.N", "$.Steps[0].Arguments.B"]
    assert all(n.message.startswith('step "A": the definition has ') for n in found)
