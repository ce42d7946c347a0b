"""The explicit reference forms a spec may use where a value is expected.

    {param: NAME}                      a pipeline parameter
    {step: STEP, output: NAME}         a step's output location (a training step's is "model")
    {execution: VARIABLE}              an execution variable, e.g. PipelineExecutionId
    {join: [VALUE, ...], on: SEP}      values joined at run time (Std:Join)
    {json_get: {step, property_file, path}}   a value read from a property file (conditions)
    {property: {step, path}}           a property of a step's job, e.g.
                                       BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value

A union with a callable discriminator picks the form by its key, so a mistake gets one
precise error instead of one per possible form.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, Tag
from typing_extensions import TypeAliasType  # pydantic's own dependency (all of 2.x)

ExecutionVariable = Literal[
    "CurrentDateTime",
    "PipelineArn",
    "PipelineExecutionArn",
    "PipelineExecutionId",
    "PipelineName",
    "StartDateTime",
]
EXECUTION_VARIABLES: tuple[str, ...] = get_args(ExecutionVariable)


class Strict(BaseModel):
    """Every spec model: unknown keys are errors, no silent type coercion."""

    # defer_build: a model builds its validator when first used, not at import. Compile
    # validates only the whole Spec (one build, the nested models inside it); building
    # every model class at import as well cost more than that build itself.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


def empty_list() -> list[Any]:
    """A spec model's ``default_factory`` for an empty list. Not the builtin ``list``: pydantic
    reads each factory's signature when it builds a model, and a builtin's is parsed from its
    text signature (tokenized, ~0.3 ms; fifty fields pay it at every compile)."""
    return []


def empty_dict() -> dict[str, Any]:
    """A spec model's ``default_factory`` for an empty mapping (see ``empty_list``)."""
    return {}


class ParamRef(Strict):
    param: str


class StepOutputRef(Strict):
    step: str
    output: str


class ExecutionRef(Strict):
    execution: ExecutionVariable


class JsonGetTarget(Strict):
    step: str
    property_file: str
    path: str


class JsonGetRef(Strict):
    json_get: JsonGetTarget


class PropertyTarget(Strict):
    step: str
    path: str


class PropertyRef(Strict):
    property: PropertyTarget


_REFERENCE_KEYS = ("param", "step", "execution", "join", "json_get", "property")


def value_form(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((key for key in _REFERENCE_KEYS if key in value), None)
    if isinstance(value, BaseModel):  # already validated (model_construct, copies)
        return {
            ParamRef: "param",
            StepOutputRef: "step",
            ExecutionRef: "execution",
            JoinRef: "join",
            JsonGetRef: "json_get",
            PropertyRef: "property",
        }.get(type(value))
    for form, kind in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if isinstance(value, kind):
            return form
    return None


_VALUE_ERROR = (
    "expected a string, a number, or a reference: {param: NAME}, {step: STEP, output: NAME}, "
    "{execution: VARIABLE}, {join: [...], on: SEP} or {property: {step: STEP, path: PATH}}"
)

# The value forms are named (TypeAliasType): pydantic then builds each one's schema once and
# refers to it wherever a field uses it (a $defs entry in the JSON Schema), instead of
# building the same union again for every such field: most of the spec models' build time.
Value = TypeAliasType(
    "Value",
    Annotated[
        Annotated[str, Tag("str")]
        | Annotated[bool, Tag("bool")]
        | Annotated[int, Tag("int")]
        | Annotated[float, Tag("float")]
        | Annotated[ParamRef, Tag("param")]
        | Annotated[StepOutputRef, Tag("step")]
        | Annotated[ExecutionRef, Tag("execution")]
        | Annotated["JoinRef", Tag("join")]  # defined below: it holds Values
        | Annotated[PropertyRef, Tag("property")],
        Discriminator(
            value_form, custom_error_type="value_form", custom_error_message=_VALUE_ERROR
        ),
    ],
)
"""A literal or a run-time reference (no json_get: that is only for conditions)."""

Operand = TypeAliasType(
    "Operand",
    Annotated[
        Annotated[str, Tag("str")]
        | Annotated[bool, Tag("bool")]
        | Annotated[int, Tag("int")]
        | Annotated[float, Tag("float")]
        | Annotated[ParamRef, Tag("param")]
        | Annotated[StepOutputRef, Tag("step")]
        | Annotated[ExecutionRef, Tag("execution")]
        | Annotated["JoinRef", Tag("join")]  # defined below: it holds Values
        | Annotated[JsonGetRef, Tag("json_get")]
        | Annotated[PropertyRef, Tag("property")],
        Discriminator(
            value_form,
            custom_error_type="operand_form",
            custom_error_message=(
                "expected a string, a number, or a reference: {param: NAME}, "
                "{step: STEP, output: NAME}, {execution: VARIABLE}, {join: [...], on: SEP}, "
                "{json_get: {step: STEP, property_file: NAME, path: JSON.PATH}} "
                "or {property: {step: STEP, path: PATH}}"
            ),
        ),
    ],
)
"""What a condition compares: a Value or a property-file look-up."""


class JoinRef(Strict):
    join: list[Value]
    on: str = ""


Reference = ParamRef | StepOutputRef | ExecutionRef | JoinRef | JsonGetRef | PropertyRef


def iter_references(value: object) -> list[tuple[tuple[str | int, ...], Reference]]:
    """Every reference inside a value, with its path relative to the value (joins nest)."""
    found: list[tuple[tuple[str | int, ...], Reference]] = []
    if isinstance(value, JoinRef):
        found.append(((), value))
        for index, item in enumerate(value.join):
            found.extend(((("join", index, *sub)), ref) for sub, ref in iter_references(item))
    elif isinstance(value, (ParamRef, StepOutputRef, ExecutionRef, JsonGetRef, PropertyRef)):
        found.append(((), value))
    return found
