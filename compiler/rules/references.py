"""Rules on names and references: parameters, steps, outputs, property files, cycles."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.model import ProcessingStep, RegisterStep, TrainingStep
from compiler.references import JsonGetRef, ParamRef, StepOutputRef
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.rules.suggest import did_you_mean

_PARAMETER_PYTHON_TYPES = {
    "String": (str,),
    "Integer": (int,),
    "Float": (int, float),
    "Boolean": (bool,),
}


@rule("param-undefined", "references", "A {param: NAME} reference names no declared parameter.")
def param_undefined(ctx: SpecContext) -> Iterator[Diagnostic]:
    declared = ctx.spec.parameters
    for _, path, ref in ctx.references():
        if isinstance(ref, ParamRef) and ref.param not in declared:
            yield problem(
                "param-undefined",
                (*path, "param"),
                f'parameter "{ref.param}" is not declared under `parameters`{did_you_mean(ref.param, declared)}',
            )
    bundle = ctx.spec.pipeline.code_bundle
    if bundle not in declared:
        yield problem(
            "param-undefined",
            ("pipeline", "code_bundle"),
            f'code_bundle names parameter "{bundle}", which is not declared{did_you_mean(bundle, declared)}',
        )
    elif declared[bundle].type != "String":
        yield problem(
            "param-undefined",
            ("pipeline", "code_bundle"),
            f'code_bundle parameter "{bundle}" must be of type String, not {declared[bundle].type}',
        )


@rule("param-unused", "references", "A declared parameter is used nowhere: remove it or use it.")
def param_unused(ctx: SpecContext) -> Iterator[Diagnostic]:
    used = {ref.param for _, _, ref in ctx.references() if isinstance(ref, ParamRef)}
    used.add(ctx.spec.pipeline.code_bundle)
    for name in ctx.spec.parameters:
        if name not in used:
            yield problem(
                "param-unused",
                ("parameters", name),
                f'parameter "{name}" is declared but never used',
            )


@rule("param-default-type", "references", "A parameter's default does not fit its declared type.")
def param_default_type(ctx: SpecContext) -> Iterator[Diagnostic]:
    for name, parameter in ctx.spec.parameters.items():
        default = parameter.default
        if default is None:
            continue
        allowed = _PARAMETER_PYTHON_TYPES[parameter.type]
        fits = isinstance(default, allowed) and not (
            isinstance(default, bool) and parameter.type != "Boolean"
        )
        if not fits:
            yield problem(
                "param-default-type",
                ("parameters", name, "default"),
                f'parameter "{name}" is {parameter.type} but its default {default!r} is '
                f"{type(default).__name__}",
            )


@rule("step-unknown", "references", "A reference or depends_on names a step that does not exist.")
def step_unknown(ctx: SpecContext) -> Iterator[Diagnostic]:
    for step in ctx.spec.steps:
        for target, path in ctx.dependencies(step).items():
            if target not in ctx.steps:
                where = _step_key_path(ctx, path)
                yield problem(
                    "step-unknown",
                    where,
                    f'step "{step.name}" refers to step "{target}", which does not exist'
                    f"{did_you_mean(target, ctx.steps)}",
                )


def _step_key_path(ctx: SpecContext, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Point at the `step:` key of a reference (or the depends_on entry itself)."""
    if "depends_on" in path:
        return path
    if "left" in path or "right" in path:
        return (*path, "json_get", "step") if _is_json_get(ctx, path) else (*path, "step")
    return (*path, "step")


def _is_json_get(ctx: SpecContext, path: tuple[str | int, ...]) -> bool:
    return any(p == path and isinstance(r, JsonGetRef) for _, p, r in ctx.references())


@rule(
    "step-output-unknown",
    "references",
    "A {step, output} reference names an output that step does not produce.",
)
def step_output_unknown(ctx: SpecContext) -> Iterator[Diagnostic]:
    for _, path, ref in ctx.references():
        if not isinstance(ref, StepOutputRef) or ref.step not in ctx.steps:
            continue
        target = ctx.steps[ref.step][1]
        outputs = ctx.outputs_of(target)
        if ref.output not in outputs:
            kind = target.type
            yield problem(
                "step-output-unknown",
                (*path, "output"),
                f'{kind} step "{ref.step}" has no output "{ref.output}"{did_you_mean(ref.output, outputs)}',
            )


