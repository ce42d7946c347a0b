"""Definition expressions -> spec values: the inverse of ``compiler.emit.values``.

``{"Get": "Parameters.X"}`` -> ``{param: X}``, a step output's property path ->
``{step: S, output: O}``, ``{"Get": "Execution.V"}`` -> ``{execution: V}``,
``Std:Join`` -> ``{join: [...], on: SEP}``, ``Std:JsonGet`` -> ``{json_get: {...}}``.
A reference to a parameter or step the definition does not declare is an error; an
expression the spec has no form for is noted and kept, as JSON text, in a placeholder.
"""

from __future__ import annotations

import math
import re
from typing import Any

from compiler.emit.values import literal_text
from compiler.importer.context import ImportContext, describe, placeholder
from compiler.importer.fields import step_models
from compiler.references import _REFERENCE_KEYS as REFERENCE_KEYS
from compiler.references import EXECUTION_VARIABLES

BEST_MODEL = "best_model"  # a tuning step's output (compiler.rules.context)
_PROPERTY_FILE = re.compile(r"Steps\.([^.]+)\.PropertyFiles\.(.+)")


def spec_value(
    ctx: ImportContext, value: Any, path: str, *, text: bool = False, operand: bool = False
) -> Any:
    """The spec form of a definition value. ``text``: the API takes a string here, and the
    compiler writes numbers and booleans as text, so "200" may come back as 200."""
    if isinstance(value, dict):
        return _expression(ctx, value, path, operand)
    if isinstance(value, str):
        return literal_from_text(value) if text else value
    if isinstance(value, (bool, int, float)):
        if text:  # the compiler writes every literal here as a string
            ctx.unsupported(
                path, f"the definition has the number {describe(value)} where the spec writes text"
            )
        return value
    ctx.unsupported(path, f"the spec has no form for the value {describe(value)}")
    return placeholder(value)


def image_value(ctx: ImportContext, uri: Any, path: str) -> Any:
    """An image URI -> its ``images:`` key; an expression (a String parameter holding the
    URI) -> its spec form."""
    if isinstance(uri, dict):
        found = spec_value(ctx, uri, path)
        # An expression the spec cannot hold comes back as a placeholder text: keep it as
        # an image URI, so the spec stays well-formed and the report says where.
        return ctx.image(found, path) if isinstance(found, str) else found
    return ctx.image(uri, path)


def typed_value(ctx: ImportContext, value: Any, path: str) -> Any:
    """A field that takes a literal or a pipeline expression: expressions -> spec form."""
    return spec_value(ctx, value, path) if isinstance(value, dict) else value


def literal_from_text(value: str) -> Any:
    """ "200" -> 200, "0.2" -> 0.2, "true" -> True when the compiler writes the result back
    as exactly the same text; anything else stays a string."""
    candidates: list[Any] = []
    if value in ("true", "false"):
        candidates.append(value == "true")
    elif re.fullmatch(r"-?[0-9]+", value):
        candidates.append(int(value))
    elif re.fullmatch(r"-?[0-9]*\.[0-9]+(e[+-]?[0-9]+)?", value):
        number = float(value)
        if math.isfinite(number):
            candidates.append(number)
    for candidate in candidates:
        if literal_text(candidate) == value:
            return candidate
    return value


def _expression(ctx: ImportContext, value: dict[str, Any], path: str, operand: bool) -> Any:
    if len(value) == 1:
        ((key, body),) = value.items()
        if key == "Get" and isinstance(body, str):
            return _get(ctx, body, f"{path}.Get", operand)
        if key == "Std:Join" and isinstance(body, dict):
            return _join(ctx, body, f"{path}['Std:Join']")
        if key == "Std:JsonGet" and isinstance(body, dict):
            return _json_get(ctx, body, f"{path}['Std:JsonGet']", operand)
    ctx.unsupported(path, f"the spec has no form for the expression {describe(value)}")
    return placeholder(value)


