"""Rules on names and references: parameters, steps, outputs, property files, cycles."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.model import (
    CallbackStep,
    LambdaStep,
    ModelStep,
    ProcessingStep,
    RegisterStep,
    SparkStep,
    TrainingStep,
    TuningStep,
)
from compiler.references import JsonGetRef, ParamRef, PropertyRef, StepOutputRef
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


@rule(
    "param-unused",
    "references",
    "Warning: a declared parameter is used nowhere (an error with --strict).",
)
def param_unused(ctx: SpecContext) -> Iterator[Diagnostic]:
    used = {ref.param for _, _, ref in ctx.references() if isinstance(ref, ParamRef)}
    used.add(ctx.spec.pipeline.code_bundle)
    for name in ctx.spec.parameters:
        if name not in used:
            yield problem(
                "param-unused",
                ("parameters", name),
                f'parameter "{name}" is declared but never used',
                at_key=True,
                severity="warning",
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
    """Point at the `step:` key of a reference; a depends_on entry or a transform step's
    `model:` holds no reference but names the step itself."""
    kind = ctx.reference_at(path)
    if kind is None:
        return path
    if isinstance(kind, PropertyRef):
        return (*path, "property", "step")
    if isinstance(kind, JsonGetRef):
        return (*path, "json_get", "step")
    return (*path, "step")


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
        # A json_get is written in a condition only (never in `defaults`): it has an owner.
        if owner is None or not isinstance(ref, JsonGetRef) or ref.json_get.step not in ctx.steps:
            continue
        target = ctx.steps[ref.json_get.step][1]
        declared = (
            [p.name for p in target.property_files] if isinstance(target, ProcessingStep) else []
        )
        name = ref.json_get.property_file
        if name not in declared:
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
                f'step "{owner.name}" reads property file "{name}" of step "{target.name}"{detail}',
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
    "Two inputs, outputs, channels or property files of one step share a name "
    "(Lambda and Callback outputs included), or an input takes a name the compiler gives its "
    "own inputs (`code`; `conf` on a spark step with a configuration).",
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
        elif isinstance(step, (TrainingStep, TuningStep)):
            groups = {"channels": [c.name for c in step.channels]}
        elif isinstance(step, (LambdaStep, CallbackStep)):
            groups = {"outputs": [o.name for o in step.outputs]}
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
        if isinstance(step, ProcessingStep):
            yield from _reserved_input_names(index, step)


def _reserved_input_names(index: int, step: ProcessingStep) -> Iterator[Diagnostic]:
    """Inputs the compiler adds itself: ``code`` (the bundle) always, and ``conf`` (the Spark
    configuration, as PySparkProcessor names it) when a spark step has a configuration; a
    second input of that name would make SageMaker refuse the job."""
    reserved = {"code": "the code bundle"}
    if isinstance(step, SparkStep) and step.configuration:
        reserved["conf"] = "the step's Spark configuration"
    for position, item in enumerate(step.inputs):
        if item.name in reserved:
            yield problem(
                "name-duplicate",
                ("steps", index, "inputs", position, "name"),
                f'step "{step.name}": the input name "{item.name}" is reserved for '
                f"{reserved[item.name]}",
            )


@rule(
    "step-cycle",
    "references",
    "Steps depend on each other in a cycle (data references, depends_on, branches).",
)
def step_cycle(ctx: SpecContext) -> Iterator[Diagnostic]:
    graph = _dependency_graph(ctx)
    for component in _cycles(graph):
        first = min(component, key=lambda n: ctx.steps[n][0])
        path = _cycle_path(graph, first, component)
        yield problem(
            "step-cycle",
            ("steps", ctx.steps[first][0], "name"),
            "steps depend on each other in a cycle: "
            + " -> ".join(path)
            + " (each waits for the next)",
        )


def _dependency_graph(ctx: SpecContext) -> dict[str, list[str]]:
    """Step -> the steps it waits for. A duplicate name is left to step-duplicate-name."""
    graph: dict[str, list[str]] = {name: [] for name in ctx.steps}
    for name, (_, step) in ctx.steps.items():
        graph[name].extend(t for t in ctx.dependencies(step) if t in ctx.steps)
    for name, owners in ctx.branch_owner().items():
        if name in graph:
            graph[name].extend(owner.name for owner, _, _ in owners)
    return graph


def _cycles(graph: dict[str, list[str]]) -> list[set[str]]:
    """Strongly connected components that hold a cycle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(component)

    for node in graph:
        if node not in index:
            connect(node)
    return found


def _cycle_path(graph: dict[str, list[str]], start: str, component: set[str]) -> list[str]:
    """A shortest walk from ``start`` back to itself inside its component (BFS)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in graph[node]:
                if nxt == start:
                    walk = [node]
                    while walk[-1] != start:
                        walk.append(previous[walk[-1]])
                    return [start, *reversed(walk[:-1]), start]
                if nxt in component and nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return [start, start]


@rule("image-undefined", "images", "A step's image names no entry of `images`.")
def image_undefined(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in enumerate(ctx.spec.steps):
        if (
            isinstance(step, (ProcessingStep, TrainingStep, TuningStep, ModelStep, RegisterStep))
            and isinstance(step.image, str)
            and step.image not in ctx.spec.images
        ):
            yield problem(
                "image-undefined",
                ("steps", index, "image"),
                f'step "{step.name}" uses image "{step.image}", which is not declared under `images`'
                f"{did_you_mean(step.image, ctx.spec.images)}",
            )
