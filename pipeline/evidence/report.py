"""The facts of one pipeline execution that the workshop's "Evidencia requerida" asks for.

``collect_evidence`` reads them through the ``Backend`` protocol plus a small
``EvidenceSource`` (object proof, the executed definition, property files) and evaluates the
seed's "Criterio de cierre" from them; ``pipeline.evidence.render`` writes the Markdown. It
only reads: no state, object or AWS resource is changed.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.backends.interface import Backend, ExecutionSummary, ModelPackage, StepRecord
from pipeline.definition_steps import iter_steps
from pipeline.evidence.expected import Expected, expected_from, json_object
from pipeline.evidence.graph import execution_graph
from pipeline.evidence.sources import EvidenceSource, ObjectProof, PropertyReport
from pipeline.evidence.terraform_plan import PlanSummary

# The workshop's rule for data inputs: the pipeline reads the curated datasets.
CURATED_SEGMENT = "/curated/"
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")

COMPARISONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanOrEqualTo": (">=", operator.ge),
    "GreaterThan": (">", operator.gt),
    "LessThanOrEqualTo": ("<=", operator.le),
    "LessThan": ("<", operator.lt),
    "Equals": ("==", operator.eq),
}


@dataclass(frozen=True)
class CodeBundle:
    uri: str | None
    version: str | None  # the path segment after pipeline/code/
    commit: str | None  # the 40-hex commit SHA the version starts with
    proof: ObjectProof | None


@dataclass(frozen=True)
class Gate:
    """The quality gate as the executed definition declares it, and how it went."""

    step: str
    comparison: str  # GreaterThanOrEqualTo ...
    json_path: str | None
    property_file: str | None  # Steps.ModelEvaluation.PropertyFiles.EvaluationReport
    right: str  # Parameters.AccuracyThreshold, or a literal
    if_steps: tuple[str, ...]
    else_steps: tuple[str, ...]
    outcome: str | None  # "True" | "False" from the step's metadata
    left_value: float | None
    right_value: float | None

    @property
    def symbol(self) -> str:
        known = COMPARISONS.get(self.comparison)
        return known[0] if known else self.comparison

    @property
    def expected_outcome(self) -> bool | None:
        """What the condition should give for the recorded values (None: unknown)."""
        known = COMPARISONS.get(self.comparison)
        if known is None or self.left_value is None or self.right_value is None:
            return None
        return known[1](self.left_value, self.right_value)


@dataclass(frozen=True)
class Criterion:
    number: int
    text: str
    met: bool | None  # None: cannot be told from this execution
    detail: str


@dataclass(frozen=True)
class RequiredItem:
    """One entry of the seed's "Evidencia requerida" and how far this report covers it."""

    number: int
    text: str
    status: str  # one of ITEM_STATUSES
    detail: str


RECORDED, RECORDED_LOCALLY, NEEDS_AWS, MISSING = (
    "recorded",
    "recorded locally; needs AWS",
    "needs AWS",
    "missing",
)
ITEM_STATUSES = (RECORDED, RECORDED_LOCALLY, NEEDS_AWS, MISSING)


@dataclass(frozen=True)
class SpecComparison:
    """Whether the definition that ran is what ``smpipe compile SPEC --env ENV`` gives."""

    spec: str
    env: str | None
    variables: Mapping[str, str]
    identical: bool | None  # None: the executed definition could not be read
    region: str | None


@dataclass
class Evidence:
    expected: Expected  # what the spec asks: its parameters, steps, bundle, gate
    backend: str
    execution: ExecutionSummary
    pipeline_arn: str
    parameters: dict[str, str]
    steps: list[StepRecord]
    bundle: CodeBundle
    gate: Gate | None
    packages: list[ModelPackage]
    metrics: dict[str, float]
    metrics_source: str | None
    definition_read: bool
    plan: PlanSummary | None = None
    spec: SpecComparison | None = None
    output: str | None = None
    state_label: str | None = None
    package_group: str | None = None
    command: str | None = None  # the smpipe command that wrote the report
    logs: dict[str, str] = field(default_factory=dict)  # step -> where its log is
    graph: str | None = None  # Mermaid: the steps coloured by status (smpipe graph --execution)
    graph_missing: str | None = None  # why there is no graph
    items: list[RequiredItem] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def local(self) -> bool:
        return self.backend == "local"

    def step(self, name: str) -> StepRecord | None:
        return next((step for step in self.steps if step.name == name), None)

    @property
    def bundle_parameter(self) -> str:
        """The code bundle parameter's name, as the report's headings show it."""
        return self.expected.bundle_parameter or "code bundle"


