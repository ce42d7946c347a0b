"""What a spec asks of an execution, read from its compiled definition.

The evidence report's items and closing criteria are about *this* spec: its parameters, its
steps, its code bundle parameter, its quality gate (the first condition step, the property
file path and threshold it compares) and the steps that gate guards. ``expected_from`` reads
them from a definition (``smpipe compile``'s output for ``--spec``, else the definition the
execution ran), so the same checks hold for the Titanic spec and for any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.backends.interface import StepRecord
from pipeline.definition_steps import code_bundle_parameters, iter_steps

DEFAULT_APPROVAL = "PendingManualApproval"  # SageMaker's when a register step names none


@dataclass(frozen=True)
class Expected:
    parameters: tuple[str, ...]  # every declared parameter, in declaration order
    steps: tuple[str, ...]  # every step, branches included, in document order
    bundle_parameter: str | None  # the parameter the code inputs read
    input_parameters: tuple[str, ...]  # parameters a data input or channel reads
    gate_step: str | None  # the first condition step
    gate_condition: int  # which of its conditions reads a property file (0 if none)
    gate_json_path: str | None
    gate_property_file: str | None  # Steps.<step>.PropertyFiles.<name>
    gate_threshold: str | None  # Parameters.<name>, or a literal as text
    guarded_steps: tuple[str, ...]  # the gate's IfSteps
    else_steps: tuple[str, ...]
    register_steps: tuple[str, ...]  # steps of type RegisterModel
    approval_status: str | None  # the first register step's (a value, or Parameters.<name>)

    @property
    def unconditional_steps(self) -> tuple[str, ...]:
        """The steps every successful execution runs: all but the gate's branches."""
        branches = set(self.guarded_steps) | set(self.else_steps)
        return tuple(name for name in self.steps if name not in branches)

    def approval_in(self, parameters: Mapping[str, str]) -> str | None:
        """The approval status the execution asked for: a parameter's value when it is one."""
        status = self.approval_status or ""
        if status.startswith("Parameters."):
            return parameters.get(status.removeprefix("Parameters."), status)
        return self.approval_status

    @property
    def threshold_parameter(self) -> str | None:
        threshold = self.gate_threshold or ""
        return (
            threshold.removeprefix("Parameters.") if threshold.startswith("Parameters.") else None
        )


def expected_from(
    definition: Mapping[str, Any] | None,
    steps: Iterable[StepRecord] = (),
    parameters: Iterable[str] = (),
) -> Expected:
    """From a definition; without one, only what the execution's records show."""
    if definition is None:
        return Expected(
            parameters=tuple(parameters),
            steps=tuple(step.name for step in steps),
            bundle_parameter=None,
            input_parameters=(),
            gate_step=None,
            gate_condition=0,
            gate_json_path=None,
            gate_property_file=None,
            gate_threshold=None,
            guarded_steps=(),
            else_steps=(),
            register_steps=(),
            approval_status=None,
        )
    all_steps = list(iter_steps(definition))
    gate = next((s for s in all_steps if s.get("Type") == "Condition"), None)
    arguments = json_object((gate or {}).get("Arguments"))
    index, condition = _gate_condition(arguments.get("Conditions"))
    left = json_object(json_object(condition.get("LeftValue")).get("Std:JsonGet"))
    registers = [s for s in all_steps if s.get("Type") == "RegisterModel"]
    approval = (
        json_object(registers[0].get("Arguments")).get("ModelApprovalStatus") if registers else None
    )
    bundles = code_bundle_parameters(definition)
    return Expected(
        parameters=tuple(
            str(p.get("Name")) for p in definition.get("Parameters") or [] if isinstance(p, dict)
        ),
        steps=tuple(str(s.get("Name")) for s in all_steps),
        bundle_parameter=bundles[0] if bundles else None,
        input_parameters=tuple(p for p in _input_parameters(all_steps) if p not in bundles),
        gate_step=str(gate.get("Name")) if gate else None,
        gate_condition=index,
        gate_json_path=_text(left.get("Path")),
        gate_property_file=_text(json_object(left.get("PropertyFile")).get("Get")),
        gate_threshold=_operand(condition.get("RightValue")),
        guarded_steps=_names(arguments.get("IfSteps")),
        else_steps=_names(arguments.get("ElseSteps")),
        register_steps=tuple(str(s.get("Name")) for s in registers),
        approval_status=(_operand(approval) or DEFAULT_APPROVAL) if registers else None,
    )


def _gate_condition(conditions: Any) -> tuple[int, dict[str, Any]]:
    """The first condition that compares a property file's value (else the first one)."""
    items = [c for c in conditions if isinstance(c, dict)] if isinstance(conditions, list) else []
    for index, condition in enumerate(items):
        if "Std:JsonGet" in json_object(condition.get("LeftValue")):
            return index, condition
    return 0, items[0] if items else {}


def _input_parameters(steps: list[dict[str, Any]]) -> list[str]:
    """Parameters read as the S3 URI of a processing input or a training channel."""
    found: list[str] = []
    for step in steps:
        arguments = json_object(step.get("Arguments"))
        uris = [
            json_object(i.get("S3Input")).get("S3Uri")
            for i in _list(arguments.get("ProcessingInputs"))
        ]
        uris += [
            json_object(json_object(c.get("DataSource")).get("S3DataSource")).get("S3Uri")
            for c in _list(arguments.get("InputDataConfig"))
        ]
        for uri in uris:
            reference = _text(json_object(uri).get("Get")) or ""
            name = reference.removeprefix("Parameters.")
            if reference.startswith("Parameters.") and name not in found:
                found.append(name)
    return found


def _operand(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict) and "Get" in value:
        return str(value["Get"])
    return str(value)


def _names(steps: Any) -> tuple[str, ...]:
    return tuple(str(s.get("Name")) for s in _list(steps))


def json_object(value: Any) -> dict[str, Any]:
    """A JSON object as it is; anything else (a literal operand, a list, None) as {}."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