def _get(ctx: ImportContext, target: str, path: str, operand: bool) -> Any:
    kind, _, rest = target.partition(".")
    if kind == "Parameters":
        if rest not in ctx.parameters:
            ctx.error(path, f'reads parameter "{rest}", which the definition does not declare')
        return {"param": rest}
    if kind == "Execution":
        if rest in EXECUTION_VARIABLES:
            return {"execution": rest}
        ctx.unsupported(
            path,
            f'execution variable "{rest}" is not one the spec knows '
            f"({', '.join(EXECUTION_VARIABLES)})",
        )
        return placeholder({"Get": target})
    if kind == "Steps":
        step = rest.split(".", 1)[0]
        if step not in ctx.steps:
            ctx.error(path, f'reads step "{step}", which the definition does not have')
            return placeholder({"Get": target})
        found = ctx.outputs.get(target)
        if found is not None:
            return {"step": found[0], "output": found[1]}
        if "property" in REFERENCE_KEYS:  # a property of the step's job, as the spec has it
            return {"property": {"step": step, "path": rest[len(step) + 1 :]}}
        ctx.unsupported(
            path,
            f'reads "{target}": the spec references a step\'s outputs only '
            "({step: STEP, output: NAME})",
        )
        return placeholder({"Get": target})
    ctx.unsupported(path, f'the spec has no form for the reference "{target}"')
    return placeholder({"Get": target})


def _join(ctx: ImportContext, body: dict[str, Any], path: str) -> Any:
    best = _best_model(ctx, body)
    if best is not None:
        return {"step": best, "output": BEST_MODEL}
    on, values = body.get("On", ""), body.get("Values")
    if not isinstance(on, str) or not isinstance(values, list) or set(body) - {"On", "Values"}:
        ctx.unsupported(path, f"a Std:Join the spec cannot express: {describe(body)}")
        return placeholder({"Std:Join": body})
    return {
        "join": [spec_value(ctx, item, f"{path}.Values[{i}]") for i, item in enumerate(values)],
        "on": on,
    }


def _best_model(ctx: ImportContext, body: dict[str, Any]) -> str | None:
    """The tuning step whose best model this is: the SDK's get_top_model_s3_uri(0) idiom,
    s3://<bucket>/<prefix>/<best job's name>/output/model.tar.gz."""
    values = body.get("Values")
    if body.get("On") != "/" or not isinstance(values, list) or len(values) != 5:
        return None
    job = values[3].get("Get") if isinstance(values[3], dict) and len(values[3]) == 1 else None
    match = re.fullmatch(r"Steps\.([^.]+)\.TrainingJobSummaries\[0\]\.TrainingJobName", str(job))
    if (
        values[0] != "s3:/"
        or values[4] != "output/model.tar.gz"
        or match is None
        or match.group(1) not in ctx.steps
        or ctx.steps[match.group(1)].step.get("Type") != "Tuning"
        or "tuning" not in step_models()
    ):
        return None
    return match.group(1)


def _json_get(ctx: ImportContext, body: dict[str, Any], path: str, operand: bool) -> Any:
    source, json_path = body.get("PropertyFile"), body.get("Path")
    target = source.get("Get") if isinstance(source, dict) and len(source) == 1 else None
    match = _PROPERTY_FILE.fullmatch(target) if isinstance(target, str) else None
    if not operand or match is None or not isinstance(json_path, str) or len(body) != 2:
        where = "here" if operand else "outside a condition"
        ctx.unsupported(path, f"the spec cannot express this Std:JsonGet {where}: {describe(body)}")
        return placeholder({"Std:JsonGet": body})
    step, name = match.groups()
    if step not in ctx.steps:
        ctx.error(
            f"{path}.PropertyFile.Get", f'reads step "{step}", which the definition does not have'
        )
    elif (step, name) not in ctx.property_files:
        ctx.error(
            f"{path}.PropertyFile.Get",
            f'reads property file "{name}" of step "{step}", which that step does not declare',
        )
    return {"json_get": {"step": step, "property_file": name, "path": json_path}}


def execution_scoped(
    value: Any, step: str, output: str, *, scoped: bool = True
) -> tuple[str, str] | None:
    """(artifacts prefix, pipeline name) when ``value`` is the compiler's
    <artifacts>/<pipeline>/<execution id>/<step>/<output> location for this output
    (without the execution id when not ``scoped``)."""
    if not isinstance(value, dict) or set(value) != {"Std:Join"}:
        return None
    body = value["Std:Join"]
    if not isinstance(body, dict) or body.get("On") != "/" or set(body) != {"On", "Values"}:
        return None
    values = body["Values"]
    middle = [{"Get": "Execution.PipelineExecutionId"}] if scoped else []
    if (
        isinstance(values, list)
        and len(values) == 4 + len(middle)
        and isinstance(values[0], str)
        and isinstance(values[1], str)
        and values[2:] == [*middle, step, output]
    ):
        return values[0], values[1]
    return None
