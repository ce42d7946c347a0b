"""Evaluate the definition's expressions: ``Get``, ``Std:Join``, ``Std:JsonGet`` and conditions.

A ``Get`` names a pipeline parameter (``Parameters.X``), an execution variable
(``Execution.PipelineExecutionId``) or a property of an earlier step
(``Steps.S.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri``,
``Steps.S.PropertyFiles.Report``). Step properties are the step's resolved request merged
with its job description, so any path SageMaker documents for the step resolves the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.local.errors import ExpressionError

# Where ``Steps.X.Outputs['name']`` looks for ``name`` inside a list of records.
_NAME_KEYS = ("OutputName", "InputName", "ChannelName", "PropertyFileName", "MetricName", "Name")
_PATH_TOKEN = re.compile(r"""\.?([A-Za-z_][A-Za-z0-9_:\-]*)|\[(\d+)\]|\[['"]([^'"]*)['"]\]""")


@dataclass(frozen=True)
class PropertyFileRef:
    """What ``{"Get": "Steps.S.PropertyFiles.Name"}`` resolves to: a JSON file of a step output."""

    step: str
    name: str
    s3_uri: str  # the output's resolved S3 URI joined with the file path


class Scope:
    """The values a running execution's expressions can see."""

    def __init__(
        self,
        parameters: Mapping[str, Any],
        execution: Mapping[str, Any],
        step_properties: Mapping[str, Mapping[str, Any]],
        read_json: Callable[[str], Any],
    ) -> None:
        self.parameters = parameters
        self.execution = execution
        self.step_properties = step_properties
        self.read_json = read_json


