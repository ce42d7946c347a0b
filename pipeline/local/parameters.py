"""Typed pipeline parameter values: the definition's defaults overridden by ``--param``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.backends.interface import ParameterValue
from pipeline.local.errors import LocalEngineError


def parameter_values(
    declared: Sequence[Mapping[str, Any]], given: Mapping[str, ParameterValue]
) -> dict[str, ParameterValue]:
    """Every declared parameter's value, typed as declared. Unknown or missing ones fail."""
    names = [str(parameter["Name"]) for parameter in declared]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise LocalEngineError(
            f"unknown parameter(s) {', '.join(unknown)}; the pipeline declares {', '.join(names)}"
        )
    values: dict[str, ParameterValue] = {}
    for parameter in declared:
        name, kind = str(parameter["Name"]), str(parameter.get("Type", "String"))
        if name in given:
            values[name] = convert(name, kind, given[name])
        elif parameter.get("DefaultValue") is not None:
            values[name] = convert(name, kind, parameter["DefaultValue"])
        else:
            raise LocalEngineError(f"parameter {name} has no default: give it with --param {name}=")
    return values


def convert(name: str, kind: str, value: Any) -> ParameterValue:
    text = str(value).strip()
    try:
        if kind == "Integer":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(float(text)) if isinstance(value, float) else int(text)
        if kind == "Float":
            return float(text)
        if kind == "Boolean":
            if isinstance(value, bool):
                return value
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            raise ValueError
    except ValueError:
        raise LocalEngineError(f"parameter {name} is {kind}: {value!r} is not one") from None
    return str(value)
