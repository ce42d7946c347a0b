"""Typed values: spec fields that SageMaker lets a pipeline expression set.

    IntegerValue   an integer, or {param: NAME} naming an Integer parameter
    FloatValue     a number, or {param: NAME} naming a Float or Integer parameter
    BooleanValue   true or false, or {param: NAME} naming a Boolean parameter
    StringValue    a string, {param: NAME} naming a String parameter, {execution: VARIABLE}
                   or {join: [...], on: SEP} (a join is a string whatever it joins)

Each form carries what it takes as ``Annotated`` metadata (:class:`Takes`), so the type rule
(``param-type`` in ``compiler.rules.types``) finds every such field by walking the models:
a new model field typed ``IntegerValue`` is checked without being listed anywhere. A
parameter's *default* is then checked by the same rules as a literal in that field
(:meth:`compiler.rules.context.SpecContext.literal`).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag

from compiler.references import ExecutionRef, JoinRef, ParamRef, value_form

ParameterType = Literal["String", "Integer", "Float", "Boolean"]
PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class Takes:
    """Metadata of a typed value: the parameter types a {param} in it may name."""

    types: tuple[ParameterType, ...]
    what: str  # "an Integer", for messages

    def accepts(self, parameter_type: str) -> bool:
        return parameter_type in self.types


def _discriminator(what: str, forms: str) -> Discriminator:
    return Discriminator(
        value_form,
        custom_error_type="typed_value_form",
        custom_error_message=f"expected {what} or {forms}",
    )


IntegerValue = Annotated[
    Annotated[int, Tag("int")] | Annotated[ParamRef, Tag("param")],
    _discriminator("an integer", "{param: NAME} (an Integer parameter)"),
    Takes(("Integer",), "an Integer"),
]
FloatValue = Annotated[
    Annotated[int, Tag("int")] | Annotated[float, Tag("float")] | Annotated[ParamRef, Tag("param")],
    _discriminator("a number", "{param: NAME} (a Float or Integer parameter)"),
    Takes(("Float", "Integer"), "a Float"),
]
BooleanValue = Annotated[
    Annotated[bool, Tag("bool")] | Annotated[ParamRef, Tag("param")],
    _discriminator("true or false", "{param: NAME} (a Boolean parameter)"),
    Takes(("Boolean",), "a Boolean"),
]
StringValue = Annotated[
    Annotated[str, Tag("str")]
    | Annotated[ParamRef, Tag("param")]
    | Annotated[ExecutionRef, Tag("execution")]
    | Annotated[JoinRef, Tag("join")],
    _discriminator(
        "a string",
        "a reference: {param: NAME} (a String parameter), {execution: VARIABLE} "
        "or {join: [...], on: SEP}",
    ),
    Takes(("String",), "a String"),
]
ParamOrKey = Annotated[
    Annotated[str, Tag("str")] | Annotated[ParamRef, Tag("param")],
    _discriminator("a key of `images`", "{param: NAME} (a String parameter holding an image URI)"),
    Takes(("String",), "a String"),
]
"""An image: a key of ``images``, or a String parameter whose value is the image URI."""


def typed_values(model: BaseModel, path: PathT = ()) -> Iterator[tuple[PathT, Any, Takes]]:
    """(path, value, what it takes) of every typed value set inside ``model``."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        yield from _walk(value, info.annotation, tuple(info.metadata), (*path, name))


def _walk(value: Any, annotation: Any, metadata: tuple[Any, ...], path: PathT) -> Iterator[Any]:
    takes = next((m for m in metadata if isinstance(m, Takes)), None)
    if takes is not None:
        if value is not None:
            yield path, value, takes
        return
    if value is None:
        return
    origin = get_origin(annotation)
    options = [a for a in get_args(annotation) if a is not type(None)]
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        yield from _walk(value, inner, tuple(extra), path)
    elif origin in (Union, types.UnionType) and len(options) == 1:
        yield from _walk(value, options[0], (), path)
    elif isinstance(value, BaseModel):
        yield from typed_values(value, path)
    elif origin in (Union, types.UnionType):
        for option in options:  # a union of containers: the one matching the value's kind
            if get_origin(option) in (list, dict) and isinstance(value, get_origin(option)):
                yield from _walk(value, option, (), path)
                break
    elif origin is list and isinstance(value, list):
        (item,) = get_args(annotation)
        for index, element in enumerate(value):
            yield from _walk(element, item, (), (*path, index))
    elif origin is dict and isinstance(value, dict):
        _, item = get_args(annotation)
        for key, element in value.items():
            yield from _walk(element, item, (), (*path, key))
