"""A checked spec -> a Mermaid ``flowchart TD``, drawn like the seed's architecture picture.

One node per step (name and type), an edge per data dependency labelled with what flows
(outputs, property files), dotted edges for ``depends_on``, the quality gate as a rhombus
with ``yes``/``no`` edges to its branches (an empty branch ends at a terminal node), and,
on request, the parameters as a subgraph. The text depends only on the spec: steps and
edges come in the spec's order, so the same spec always draws the same graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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
from compiler.references import (
    ExecutionRef,
    JoinRef,
    JsonGetRef,
    ParamRef,
    PropertyRef,
    Reference,
    StepOutputRef,
)
from compiler.rules.context import SpecContext

OPERATOR_SYMBOLS = {
    "Equals": "==",
    "GreaterThan": ">",
    "GreaterThanOrEqualTo": ">=",
    "LessThan": "<",
    "LessThanOrEqualTo": "<=",
}
# Text Mermaid takes unquoted in a label; anything else goes in quotes (with entities).
_PLAIN_LABEL = re.compile(r"[A-Za-z0-9_ .,:=<>!/+*-]*")
_NODE_ID = re.compile(r"[A-Za-z0-9_]+")
# Mermaid ids it reads as keywords; a step so named gets a suffixed id.
_RESERVED_IDS = {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click"}


@dataclass
class _Edges:
    """Edges in first-seen order, one per (source, target, style), labels merged."""

    labels: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)

    def add(self, source: str, target: str, style: str, label: str = "") -> None:
        labels = self.labels.setdefault((source, target, style), [])
        if label and label not in labels:
            labels.append(label)


# Step statuses as SageMaker names them -> (fill, stroke, text colour) of the node.
STATUS_STYLES = {
    "Succeeded": ("#d4edda", "#28a745", "#155724"),
    "Failed": ("#f8d7da", "#dc3545", "#721c24"),
    "Executing": ("#cce5ff", "#007bff", "#004085"),
    "Starting": ("#cce5ff", "#007bff", "#004085"),
    "Stopping": ("#fff3cd", "#ffc107", "#856404"),
    "Stopped": ("#e2e3e5", "#6c757d", "#383d41"),
}
NOT_RUN = "NotRun"


def render_graph(
    spec: Spec, *, parameters: bool = False, statuses: dict[str, str] | None = None
) -> str:
    """The Mermaid text of the spec's pipeline (a trailing newline included). With
    ``statuses`` (step name -> SageMaker step status, e.g. of one execution) each step is
    coloured by its status; a step the execution has not run is drawn dashed."""
    ids = _Ids(spec)
    lines = ["flowchart TD"]
    if parameters and spec.parameters:
        lines.append("  subgraph Parameters")
        for name, parameter in spec.parameters.items():
            text = f"{name}<br/>{parameter.type}"
            if isinstance(parameter.default, (bool, int, float)):
                text += f" = {_literal(parameter.default)}"
            lines.append(f"    {ids.parameter(name)}{_shape('[/', text, '/]')}")
        lines.append("  end")
    for step in spec.steps:
        lines.append(f"  {ids.step(step.name)}{_step_shape(step)}")
    for terminal_id, text in _terminals(spec, ids):
        lines.append(f"  {terminal_id}{_shape('([', text, '])')}")
    edges = _edges(spec, ids, parameters)
    for (source, target, style), labels in edges.labels.items():
        lines.append(f"  {source} {_arrow(style, ', '.join(labels))} {target}")
    if statuses is not None:
        lines.extend(_status_classes(spec, ids, statuses))
    return "\n".join(lines) + "\n"


def _status_classes(spec: Spec, ids: _Ids, statuses: dict[str, str]) -> list[str]:
    """``classDef`` per status in use and a ``class`` line per status, steps in spec order."""
    members: dict[str, list[str]] = {}
    for step in spec.steps:
        status = statuses.get(step.name, NOT_RUN)
        members.setdefault(status if status in STATUS_STYLES else NOT_RUN, []).append(
            ids.step(step.name)
        )
    lines = []
    for status, nodes in members.items():
        if status == NOT_RUN:
            style = "fill:#ffffff,stroke:#adb5bd,color:#6c757d,stroke-dasharray:4 3"
        else:
            fill, stroke, color = STATUS_STYLES[status]
            style = f"fill:{fill},stroke:{stroke},color:{color}"
        lines.append(f"  classDef {status} {style}")
        lines.append(f"  class {','.join(nodes)} {status}")
    return lines


class _Ids:
    """Mermaid node ids: the step's name when Mermaid can take it, else a safe variant."""

    def __init__(self, spec: Spec) -> None:
        self._steps: dict[str, str] = {}
        taken: set[str] = set()
        for step in spec.steps:
            self._steps[step.name] = self._fresh(step.name, taken)
        self._parameters = {name: self._fresh(f"param_{name}", taken) for name in spec.parameters}
        self._terminals: dict[tuple[str, str], str] = {}
        self._taken = taken

    @staticmethod
    def _fresh(name: str, taken: set[str]) -> str:
        base = name if _NODE_ID.fullmatch(name) else re.sub(r"[^A-Za-z0-9_]", "_", name)
        if base.lower() in _RESERVED_IDS:
            base += "_"
        candidate, counter = base, 2
        while candidate in taken:
            candidate, counter = f"{base}_{counter}", counter + 1
        taken.add(candidate)
        return candidate

    def step(self, name: str) -> str:
        return self._steps.get(name) or self._fresh(name, self._taken)

    def parameter(self, name: str) -> str:
        return self._parameters[name]

    def terminal(self, condition: str, branch: str) -> str:
        key = (condition, branch)
        if key not in self._terminals:
            self._terminals[key] = self._fresh(f"{self.step(condition)}_{branch}", self._taken)
        return self._terminals[key]


