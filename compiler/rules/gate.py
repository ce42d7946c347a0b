"""Rules on the quality gate (conditions, property files, branches) and on registration."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from compiler import property_paths
from compiler.diagnostics import Diagnostic, problem
from compiler.model import CallbackStep, ConditionStep, LambdaStep, ProcessingStep, RegisterStep
from compiler.references import JsonGetRef, ParamRef, PropertyRef, StepOutputRef
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.rules.suggest import did_you_mean

# SageMaker's JsonGet path: dotted names with optional [index] parts, e.g.
# "metrics.accuracy" or "regression_metrics.mse.value" or "items[0].score".
_JSON_PATH = re.compile(
    r"[A-Za-z_][A-Za-z0-9_\-]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_\-]*(\[\d+\])*)*"
)
_ORDERING = {"GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"}


@rule(
    "gate-json-path",
    "gate",
    "A json_get path, or a path a property file promises, is not a valid JSON path "
    "(e.g. metrics.accuracy).",
)
def gate_json_path(ctx: SpecContext) -> Iterator[Diagnostic]:
    for _, path, ref in ctx.references():
        if isinstance(ref, JsonGetRef) and not _JSON_PATH.fullmatch(ref.json_get.path):
            yield problem(
                "gate-json-path", (*path, "json_get", "path"), _not_a_path(ref.json_get.path)
            )
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, ProcessingStep):
            continue
        for position, property_file in enumerate(step.property_files):
            for number, promised in enumerate(property_file.paths):
                if not _JSON_PATH.fullmatch(promised):
                    yield problem(
                        "gate-json-path",
                        ("steps", index, "property_files", position, "paths", number),
                        _not_a_path(promised),
                    )


def _not_a_path(text: str) -> str:
    return (
        f'"{text}" is not a JSON path like "metrics.accuracy" or '
        f'"items[0].score" (dotted names, optional [index])'
    )


@rule(
    "json-get-unpromised",
    "gate",
    "A json_get reads a path its property file does not promise (property_files[].paths).",
)
def json_get_unpromised(ctx: SpecContext) -> Iterator[Diagnostic]:
    for _, path, ref in ctx.references():
        if not isinstance(ref, JsonGetRef):
            continue
        target = ref.json_get
        found = ctx.steps.get(target.step)
        step = found[1] if found else None
        if not isinstance(step, ProcessingStep):
            continue  # step-unknown / property-file-unknown report these
        declared = next((p for p in step.property_files if p.name == target.property_file), None)
        if declared is None or not declared.paths or target.path in declared.paths:
            continue
        yield problem(
            "json-get-unpromised",
            (*path, "json_get", "path"),
            f'json_get reads "{target.path}" of property file "{declared.name}" of step '
            f'"{step.name}", which promises only {", ".join(f"{p!r}" for p in declared.paths)} '
            "(property_files[].paths); "
            "SageMaker fails the step reading a missing path at run time",
        )


@rule("gate-property-file", "gate", "A property file names an output its step does not have.")
def gate_property_file(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, ProcessingStep):
            continue
        outputs = [o.name for o in step.outputs]
        for position, property_file in enumerate(step.property_files):
            if property_file.output not in outputs:
                yield problem(
                    "gate-property-file",
                    ("steps", index, "property_files", position, "output"),
                    f'property file "{property_file.name}" is read from output '
                    f'"{property_file.output}", which step "{step.name}" does not produce'
                    f"{did_you_mean(property_file.output, outputs)}",
                )


_KIND_OF_TYPE = {"Integer": "number", "Float": "number", "String": "string", "Boolean": "boolean"}


def _operand_kind(ctx: SpecContext, operand: object) -> str | None:
    """'number', 'string', 'boolean' or None when only known at run time."""
    if isinstance(operand, StepOutputRef) and operand.step in ctx.steps:
        target = ctx.steps[operand.step][1]
        if isinstance(target, (LambdaStep, CallbackStep)):  # typed outputs
            types = {output.name: output.type for output in target.outputs}
            return _KIND_OF_TYPE.get(types.get(operand.output, ""))
    if isinstance(operand, bool):
        return "boolean"
    if isinstance(operand, (int, float)):
        return "number"
    if isinstance(operand, str):
        return "string"
    if isinstance(operand, PropertyRef):
        return property_kind(ctx, operand)
    if isinstance(operand, ParamRef) and operand.param in ctx.spec.parameters:
        return _KIND_OF_TYPE[ctx.spec.parameters[operand.param].type]
    return None


@rule(
    "gate-threshold-type",
    "gate",
    "A comparison's operands cannot be compared (e.g. >= with a string threshold).",
)
def gate_threshold_type(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, ConditionStep):
            continue
        for position, condition in enumerate(step.conditions):
            for side in ("right", "left"):
                operand = getattr(condition, side)
                kind = _operand_kind(ctx, operand)
                if condition.operator in _ORDERING and kind in ("string", "boolean"):
                    shown = _shown_operand(operand)
                    hint = (
                        " (write the number without quotes)"
                        if isinstance(operand, str) and _is_number(operand)
                        else ""
                    )
                    yield problem(
                        "gate-threshold-type",
                        ("steps", index, "conditions", position, side),
                        f"{condition.operator} compares numbers, but {side} value {shown} is a {kind}{hint}",
                    )


def _shown_operand(operand: object) -> str:
    """An operand as the spec writes it (YAML's `true`, not Python's `True`)."""
    if isinstance(operand, ParamRef):
        return f'parameter "{operand.param}"'
    if isinstance(operand, StepOutputRef):
        return f'output "{operand.output}" of step "{operand.step}"'
    if isinstance(operand, PropertyRef):
        return f'property "{operand.property.path}" of step "{operand.property.step}"'
    return json.dumps(operand)


def property_kind(ctx: SpecContext, ref: PropertyRef) -> str | None:
    """A step property's kind from its Describe* shape (None when unknown)."""
    target = ctx.steps.get(ref.property.step)
    tokens = property_paths.parse(ref.property.path)
    step_type = property_paths.STEP_TYPES.get(target[1].type) if target else None
    if tokens is None or step_type is None:
        return None
    found = property_paths.resolve(step_type, tokens).type
    if found in property_paths.NUMBER_TYPES:
        return "number"
    return {"string": "string", "boolean": "boolean", "timestamp": "string"}.get(found or "")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@rule(
    "branch-step-unknown",
    "gate",
    "A condition's if_steps/else_steps name a step that does not exist.",
)
def branch_step_unknown(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, ConditionStep):
            continue
        for branch in ("if_steps", "else_steps"):
            for position, name in enumerate(getattr(step, branch)):
                if name not in ctx.steps:
                    yield problem(
                        "branch-step-unknown",
                        ("steps", index, branch, position),
                        f'condition "{step.name}" lists step "{name}" in {branch}, but no step has '
                        f"that name{did_you_mean(name, ctx.steps)}",
                    )
                elif name == step.name:
                    yield problem(
                        "branch-step-unknown",
                        ("steps", index, branch, position),
                        f'condition "{step.name}" lists itself in {branch}',
                    )