def referenced_steps(value: Any) -> set[str]:
    """Names of the steps whose properties ``value`` reads (its data dependencies)."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        get = value.get("Get")
        if isinstance(get, str) and get.startswith("Steps."):
            found.add(get.split(".", 2)[1].split("[", 1)[0])
        for item in value.values():
            found |= referenced_steps(item)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_steps(item)
    return found


def resolve(value: Any, scope: Scope) -> Any:
    """Replace every expression inside ``value`` with its value (dicts and lists are copied)."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, body),) = value.items()
            if key == "Get":
                return _get(body, scope)
            if key == "Std:Join":
                return _join(body, scope)
            if key == "Std:JsonGet":
                return _json_get(body, scope)
        return {key: resolve(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    return value


def to_text(value: Any) -> str:
    """How a resolved value reads as a string (in ``Std:Join`` and container arguments)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, PropertyFileRef):
        return value.s3_uri
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True)


def _get(reference: Any, scope: Scope) -> Any:
    if not isinstance(reference, str):
        raise ExpressionError(f"Get expects a string reference, found {reference!r}")
    namespace, _, rest = reference.partition(".")
    if namespace == "Parameters":
        if rest not in scope.parameters:
            raise ExpressionError(f"{reference}: no such pipeline parameter")
        return scope.parameters[rest]
    if namespace == "Execution":
        if rest not in scope.execution:
            raise ExpressionError(f"{reference}: unknown execution variable")
        return scope.execution[rest]
    if namespace == "Steps":
        return _step_property(reference, rest, scope)
    raise ExpressionError(f"{reference}: a Get must start with Parameters., Execution. or Steps.")


def _step_property(reference: str, rest: str, scope: Scope) -> Any:
    match = re.match(r"([A-Za-z0-9\-_]+)\.(.+)$", rest)
    if not match:
        raise ExpressionError(f"{reference}: expected Steps.<step>.<property>")
    step, path = match.groups()
    if step not in scope.step_properties:
        raise ExpressionError(f"{reference}: step {step!r} has not run in this execution")
    properties = scope.step_properties[step]
    if path.startswith("PropertyFiles."):
        return property_file(reference, step, path.removeprefix("PropertyFiles."), properties)
    return walk(properties, path, reference)


def property_file(
    reference: str, step: str, name: str, properties: Mapping[str, Any]
) -> PropertyFileRef:
    """Where property file ``name`` of ``step`` is, from the step's properties (its
    ``PropertyFiles`` and resolved ``ProcessingOutputConfig``)."""
    declared = {pf.get("PropertyFileName"): pf for pf in properties.get("PropertyFiles", [])}
    if name not in declared:
        raise ExpressionError(f"{reference}: step {step!r} declares no property file {name!r}")
    output_name = declared[name].get("OutputName")
    outputs = properties.get("ProcessingOutputConfig", {}).get("Outputs", [])
    for output in outputs:
        if output.get("OutputName") == output_name:
            base = str(output["S3Output"]["S3Uri"]).rstrip("/")
            return PropertyFileRef(step, name, f"{base}/{declared[name].get('FilePath', '')}")
    raise ExpressionError(
        f"{reference}: property file {name!r} reads output {output_name!r}, "
        f"which step {step!r} does not have"
    )


def walk(document: Any, path: str, where: str = "") -> Any:
    """Follow a property path such as ``Outputs['train'].S3Output.S3Uri`` or ``a.b[0].c``."""
    position = 0
    current = document
    while position < len(path):
        token = _PATH_TOKEN.match(path, position)
        if not token or token.end() == position:
            raise ExpressionError(f"{where or path}: cannot parse the path at {path[position:]!r}")
        position = token.end()
        name, index, key = token.groups()
        current = _step_into(current, name, index, key, where or path)
    return current


def _step_into(
    current: Any, name: str | None, index: str | None, key: str | None, where: str
) -> Any:
    if name is not None:
        if isinstance(current, Mapping) and name in current:
            return current[name]
        raise ExpressionError(f"{where}: no property {name!r}")
    if index is not None:
        if isinstance(current, list) and int(index) < len(current):
            return current[int(index)]
        raise ExpressionError(f"{where}: index [{index}] is out of range")
    if isinstance(current, Mapping) and key in current:
        return current[key]
    if isinstance(current, list):
        for item in current:
            if isinstance(item, Mapping) and any(item.get(k) == key for k in _NAME_KEYS):
                return item
    raise ExpressionError(f"{where}: no entry named {key!r}")


def _join(body: Any, scope: Scope) -> str:
    if not isinstance(body, Mapping) or not isinstance(body.get("Values"), list):
        raise ExpressionError(f"Std:Join expects On and a list of Values, found {body!r}")
    separator = to_text(resolve(body.get("On", ""), scope))
    return separator.join(to_text(resolve(item, scope)) for item in body["Values"])


def _json_get(body: Any, scope: Scope) -> Any:
    if not isinstance(body, Mapping) or "Path" not in body:
        raise ExpressionError(f"Std:JsonGet expects PropertyFile (or S3Uri) and Path: {body!r}")
    path = to_text(resolve(body["Path"], scope))
    if "PropertyFile" in body:
        source = resolve(body["PropertyFile"], scope)
        if not isinstance(source, PropertyFileRef):
            raise ExpressionError("Std:JsonGet's PropertyFile must Get Steps.X.PropertyFiles.Y")
        uri, label = source.s3_uri, f"property file {source.name!r} of step {source.step!r}"
    elif "S3Uri" in body:
        uri = to_text(resolve(body["S3Uri"], scope))
        label = uri
    else:
        raise ExpressionError("Std:JsonGet needs a PropertyFile or an S3Uri")
    try:
        document = scope.read_json(uri)
    except (OSError, ValueError) as error:
        raise ExpressionError(f"Std:JsonGet cannot read {label} at {uri}: {error}") from error
    return json_path_value(document, path, label)


def json_path_value(document: Any, path: str, label: str) -> Any:
    """JsonGet's ``Path`` in a JSON document read from ``label``. A path the document does not
    hold fails the step reading it, in the words of the SDK's local pipeline executor
    (``Invalid json path '<path>'``), followed by where and what is missing."""
    try:
        return walk(document, path, label)
    except ExpressionError as error:
        raise ExpressionError(f"Invalid json path '{path}': {error}") from error


# ---- conditions -------------------------------------------------------------------------

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda left, right: bool(left == right),
    "GreaterThan": lambda left, right: bool(left > right),
    "GreaterThanOrEqualTo": lambda left, right: bool(left >= right),
    "LessThan": lambda left, right: bool(left < right),
    "LessThanOrEqualTo": lambda left, right: bool(left <= right),
}
CONDITION_TYPES = frozenset({*_COMPARISONS, "In", "Not", "Or"})


def evaluate_conditions(conditions: Any, scope: Scope) -> bool:
    """A Condition step's ``Conditions`` list: true when every condition holds."""
    if not isinstance(conditions, list):
        raise ExpressionError("Conditions must be a list")
    return all(evaluate_condition(condition, scope) for condition in conditions)


def evaluate_condition(condition: Any, scope: Scope) -> bool:
    if not isinstance(condition, Mapping):
        raise ExpressionError(f"a condition must be an object, found {condition!r}")
    kind = condition.get("Type")
    if kind in _COMPARISONS:
        left = _scalar(resolve(condition.get("LeftValue"), scope))
        right = _scalar(resolve(condition.get("RightValue"), scope))
        left, right = _comparable(left, right, str(kind))
        return _COMPARISONS[str(kind)](left, right)
    if kind == "Not":
        return not evaluate_condition(condition.get("Condition"), scope)
    if kind == "Or":
        members = condition.get("Conditions")
        if not isinstance(members, list):
            raise ExpressionError("an Or condition needs a list of Conditions")
        return any(evaluate_condition(member, scope) for member in members)
    if kind == "In":
        query = _scalar(resolve(condition.get("QueryValue"), scope))
        values = condition.get("Values")
        if not isinstance(values, list):
            raise ExpressionError("an In condition needs a list of Values")
        for candidate in values:
            left, right = _comparable(query, _scalar(resolve(candidate, scope)), "In")
            if left == right:
                return True
        return False
    raise ExpressionError(f"unknown condition type {kind!r} (known: {sorted(CONDITION_TYPES)})")


def _scalar(value: Any) -> Any:
    return value.s3_uri if isinstance(value, PropertyFileRef) else value


def _comparable(left: Any, right: Any, kind: str) -> tuple[Any, Any]:
    """Numbers compare as numbers (a JSON "0.8" against a Float parameter too); else as text."""
    if _is_number(left) and _is_number(right):
        return left, right
    if _is_number(left) or _is_number(right):
        try:
            return float(left), float(right)
        except (TypeError, ValueError):
            if kind in ("Equals", "In"):
                return to_text(left), to_text(right)
            raise ExpressionError(
                f"{kind}: cannot compare {left!r} with {right!r} (a number and a non-number)"
            ) from None
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    if kind in ("Equals", "In"):
        return left, right
    raise ExpressionError(f"{kind}: cannot order {left!r} and {right!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
