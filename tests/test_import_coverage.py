"""Import coverage follows the compiler's: every step kind the spec has must have an
importer, and every field of every kind (nested ones included) must be set to a value
other than its default by some spec that import wrote from the round-trip corpus's
definitions (import(compile(spec)); tests/test_import_roundtrip.py proves those compile
back to the same bytes). A new kind or field fails here until a corpus spec sets it and
import writes it back; a field an importer stops writing fails here too."""

from __future__ import annotations

import types
import typing
from typing import Any

import pytest
from import_support import corpus, imported_deployed, imported_spec
from pydantic import BaseModel

from compiler import references
from compiler.importer.steps import KINDS
from compiler.model import Spec, Step


def _step_models() -> dict[str, type[BaseModel]]:
    union = typing.get_args(Step)[0]
    models: dict[str, type[BaseModel]] = {}
    for model in typing.get_args(union):
        (kind,) = typing.get_args(model.model_fields["type"].annotation)
        models[kind] = model
    return models


STEP_MODELS = _step_models()
# Fields a valid spec cannot set (the compiler refuses them), so no definition holds them.
REFUSED = {"lambda": {"cache"}, "callback": {"cache"}}  # rule step-not-cacheable


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The spec models (not references: those are values) an annotation holds."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [] if annotation.__module__ == references.__name__ else [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def field_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every field of ``model``, nested models' fields as ``outer.inner``."""
    paths = set()
    for name, info in model.model_fields.items():
        if name == "type" and not prefix:
            continue
        path = f"{prefix}{name}"
        nested = _models_in(info.annotation)
        if nested:
            for inner in nested:
                paths |= field_paths(inner, f"{path}.")
        else:
            paths.add(path)
    return paths


def set_paths(value: BaseModel, prefix: str = "") -> set[str]:
    """The fields ``value`` holds with something other than their default."""
    paths = set()
    for name, info in type(value).model_fields.items():
        item = getattr(value, name)
        default = info.get_default(call_default_factory=True)
        items = (
            item
            if isinstance(item, list)
            else list(item.values())
            if isinstance(item, dict)
            else [item]
        )
        models = [i for i in items if isinstance(i, BaseModel) and _models_in(type(i))]
        if models:
            for model in models:
                paths |= set_paths(model, f"{prefix}{name}.")
        elif item != default or name in value.model_fields_set:
            paths.add(f"{prefix}{name}")
    return paths


def _corpus_paths() -> tuple[dict[str, set[str]], set[str]]:
    """The fields the imported specs set, by step kind and at the top level. The corpus is
    imported as deployed (DescribePipeline's answer), so the pipeline's description,
    parallelism and tags count too."""
    by_kind: dict[str, set[str]] = {kind: set() for kind in STEP_MODELS}
    top: set[str] = set()
    for spec, env in corpus():
        model = imported_spec(imported_deployed(spec, env))
        for step in model.steps:
            by_kind[step.type] |= set_paths(step)
        here = set_paths(model.model_copy(update={"steps": []}))
        top |= here
        # A default is a step field written once: it sets that field of every kind here.
        for path in here:
            field = path.removeprefix("defaults.")
            for kind in {step.type for step in model.steps} if field != path else ():
                if field in field_paths(STEP_MODELS[kind]):
                    by_kind[kind].add(field)
    return by_kind, top


@pytest.fixture(scope="module")
def corpus_paths() -> tuple[dict[str, set[str]], set[str]]:
    return _corpus_paths()


@pytest.mark.parametrize("kind", sorted(STEP_MODELS))
def test_every_step_kind_has_an_importer(kind: str) -> None:
    assert kind in {module.KIND for modules in KINDS.values() for module in modules}, (
        f'step kind "{kind}" has no import module in compiler/importer/'
    )


# SDK v3's HyperparameterTuner drops these from the trainer, so no SDK-equivalent golden sets
# them on a tuning step yet (the compiler emits them; botocore accepts them).
SDK_DROPS = {"tuning": {"encrypt_inter_container_traffic", "network_isolation", "volume_kms_key"}}


@pytest.mark.parametrize("kind", sorted(STEP_MODELS))
def test_every_field_of_a_kind_is_imported_by_the_round_trip_corpus(
    kind: str, corpus_paths: tuple[dict[str, set[str]], set[str]]
) -> None:
    refused = REFUSED.get(kind, set()) | SDK_DROPS.get(kind, set())
    missing = {
        path
        for path in field_paths(STEP_MODELS[kind]) - corpus_paths[0][kind]
        if path.split(".")[0] not in refused
    }
    assert not missing, (
        f"{kind} fields no imported spec sets: {sorted(missing)}; add them to "
        "tests/importer/ (or a golden) and make import write them back"
    )


def test_every_top_level_field_is_imported_by_the_round_trip_corpus(
    corpus_paths: tuple[dict[str, set[str]], set[str]],
) -> None:
    expected = {p for p in field_paths(Spec) if p != "steps" and not p.startswith("steps.")}
    # Only in the spec, never in a definition: nothing to import them from.
    expected -= {"parameters.description"}
    # Import writes a setting under defaults: (instance settings, the cache) or on each
    # step; a default is covered where its step field is.
    steps = set().union(*corpus_paths[0].values())
    missing = {
        path
        for path in expected - corpus_paths[1]
        if not (path.startswith("defaults.") and path.removeprefix("defaults.") in steps)
    }
    assert not missing, f"spec fields no imported spec sets: {sorted(missing)}"


def test_the_field_walk_sees_nested_fields() -> None:
    paths = field_paths(STEP_MODELS["register"])
    assert "model_metrics.model_constraints.file" in paths
    assert "model_data" in paths
    assert isinstance(types.SimpleNamespace, type)