@rule(
    "branch-step-unconditional",
    "gate",
    "A branch step would also run unconditionally: listed in two branches, or needed by a step outside its branch.",
)
def branch_step_unconditional(ctx: SpecContext) -> Iterator[Diagnostic]:
    owners = ctx.branch_owner()
    for name, places in owners.items():
        if len(places) > 1:
            for condition, branch, position in places[1:]:
                first, first_branch, _ = places[0]
                yield problem(
                    "branch-step-unconditional",
                    (*ctx.step_path(condition), branch, position),
                    f'step "{name}" is already in {first_branch} of condition "{first.name}"; '
                    "a step belongs to one branch only",
                )
    for step in ctx.spec.steps:
        mine = _enclosing_branches(owners, step.name)
        for target, path in ctx.dependencies(step).items():
            if target not in owners or target == step.name:
                continue
            theirs = {(o.name, b) for o, b, _ in owners[target]}
            if not theirs & mine:
                condition, branch, _ = owners[target][0]
                yield problem(
                    "branch-step-unconditional",
                    path,
                    f'step "{step.name}" needs "{target}", which runs only in {branch} of condition '
                    f'"{condition.name}"; put "{step.name}" in that branch too, or make "{target}" unconditional',
                )


def _enclosing_branches(
    owners: dict[str, list[tuple[ConditionStep, str, int]]], name: str
) -> set[tuple[str, str]]:
    """(condition, branch) of every branch a step runs in: its own, and, for a step in a
    nested condition's branch, the branches that condition runs in."""
    found: set[tuple[str, str]] = set()
    pending = [name]
    while pending:
        for owner, branch, _ in owners.get(pending.pop(), []):
            if (owner.name, branch) not in found:
                found.add((owner.name, branch))
                pending.append(owner.name)
    return found


@rule(
    "register-metrics-source",
    "gate",
    "A register step's metrics file is not produced by an upstream step output.",
)
def register_metrics_source(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if not isinstance(step, RegisterStep) or step.model_metrics is None:
            continue
        for kind in ("model_statistics", "model_constraints"):
            metrics = getattr(step.model_metrics, kind)
            if metrics is None:
                continue
            base = ("steps", index, "model_metrics", kind)
            source = ctx.steps.get(metrics.source.step)
            if source is None:
                continue  # step-unknown reports it
            if not isinstance(source[1], ProcessingStep):
                yield problem(
                    "register-metrics-source",
                    (*base, "source", "step"),
                    f'{kind} of "{step.name}" must come from a processing step\'s output; '
                    f'"{source[1].name}" is a {source[1].type} step',
                )
            if (
                metrics.file.startswith("/")
                or not metrics.file.strip()
                or ".." in metrics.file.split("/")
            ):
                yield problem(
                    "register-metrics-source",
                    (*base, "file"),
                    f'"{metrics.file}" must be a relative path inside output "{metrics.source.output}"',
                )
            elif isinstance(source[1], ProcessingStep):
                declared = {
                    p.path for p in source[1].property_files if p.output == metrics.source.output
                }
                if declared and metrics.file not in declared:
                    yield problem(
                        "register-metrics-source",
                        (*base, "file"),
                        f'"{metrics.file}" is not the file step "{source[1].name}" declares in output '
                        f'"{metrics.source.output}" ({", ".join(sorted(declared))})',
                    )


@rule(
    "condition-branches-empty",
    "gate",
    "A condition with neither if_steps nor else_steps gates nothing: the steps meant to be "
    "gated run unconditionally.",
)
def condition_branches_empty(ctx: SpecContext) -> Iterator[Diagnostic]:
    for step in ctx.spec.steps:
        if isinstance(step, ConditionStep) and not step.if_steps and not step.else_steps:
            yield problem(
                "condition-branches-empty",
                (
                    *ctx.step_path(step),
                    "if_steps" if "if_steps" in step.model_fields_set else "type",
                ),
                f'condition "{step.name}" has no if_steps and no else_steps: it gates nothing, '
                "and every step it was meant to gate runs unconditionally; list them in if_steps",
            )