def _step_shape(step: Step) -> str:
    if isinstance(step, ConditionStep):
        tests = "<br/>".join(
            f"{_operand(c.left)} {OPERATOR_SYMBOLS[c.operator]} {_operand(c.right)}"
            for c in step.conditions
        )
        return _shape("{", f"{step.name}<br/>{tests}", "}")
    text = f"{step.name}<br/>{step.type}"
    if isinstance(step, RegisterStep):
        return _shape("[", f"{text}<br/>{step.approval_status}", "]")
    if isinstance(step, FailStep):
        return _shape("[[", text, "]]")
    if isinstance(step, TuningStep):
        jobs = f", {step.max_jobs} jobs" if step.max_jobs is not None else ""
        return _shape("[", f"{text}<br/>{step.strategy}{jobs}", "]")
    if isinstance(step, LambdaStep):  # the function's name (and alias)
        return _shape("[", f"{text}<br/>{step.function_arn.split(':function:')[-1]}", "]")
    if isinstance(step, CallbackStep):  # a flag: it waits for a message's answer
        return _shape(">", f"{text}<br/>waits on {step.queue_url.rsplit('/', 1)[-1]}", "]")
    return _shape("[", text, "]")


def _terminals(spec: Spec, ids: _Ids) -> Iterator[tuple[str, str]]:
    for step in _conditions(spec):
        registers = _registers_in(spec, step.if_steps)
        for branch, names in (("yes", step.if_steps), ("no", step.else_steps)):
            if not names:
                # As the seed draws it: the gate's other way out ends the pipeline.
                text = "no registration" if branch == "no" and registers else "end"
                yield ids.terminal(step.name, branch), text


def _edges(spec: Spec, ids: _Ids, parameters: bool) -> _Edges:
    context = SpecContext(spec, None)
    references: dict[str, list[Reference]] = {}
    for step, _path, ref in context.references():
        if step is not None:
            references.setdefault(step.name, []).append(ref)
    edges = _Edges()
    for step in spec.steps:
        target = ids.step(step.name)
        for source, label in _data_sources(references.get(step.name, [])):
            if source in context.steps:
                edges.add(ids.step(source), target, "data", label)
        if isinstance(step, TransformStep) and step.model in context.steps:
            edges.add(ids.step(step.model), target, "data", "model")
        for name in step.depends_on:
            edges.add(ids.step(name), target, "after")
        if parameters:
            used = [ref.param for ref in references.get(step.name, []) if isinstance(ref, ParamRef)]
            if _reads_bundle(step):  # its code comes from the bundle parameter
                used.append(spec.pipeline.code_bundle)
            for name in used:
                if name in spec.parameters:
                    edges.add(ids.parameter(name), target, "parameter")
        if isinstance(step, ConditionStep):
            for branch, names in (("yes", step.if_steps), ("no", step.else_steps)):
                for name in names:
                    edges.add(target, ids.step(name), "data", branch)
                if not names:
                    edges.add(target, ids.terminal(step.name, branch), "data", branch)
    return edges


def _reads_bundle(step: Step) -> bool:
    if isinstance(step, ProcessingStep):
        return True
    return isinstance(step, (TrainingStep, TuningStep, ModelStep)) and step.script is not None


def _data_sources(references: list[Reference]) -> Iterator[tuple[str, str]]:
    """(source step, what flows) for each reference to another step, in the spec's order."""
    for ref in references:
        if isinstance(ref, StepOutputRef):
            yield ref.step, ref.output
        elif isinstance(ref, JsonGetRef):
            yield ref.json_get.step, ref.json_get.property_file
        elif isinstance(ref, PropertyRef):
            yield ref.property.step, ref.property.path.split(".")[0].split("[")[0]


def _conditions(spec: Spec) -> Iterable[ConditionStep]:
    return [step for step in spec.steps if isinstance(step, ConditionStep)]


def _registers_in(spec: Spec, names: list[str]) -> bool:
    wanted = set(names)
    return any(isinstance(s, RegisterStep) and s.name in wanted for s in spec.steps)


def _operand(value: object) -> str:
    """How a condition's side reads in the rhombus: the JSON path, the parameter's name..."""
    if isinstance(value, JsonGetRef):
        return value.json_get.path
    if isinstance(value, ParamRef):
        return value.param
    if isinstance(value, StepOutputRef):
        return f"{value.step}.{value.output}"
    if isinstance(value, ExecutionRef):
        return f"Execution.{value.execution}"
    if isinstance(value, PropertyRef):
        return f"{value.property.step}.{value.property.path}"
    if isinstance(value, JoinRef):
        return "join(" + ", ".join(_operand(item) for item in value.join) + ")"
    return _literal(value)


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _arrow(style: str, label: str) -> str:
    if style == "after":
        return "-.->"
    if style == "parameter":
        return "-.-o"
    if not label:
        return "-->"
    if _PLAIN_LABEL.fullmatch(label) and "<" not in label:
        return f"-- {label} -->"
    return f'-->|"{_escape(label)}"|'


def _shape(opening: str, text: str, closing: str) -> str:
    """A node's shape around its label, quoted when the text has characters Mermaid parses."""
    plain = text.replace("<br/>", "")
    if _PLAIN_LABEL.fullmatch(plain) and "<" not in plain:
        return f"{opening}{text}{closing}"
    return f'{opening}"{_escape(text)}"{closing}'


def _escape(text: str) -> str:
    """Mermaid's entity codes for what would end or break a quoted label."""
    text = text.replace('"', "#quot;").replace("<br/>", "\0")
    return text.replace("<", "#lt;").replace(">", "#gt;").replace("\0", "<br/>")