def collect_evidence(
    source: EvidenceSource,
    execution_arn: str,
    *,
    plan: PlanSummary | None = None,
    spec: SpecComparison | None = None,
    compiled_definition: dict[str, Any] | None = None,
    output: str | None = None,
) -> Evidence:
    """Every fact the report shows, read once. ``compiled_definition`` (from ``--spec``) is
    compared with the definition the execution ran, and its steps, parameters, bundle and
    gate are what the criteria expect (else the executed definition's)."""
    backend: Backend = source.backend
    execution = backend.describe_execution(execution_arn)
    parameters = dict(sorted(backend.parameters(execution_arn).items()))
    steps = backend.list_steps(execution_arn)
    definition = source.executed_definition(execution_arn)
    reports = source.property_reports(execution_arn)
    packages = [
        backend.describe_model_package(step.metadata["ModelPackageArn"])
        for step in steps
        if step.metadata.get("ModelPackageArn")
    ]
    if spec is not None and compiled_definition is not None:
        identical = None if definition is None else definition == compiled_definition
        spec = SpecComparison(spec.spec, spec.env, spec.variables, identical, spec.region)
    expected = expected_from(
        compiled_definition if compiled_definition is not None else definition, steps, parameters
    )
    bundle_uri = parameters.get(expected.bundle_parameter) if expected.bundle_parameter else None
    metrics, metrics_source = _metrics(reports, packages, _metrics_section(expected))
    evidence = Evidence(
        expected=expected,
        backend=backend.name,
        execution=execution,
        pipeline_arn=pipeline_arn_of(execution_arn),
        parameters=parameters,
        steps=steps,
        bundle=_code_bundle(source, bundle_uri),
        gate=_gate(definition, expected, steps, reports, parameters),
        packages=packages,
        metrics=metrics,
        metrics_source=metrics_source,
        definition_read=definition is not None,
        plan=plan,
        spec=spec,
        output=output,
        state_label=getattr(source, "state_label", None),
        package_group=_package_group(definition, packages),
    )
    evidence.logs = {step.name: _log_location(source, step) for step in steps}
    evidence.graph, evidence.graph_missing = execution_graph(definition, steps)
    evidence.items = required_items(evidence)
    evidence.criteria = closing_criteria(evidence, definition)
    return evidence


def pipeline_arn_of(execution_arn: str) -> str:
    """``arn:...:pipeline/NAME/execution/ID`` -> ``arn:...:pipeline/NAME``."""
    return execution_arn.split("/execution/", 1)[0]


def bundle_version(uri: str) -> tuple[str | None, str | None]:
    """(version, commit SHA) from ``s3://b/pipeline/code/<version>/pipeline_code.tar.gz``."""
    match = re.search(r"/pipeline/code/([^/]+)/", uri)
    if not match:
        return None, None
    version = match.group(1)
    head = version.split("-", 1)[0]
    return version, head if COMMIT_SHA.match(head) else None


def _code_bundle(source: EvidenceSource, uri: str | None) -> CodeBundle:
    if not uri:
        return CodeBundle(None, None, None, None)
    version, commit = bundle_version(uri)
    return CodeBundle(uri, version, commit, source.object_proof(uri))


def _metrics_section(expected: Expected) -> str:
    """The report section the gate reads (``metrics`` of ``metrics.accuracy``)."""
    return (expected.gate_json_path or "metrics").split(".", 1)[0].split("[", 1)[0]


