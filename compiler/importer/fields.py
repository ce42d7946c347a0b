"""What the spec can express in this version of the compiler: its step models by ``type``
and their fields. The importer writes a field only where the spec has it, so one importer
serves the compiler as kinds and fields are added; what it cannot write, the round trip
reports."""

from __future__ import annotations

import typing
from functools import cache

from pydantic import BaseModel

from compiler.model import Step


@cache
def step_models() -> dict[str, type[BaseModel]]:
    """The spec's step models by their ``type``."""
    found: dict[str, type[BaseModel]] = {}
    for model in typing.get_args(typing.get_args(Step)[0]):
        for kind in typing.get_args(model.model_fields["type"].annotation):
            found[kind] = model
    return found


def spec_fields(kind: str) -> set[str]:
    """The fields the spec has for a kind (empty for a kind it does not have)."""
    model = step_models().get(kind)
    return set(model.model_fields) if model is not None else set()
