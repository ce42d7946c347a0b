"""What every rule gets: the validated spec, the deploy variables, and indexes over steps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from compiler.model import (
    CallbackStep,
    ConditionStep,
    FailStep,
    LambdaStep,
    ModelStep,
    ProcessingStep,
    RegisterStep,
    Spec,
    Step,
    TrainingStep,
    TransformStep,
    TuningStep,
)
from compiler.references import ParamRef, Reference, iter_references
from compiler.typed_values import Takes, typed_values
from compiler.variables import is_unresolved

PathT = tuple[str | int, ...]
TRAINING_OUTPUT = "model"
TUNING_OUTPUT = "best_model"  # the best training job's model.tar.gz (top-k idiom, k = 0)
TRANSFORM_OUTPUT = "output"
REGISTER_OUTPUT = "model_package_arn"


@dataclass
class SpecContext:
    spec: Spec
    variables: dict[str, str] | None  # None: validate without --env
    steps: dict[str, tuple[int, Step]] = field(init=False)
    _index_of: dict[int, int] = field(init=False, repr=False)
    # Rules ask for the references and a step's values again and again: walking the models
    # each time made the rules quadratic in the steps, so each walk is done once.
    _references: list[tuple[Step | None, PathT, Reference]] | None = field(
        default=None, init=False, repr=False
    )
    _reference_at: dict[PathT, Reference] | None = field(default=None, init=False, repr=False)
    _values_of: dict[int, list[tuple[PathT, Any]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _typed_of: dict[int, list[tuple[PathT, Any, Takes]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.steps = {}
        # By identity: list.index() would compare models deeply, quadratic in the steps.
        self._index_of = {id(step): index for index, step in enumerate(self.spec.steps)}
        for index, step in enumerate(self.spec.steps):
            self.steps.setdefault(step.name, (index, step))

    def step_path(self, step: Step) -> PathT:
        return ("steps", self._index_of[id(step)])

    def outputs_of(self, step: Step) -> list[str]:
        if isinstance(step, ProcessingStep):
            return [output.name for output in step.outputs]
        if isinstance(step, TrainingStep):
            return [TRAINING_OUTPUT]
        if isinstance(step, TuningStep):
            return [TUNING_OUTPUT]
        if isinstance(step, TransformStep):
            return [TRANSFORM_OUTPUT]
        if isinstance(step, RegisterStep):
            return [REGISTER_OUTPUT]
        if isinstance(step, (LambdaStep, CallbackStep)):
            return [output.name for output in step.outputs]
        return []

    def literal(self, value: Any, path: PathT, kind: type) -> tuple[Any, PathT, str] | None:
        """The literal a field holds, for checks of its value: (value, where it is written,
        how to name it in a message). A {param} of a declared parameter gives the parameter's
        default (checked by the same rules as a literal in that field); None when there is
        nothing to check (another expression, no default, an unresolved deploy variable, a
        value not of ``kind``: a default of the wrong type is param-default-type's)."""
        if isinstance(value, ParamRef):
            parameter = self.spec.parameters.get(value.param)
            if parameter is None or parameter.default is None:
                return None
            value, path = parameter.default, ("parameters", value.param, "default")
            label = f' (default of parameter "{path[1]}")'
        elif isinstance(value, BaseModel):
            return None
        else:
            label = ""
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            return None
        if isinstance(value, str) and is_unresolved(value):
            return None
        return value, path, label

    def references(self) -> Iterator[tuple[Step | None, PathT, Reference]]:
        """Every reference in the spec with the step it belongs to and its path."""
        if self._references is None:
            self._references = list(self._walk_references())
        return iter(self._references)

    def reference_at(self, path: PathT) -> Reference | None:
        """The reference written exactly at ``path``, if any."""
        if self._reference_at is None:
            self._reference_at = {}
            for _, where, ref in self.references():
                self._reference_at.setdefault(where, ref)
        return self._reference_at.get(path)

    def _walk_references(self) -> Iterator[tuple[Step | None, PathT, Reference]]:
        for path, value, _ in typed_values(self.spec.defaults, ("defaults",)):
            for rel, ref in iter_references(value):
                yield None, (*path, *rel), ref
        for index, step in enumerate(self.spec.steps):
            base: PathT = ("steps", index)
            for sub, value in self._step_values(step):
                for rel, ref in iter_references(value):
                    yield step, (*base, *sub, *rel), ref

    def _step_values(self, step: Step) -> list[tuple[PathT, Any]]:
        values = self._values_of.get(id(step))
        if values is None:
            typed = [(path, value) for path, value, _ in self.typed_values_of(step)]
            values = self._values_of[id(step)] = typed + list(_other_values(step))
        return values

    def typed_values_of(self, step: Step) -> list[tuple[PathT, Any, Takes]]:
        """(path inside the step, value, what it takes) of each typed value the step sets."""
        typed = self._typed_of.get(id(step))
        if typed is None:
            typed = self._typed_of[id(step)] = list(typed_values(step))
        return typed

    def dependencies(self, step: Step) -> dict[str, PathT]:
        """Steps this one reads from or waits for, with where it says so."""
        deps: dict[str, PathT] = {}
        base = self.step_path(step)
        for sub, value in self._step_values(step):
            for rel, ref in iter_references(value):
                target = (
                    getattr(ref, "step", None)
                    or getattr(getattr(ref, "json_get", None), "step", None)
                    or getattr(getattr(ref, "property", None), "step", None)
                )
                if isinstance(target, str):
                    deps.setdefault(target, (*base, *sub, *rel))
        if isinstance(step, TransformStep):
            deps.setdefault(step.model, (*base, "model"))
        for index, name in enumerate(step.depends_on):
            deps.setdefault(name, (*base, "depends_on", index))
        return deps

    def branch_owner(self) -> dict[str, list[tuple[ConditionStep, str, int]]]:
        """Step name -> the conditions (and branch, index) that list it."""
        owners: dict[str, list[tuple[ConditionStep, str, int]]] = {}
        for step in self.spec.steps:
            if isinstance(step, ConditionStep):
                for branch in ("if_steps", "else_steps"):
                    for index, name in enumerate(getattr(step, branch)):
                        owners.setdefault(name, []).append((step, branch, index))
        return owners


def _other_values(step: Step) -> Iterator[tuple[PathT, Any]]:
    """(path inside the step, value) of every field beyond the typed values that may hold a
    reference."""
    if isinstance(step, ProcessingStep):
        for index, argument in enumerate(step.arguments):
            yield ("arguments", index), argument
        for index, item in enumerate(step.inputs):
            yield ("inputs", index, "source"), item.source
    elif isinstance(step, (TrainingStep, TuningStep)):
        for index, channel in enumerate(step.channels):
            yield ("channels", index, "source"), channel.source
        for key, hyperparameter in step.hyperparameters.items():
            yield ("hyperparameters", key), hyperparameter
    elif isinstance(step, ModelStep):
        yield ("model_data",), step.model_data
    elif isinstance(step, TransformStep):
        yield ("input",), step.input
    elif isinstance(step, ConditionStep):
        for index, condition in enumerate(step.conditions):
            yield ("conditions", index, "left"), condition.left
            yield ("conditions", index, "right"), condition.right
    elif isinstance(step, RegisterStep):
        yield ("model_data",), step.model_data
        if step.model_metrics is not None:
            for kind in ("model_statistics", "model_constraints"):
                metrics = getattr(step.model_metrics, kind)
                if metrics is not None:
                    yield ("model_metrics", kind, "source"), metrics.source
    elif isinstance(step, FailStep):
        yield ("error_message",), step.error_message
    elif isinstance(step, (LambdaStep, CallbackStep)):
        for key, value in step.inputs.items():
            yield ("inputs", key), value