def _metrics(
    reports: list[PropertyReport], packages: list[ModelPackage], key: str = "metrics"
) -> tuple[dict[str, float], str | None]:
    """The numbers of the evaluation report's section ``key`` (the seed's four ``metrics``),
    else the package's."""
    for step, file_path, document in reports:
        section = document.get(key) if isinstance(document, dict) else None
        if isinstance(section, dict):
            numbers = {
                str(k): float(v)
                for k, v in section.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            if numbers:
                return numbers, f"{step} {file_path}"
    for package in packages:
        if package.metrics:
            return dict(package.metrics), f"model package {package.arn}"
    return {}, None


def _log_location(source: EvidenceSource, step: StepRecord) -> str:
    """``CloudWatch `group`, streams `prefix*` `` (SageMaker) or the log file (local)."""
    meta = step.metadata
    if meta.get("LogGroup"):
        return f"CloudWatch `{meta['LogGroup']}`, streams `{meta.get('LogStreamPrefix', '')}*`"
    if meta.get("LogFile"):
        return f"`{source.show_path(meta['LogFile'])}`"
    return ""


def _package_group(
    definition: Mapping[str, Any] | None, packages: list[ModelPackage]
) -> str | None:
    if packages:
        return packages[0].group
    for step in iter_steps(definition):
        group = (step.get("Arguments") or {}).get("ModelPackageGroupName")
        if step.get("Type") == "RegisterModel" and isinstance(group, str):
            return group
    return None


def _gate(
    definition: Mapping[str, Any] | None,
    expected: Expected,
    steps: list[StepRecord],
    reports: list[PropertyReport],
    parameters: Mapping[str, str],
) -> Gate | None:
    """The expected gate step as the execution ran it (its executed definition, its record)."""
    conditions = [s for s in iter_steps(definition) if s.get("Type") == "Condition"]
    wanted = expected.gate_step
    declared = next((s for s in conditions if s.get("Name") == wanted), None) or next(
        iter(conditions), None
    )
    record = next((s for s in steps if s.name == wanted), None) or next(
        (s for s in steps if s.type == "Condition"), None
    )
    if declared is None and record is None:
        return None
    arguments = (declared or {}).get("Arguments") or {}
    declared_conditions = [c for c in arguments.get("Conditions") or [] if isinstance(c, dict)]
    index = expected.gate_condition if expected.gate_condition < len(declared_conditions) else 0
    condition: dict[str, Any] = declared_conditions[index] if declared_conditions else {}
    left = json_object(json_object(condition.get("LeftValue")).get("Std:JsonGet"))
    property_file = json_object(left.get("PropertyFile")).get("Get")
    json_path = left.get("Path")
    right_raw = condition.get("RightValue")
    if isinstance(right_raw, dict) and "Get" in right_raw:
        right = str(right_raw["Get"])
        right_value = _number(parameters.get(right.removeprefix("Parameters.")))
    else:
        right, right_value = str(right_raw), _number(right_raw)
    return Gate(
        step=str((declared or {}).get("Name") or (record.name if record else wanted)),
        comparison=str(condition.get("Type") or "?"),
        json_path=str(json_path) if json_path else None,
        property_file=str(property_file) if property_file else None,
        right=right,
        if_steps=tuple(str(s.get("Name")) for s in arguments.get("IfSteps") or []),
        else_steps=tuple(str(s.get("Name")) for s in arguments.get("ElseSteps") or []),
        outcome=record.metadata.get("Outcome") if record else None,
        left_value=_left_value(property_file, json_path, reports),
        right_value=right_value,
    )


def _left_value(property_file: Any, json_path: Any, reports: list[PropertyReport]) -> float | None:
    """The value the gate compared: ``json_path`` in the report of the property file's step."""
    if not isinstance(json_path, str):
        return None
    step = str(property_file).split(".")[1] if str(property_file).startswith("Steps.") else None
    for name, _file, document in reports:
        if step is not None and name != step:
            continue
        value: Any = document
        for key in json_path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        number = _number(value)
        if number is not None:
            return number
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ---- the seed's "Evidencia requerida" ----
def required_texts(
    expected: Expected, parameters: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """The six items, named by this spec's bundle parameter, steps and approval status."""
    bundle = expected.bundle_parameter or "code bundle"
    approval = expected.approval_status or "PendingManualApproval"
    approval = approval if parameters is None else expected.approval_in(parameters) or approval
    return (
        "`terraform plan` of phase 03 reviewed",
        f"`{bundle}` used (with commit SHA) and proof the object exists",
        "`PipelineArn` and `PipelineExecutionArn`",
        "Status of each step (" + ", ".join(expected.steps) + ")",
        f"`ModelPackageArn` registered and `ModelApprovalStatus={approval}`",
        "Where the critical steps' logs are (CloudWatch)",
    )


def required_items(evidence: Evidence) -> list[RequiredItem]:
    """Each required item: recorded, recorded only locally (AWS still needed), or missing."""
    here = RECORDED_LOCALLY if evidence.local else RECORDED
    expected = evidence.expected
    plan = evidence.plan
    statuses: list[tuple[str, str]] = [
        (RECORDED, plan.headline) if plan else (NEEDS_AWS, "no plan given (--terraform-plan)")
    ]
    proof = evidence.bundle.proof
    if expected.bundle_parameter is None:
        statuses.append((MISSING, "the definition has no code bundle parameter"))
    elif evidence.bundle.uri is None:
        statuses.append((MISSING, f"the execution has no {expected.bundle_parameter} parameter"))
    elif proof is None or proof.exists is None:
        statuses.append((NEEDS_AWS, (proof.note if proof else None) or "not checked"))
    elif not proof.exists:
        statuses.append((MISSING, f"no object at {evidence.bundle.uri}"))
    else:
        commit = evidence.bundle.commit
        named = f"commit {commit}" if commit else "no commit SHA in the URI"
        statuses.append((here, f"{named}; {proof.size} bytes"))
    statuses.append((here, f"execution {evidence.execution.status}"))
    statuses.append(_steps_summary(evidence, here))
    statuses.append(_package_status(evidence, here))
    logged = [name for name, where in evidence.logs.items() if where]
    statuses.append(
        (here, f"{len(logged)} steps with logs") if logged else (MISSING, "no step log recorded")
    )
    return [
        RequiredItem(number, text, status, detail)
        for number, (text, (status, detail)) in enumerate(
            zip(required_texts(expected, evidence.parameters), statuses, strict=True), start=1
        )
    ]


def _package_status(evidence: Evidence, here: str) -> tuple[str, str]:
    """A package in the status the spec's register step asks for, else why there is none."""
    expected = evidence.expected
    if not expected.register_steps:
        return MISSING, "the definition has no RegisterModel step"
    approval = expected.approval_in(evidence.parameters)
    wanted = [p for p in evidence.packages if p.approval_status == approval]
    if wanted:
        return here, f"version {wanted[0].version}, {wanted[0].approval_status}"
    if evidence.packages:
        first = evidence.packages[0]
        return here, f"version {first.version}, now {first.approval_status}"
    gate = evidence.gate
    if gate and gate.outcome == "False" and set(expected.register_steps) & set(gate.if_steps):
        return MISSING, "no model package: the gate was not met (outcome False)"
    return (
        MISSING,
        f"no model package: {_names(expected.register_steps)} did not register a package",
    )


def _steps_summary(evidence: Evidence, here: str) -> tuple[str, str]:
    """``5 of 5 ran: Succeeded`` / ``4 of 5 ran: Succeeded; not run: RegisterModel``."""
    names = evidence.expected.steps
    ran = [step for name in names if (step := evidence.step(name)) is not None]
    if not ran:
        return MISSING, "no step ran"
    statuses = sorted({step.status for step in ran})
    text = f"{len(ran)} of {len(names)} ran: {', '.join(statuses)}"
    not_run = [name for name in names if evidence.step(name) is None]
    return here, text + (f"; not run: {', '.join(not_run)}" if not_run else "")


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) or "no step"


# ---- the seed's "Criterio de cierre" ----
def closing_criteria(evidence: Evidence, definition: Mapping[str, Any] | None) -> list[Criterion]:
    return [
        _contract(evidence, definition),
        _end_to_end(evidence),
        _gate_path(evidence),
        _register_only_if_met(evidence),
        _recorded(evidence),
    ]


def _count(number: int) -> str:
    return NUMBER_WORDS[number] if number < len(NUMBER_WORDS) else str(number)


def _contract(evidence: Evidence, definition: Mapping[str, Any] | None) -> Criterion:
    contract = evidence.expected.parameters
    text = "Parameter contract applied (" + ", ".join(contract) + ")"
    missing = [name for name in contract if name not in evidence.parameters]
    if definition is not None:
        declared = {str(p.get("Name")) for p in definition.get("Parameters") or []}
        missing += [n for n in contract if n not in declared and n not in missing]
    if missing:
        return Criterion(1, text, False, "missing: " + ", ".join(missing))
    every = "both" if len(contract) == 2 else f"all {_count(len(contract))}"
    return Criterion(
        1,
        text,
        True,
        f"the execution ran with {every} (see Parameters); the definition declares them"
        if definition is not None
        else f"the execution ran with {every} (see Parameters)",
    )


def _end_to_end(evidence: Evidence) -> Criterion:
    text = "Pipeline runs end to end from `curated/*`"
    expected = evidence.expected
    inputs = [evidence.parameters.get(n, "") for n in expected.input_parameters]
    not_curated = [uri or "(missing)" for uri in inputs if CURATED_SEGMENT not in uri]
    job_steps = expected.unconditional_steps
    not_succeeded = [
        f"{name} {step.status if step else 'did not run'}"
        for name in job_steps
        if (step := evidence.step(name)) is None or step.status != "Succeeded"
    ]
    status = evidence.execution.status
    problems = []
    if status != "Succeeded":
        problems.append(f"execution {status}")
    problems += not_succeeded
    if not_curated:
        problems.append("inputs not under curated/: " + ", ".join(not_curated))
    if problems:
        return Criterion(2, text, False, "; ".join(problems))
    return Criterion(
        2,
        text,
        True,
        f"execution Succeeded; {_names(job_steps)} Succeeded; inputs "
        + (" and ".join(f"`{uri}`" for uri in inputs) or "none from parameters"),
    )


def _gate_path(evidence: Evidence) -> Criterion:
    expected = evidence.expected
    text = f"Quality gate evaluated on `{expected.gate_json_path}`"
    gate = evidence.gate
    if expected.gate_step is None:
        return Criterion(3, "Quality gate evaluated", False, "the definition has no condition step")
    if gate is None:
        return Criterion(3, text, False, "the execution has no condition step")
    if not evidence.definition_read:
        return Criterion(3, text, None, "the executed definition could not be read")
    if expected.gate_json_path is None:
        return Criterion(
            3,
            "Quality gate evaluated on a report's value",
            False,
            f"{expected.gate_step} compares no property file value (no JsonGet on a left side)",
        )
    if gate.json_path != expected.gate_json_path:
        return Criterion(3, text, False, f"{gate.step} reads `{gate.json_path}`")
    if gate.outcome is None:
        step = evidence.step(gate.step)
        return Criterion(
            3, text, False, f"{gate.step} {step.status if step else 'did not run'}: no outcome"
        )
    value = "?" if gate.left_value is None else f"{gate.left_value:.4f}"
    bound = "?" if gate.right_value is None else f"{gate.right_value:g}"
    return Criterion(
        3,
        text,
        True,
        f"{gate.step}: `{gate.json_path}` of {gate.property_file} {gate.symbol} {gate.right}: "
        f"{value} {gate.symbol} {bound} -> outcome {gate.outcome}",
    )


def _register_only_if_met(evidence: Evidence) -> Criterion:
    guarded = evidence.expected.guarded_steps
    shown = " and ".join(f"`{name}`" for name in guarded) or "The guarded steps"
    text = f"{shown} {'runs' if len(guarded) == 1 else 'run'} only if the threshold is met"
    gate = evidence.gate
    records = [(name, evidence.step(name)) for name in guarded]
    ran = [(name, step) for name, step in records if step is not None]
    if gate is None or gate.outcome is None:
        return Criterion(4, text, None if not ran else False, "the gate has no outcome")
    if not evidence.definition_read:
        # The guarded steps are the executed definition's IfSteps: unknown without it.
        return Criterion(4, text, None, "the executed definition could not be read")
    outcome = gate.outcome == "True"
    expected = gate.expected_outcome
    if expected is not None and expected != outcome:
        return Criterion(
            4, text, False, f"the gate gave {gate.outcome} but the values say {expected}"
        )
    if outcome and len(ran) < len(guarded):
        missed = [name for name, step in records if step is None]
        return Criterion(4, text, False, f"threshold met but {_names(tuple(missed))} did not run")
    if not outcome and ran:
        names = tuple(name for name, _ in ran)
        return Criterion(4, text, False, f"threshold not met but {_names(names)} ran")
    if outcome:
        done = ", ".join(f"{name} {step.status}" for name, step in ran)
        return Criterion(4, text, True, f"threshold met (outcome True) and {done or 'no step'}")
    return Criterion(
        4,
        text,
        True,
        f"threshold not met (outcome False) and {_names(guarded)} did not run",
    )


def _recorded(evidence: Evidence) -> Criterion:
    text = "Complete evidence recorded in `docs/iterations/ITER-20260220-02.md`"
    missing = [str(i.number) for i in evidence.items if i.status == MISSING]
    pending = [str(i.number) for i in evidence.items if i.status in (NEEDS_AWS, RECORDED_LOCALLY)]
    where = f"`{evidence.output}`" if evidence.output else "standard output (no -o)"
    if missing:
        return Criterion(5, text, False, f"written to {where}; items {', '.join(missing)} missing")
    if evidence.output is None:
        return Criterion(5, text, False, "printed, not written: pass -o docs/iterations/...")
    if pending:
        return Criterion(
            5,
            text,
            None,
            f"written to {where}; items {', '.join(pending)} still need AWS (see each item)",
        )
    return Criterion(5, text, True, f"written to {where}")