@rule(
    "property-file-unknown",
    "references",
    "A json_get names a property file its step does not declare.",
)
def property_file_unknown(ctx: SpecContext) -> Iterator[Diagnostic]:
    for owner, path, ref in ctx.references():
        if not isinstance(ref, JsonGetRef) or ref.json_get.step not in ctx.steps:
            continue
        target = ctx.steps[ref.json_get.step][1]
        declared = (
            [p.name for p in target.property_files] if isinstance(target, ProcessingStep) else []
        )
        name = ref.json_get.property_file
        if name not in declared:
            subject = f'step "{owner.name}"' if owner else "a condition"
            if not isinstance(target, ProcessingStep):
                detail = f'; only processing steps declare property files, and "{target.name}" is a {target.type} step'
            elif declared:
                detail = ", which declares only " + ", ".join(f'"{d}"' for d in declared)
                close = did_you_mean(name, declared)
                if close.startswith(";"):  # a likely typo: name the fix
                    detail += close
            else:
                detail = ", which declares no property files"
            yield problem(
                "property-file-unknown",
                (*path, "json_get", "property_file"),
                f'{subject} reads property file "{name}" of step "{target.name}"{detail}',
            )


@rule(
    "step-duplicate-name", "references", "Two steps share a name; SageMaker step names are unique."
)
def step_duplicate_name(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        first = ctx.steps[step.name][0]
        if first != index:
            yield problem(
                "step-duplicate-name",
                ("steps", index, "name"),
                f'step name "{step.name}" is already used by step {first + 1} of `steps`',
            )


@rule(
    "name-duplicate",
    "references",
    "Two inputs, outputs, channels or property files of one step share a name.",
)
def name_duplicate(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        groups: dict[str, list[str]] = {}
        if isinstance(step, ProcessingStep):
            groups = {
                "inputs": [i.name for i in step.inputs],
                "outputs": [o.name for o in step.outputs],
                "property_files": [p.name for p in step.property_files],
            }
        elif isinstance(step, TrainingStep):
            groups = {"channels": [c.name for c in step.channels]}
        for field_name, names in groups.items():
            seen: set[str] = set()
            for position, name in enumerate(names):
                if name in seen:
                    yield problem(
                        "name-duplicate",
                        ("steps", index, field_name, position, "name"),
                        f'step "{step.name}" has two {field_name.replace("_", " ")} named "{name}"',
                    )
                seen.add(name)
        if isinstance(step, ProcessingStep) and any(i.name == "code" for i in step.inputs):
            position = next(p for p, i in enumerate(step.inputs) if i.name == "code")
            yield problem(
                "name-duplicate",
                ("steps", index, "inputs", position, "name"),
                f'step "{step.name}": the input name "code" is reserved for the code bundle',
            )


@rule(
    "step-cycle",
    "references",
    "Steps depend on each other in a cycle (data references, depends_on, branches).",
)
def step_cycle(ctx: SpecContext) -> Iterator[Diagnostic]:
    graph: dict[str, list[str]] = {}
    for step in ctx.spec.steps:
        graph.setdefault(step.name, [])
        graph[step.name].extend(t for t in ctx.dependencies(step) if t in ctx.steps)
    for name, owners in ctx.branch_owner().items():
        if name in ctx.steps:
            graph[name].extend(owner.name for owner, _, _ in owners)
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> Iterator[list[str]]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                yield [*stack[stack.index(nxt) :], nxt]
            elif nxt not in state:
                yield from visit(nxt)
        stack.pop()
        state[node] = 2

    for step in ctx.spec.steps:
        if step.name in state:
            continue
        for cycle in visit(step.name):
            members = frozenset(cycle)
            if members in reported:
                continue
            reported.add(members)
            first = min(cycle[:-1], key=lambda n: ctx.steps[n][0])
            start = cycle.index(first)
            ordered = cycle[start:-1] + cycle[:start] + [first]
            yield problem(
                "step-cycle",
                ("steps", ctx.steps[first][0], "name"),
                "steps depend on each other in a cycle: "
                + " -> ".join(ordered)
                + " (each waits for the next)",
            )


@rule("image-undefined", "images", "A step's image names no entry of `images`.")
def image_undefined(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if (
            isinstance(step, (ProcessingStep, TrainingStep, RegisterStep))
            and step.image not in ctx.spec.images
        ):
            yield problem(
                "image-undefined",
                ("steps", index, "image"),
                f'step "{step.name}" uses image "{step.image}", which is not declared under `images`'
                f"{did_you_mean(step.image, ctx.spec.images)}",
            )
