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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag
from typing_extensions import TypeAliasType  # pydantic's own dependency (all of 2.x)

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


# Named, as compiler.references' Value is: pydantic builds each form once, not per field.
IntegerValue = TypeAliasType(
    "IntegerValue",
    Annotated[
        Annotated[int, Tag("int")] | Annotated[ParamRef, Tag("param")],
        _discriminator("an integer", "{param: NAME} (an Integer parameter)"),
        Takes(("Integer",), "an Integer"),
    ],
)
FloatValue = TypeAliasType(
    "FloatValue",
    Annotated[
        Annotated[int, Tag("int")]
        | Annotated[float, Tag("float")]
        | Annotated[ParamRef, Tag("param")],
        _discriminator("a number", "{param: NAME} (a Float or Integer parameter)"),
        Takes(("Float", "Integer"), "a Float"),
    ],
)
BooleanValue = TypeAliasType(
    "BooleanValue",
    Annotated[
        Annotated[bool, Tag("bool")] | Annotated[ParamRef, Tag("param")],
        _discriminator("true or false", "{param: NAME} (a Boolean parameter)"),
        Takes(("Boolean",), "a Boolean"),
    ],
)
StringValue = TypeAliasType(
    "StringValue",
    Annotated[
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
    ],
)
ParamOrKey = TypeAliasType(
    "ParamOrKey",
    Annotated[
        Annotated[str, Tag("str")] | Annotated[ParamRef, Tag("param")],
        _discriminator(
            "a key of `images`", "{param: NAME} (a String parameter holding an image URI)"
        ),
        Takes(("String",), "a String"),
    ],
)
"""An image: a key of ``images``, or a String parameter whose value is the image URI."""


Found = tuple[PathT, Any, Takes]
Walker = Callable[[Any, PathT], Iterator[Found]]
# A model class -> (field name, walker) of each field that may hold a typed value. The
# annotations are read once per class, not at every value: the rules walk every step.
_PLANS: dict[type[BaseModel], list[tuple[str, Walker]]] = {}


def typed_values(model: BaseModel, path: PathT = ()) -> Iterator[Found]:
    """(path, value, what it takes) of every typed value set inside ``model``."""
    plan = _PLANS.get(type(model))
    if plan is None:
        plan = _PLANS[type(model)] = _plan(type(model))
    for name, walk in plan:
        value = getattr(model, name)
        if value is not None:  # an unset field holds no value
            yield from walk(value, (*path, name))


def _plan(model: type[BaseModel]) -> list[tuple[str, Walker]]:
    plan = []
    for name, info in model.model_fields.items():
        walk = _walker(info.annotation, tuple(info.metadata))
        if walk is not None:
            plan.append((name, walk))
    return plan


def _walker(annotation: Any, metadata: tuple[Any, ...]) -> Walker | None:
    """How to find the typed values in a (non-None) value of ``annotation``; None where
    there can be none (a plain str, number, bool or Literal)."""
    if isinstance(annotation, TypeAliasType):  # a named typed value (see above)
        return _walker(annotation.__value__, metadata)
    takes = next((m for m in metadata if isinstance(m, Takes)), None)
    if takes is not None:
        return partial(_typed, takes)
    origin = get_origin(annotation)
    options = [a for a in get_args(annotation) if a is not type(None)]
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        return _walker(inner, tuple(extra))
    if origin in (Union, types.UnionType) and len(options) == 1:
        return _walker(options[0], ())
    if origin in (Union, types.UnionType):
        # A union of containers: the one matching the value's kind (or a model, below).
        containers = []
        for option in options:
            kind = get_origin(option)
            if kind in (list, dict):
                containers.append((kind, _walker(option, ())))
        return partial(_union, tuple(containers))
    if origin is list:
        (item,) = get_args(annotation)
        walk = _walker(item, ())
        return None if walk is None else partial(_list, walk)
    if origin is dict:
        _, item = get_args(annotation)
        walk = _walker(item, ())
        return None if walk is None else partial(_dict, walk)
    if origin is Literal or annotation in (str, int, float, bool):
        return None
    return _model


def _typed(takes: Takes, value: Any, path: PathT) -> Iterator[Found]:
    yield path, value, takes


def _model(value: Any, path: PathT) -> Iterator[Found]:
    if isinstance(value, BaseModel):
        yield from typed_values(value, path)


def _union(
    containers: tuple[tuple[type, Walker | None], ...], value: Any, path: PathT
) -> Iterator[Found]:
    if isinstance(value, BaseModel):
        yield from typed_values(value, path)
        return
    for kind, walk in containers:
        if isinstance(value, kind):
            if walk is not None:
                yield from walk(value, path)
            return


def _list(walk: Walker, value: Any, path: PathT) -> Iterator[Found]:
    if isinstance(value, list):
        for index, element in enumerate(value):
            if element is not None:
                yield from walk(element, (*path, index))


def _dict(walk: Walker, value: Any, path: PathT) -> Iterator[Found]:
    if isinstance(value, dict):
        for key, element in value.items():
            if element is not None:
                yield from walk(element, (*path, key))
