"""``collect_evidence`` in process, on executions built by hand (no engine, no AWS): every fact
it reads, item and criterion word for word, for the Titanic spec, another spec
(tests/fixtures/survival-f1) and small definitions that reach each branch. The full facts of
each case are compared with tests/golden/evidence/facts/<case>.json (rewrite them with
``--update-goldens`` and review the diff)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from compiler.compile import compile_spec_file
from compiler.emit.processing import CODE_DIR
from pipeline.backends.interface import ExecutionSummary, ModelPackage, StepRecord
from pipeline.evidence.expected import expected_from
from pipeline.evidence.report import (
    Evidence,
    SpecComparison,
    _metrics,
    _number,
    bundle_version,
    collect_evidence,
    pipeline_arn_of,
    required_texts,
)
from pipeline.evidence.sources import ObjectProof
from pipeline.evidence.terraform_plan import summarise_plan

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "evidence" / "facts"
T0 = datetime(2026, 2, 20, 10, 0, tzinfo=timezone.utc)
PIPELINE = "arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p"
ARN = f"{PIPELINE}/execution/e1"
SHA = "0123456789abcdef0123456789abcdef01234567"
BUNDLE = f"s3://b/pipeline/code/{SHA}-dirty/pipeline_code.tar.gz"


@dataclass
class Run:
    """One execution as a backend and an evidence source give it; a case sets what it needs."""

    definition: dict[str, Any] | None
    parameters: dict[str, str] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    reports: list[tuple[str, str, Any]] = field(default_factory=list)
    packages: dict[str, ModelPackage] = field(default_factory=dict)
    proof: ObjectProof | None = None
    status: str = "Succeeded"
    name: str = "local"
    asked: list[str] = field(default_factory=list)  # what was asked, in order

    @property
    def backend(self) -> Any:
        run = self

        class Backend:
            name = run.name

            def describe_execution(self, arn: str) -> ExecutionSummary:
                run.asked.append(f"describe_execution {arn}")
                return ExecutionSummary(arn, "p", run.status, T0, T0)

            def parameters(self, arn: str) -> dict[str, str]:
                run.asked.append(f"parameters {arn}")
                return dict(run.parameters)

            def list_steps(self, arn: str) -> list[StepRecord]:
                run.asked.append(f"list_steps {arn}")
                return list(run.steps)

            def describe_model_package(self, arn: str) -> ModelPackage:
                run.asked.append(f"describe_model_package {arn}")
                return run.packages[arn]

        return Backend()

    def object_proof(self, uri: str) -> ObjectProof | None:
        self.asked.append(f"object_proof {uri}")
        return self.proof

    def executed_definition(self, arn: str) -> dict[str, Any] | None:
        self.asked.append(f"executed_definition {arn}")
        return self.definition

    def property_reports(self, arn: str) -> list[tuple[str, str, Any]]:
        self.asked.append(f"property_reports {arn}")
        return list(self.reports)

    def show_path(self, path: str) -> str:
        return f"<state>/{path}"


class LabelledRun(Run):
    state_label = "<state dir>"


def facts(evidence: Evidence) -> dict[str, Any]:
    """Everything collect_evidence decides (the expected part has its own tests)."""
    found = asdict(evidence)
    del found["expected"], found["graph"]
    found["has_graph"] = evidence.graph is not None
    found["bundle_parameter"] = evidence.bundle_parameter
    return json.loads(json.dumps(found, default=str))


def check_golden(name: str, evidence: Evidence, update: bool) -> None:
    text = json.dumps(facts(evidence), indent=1, ensure_ascii=False) + "\n"
    golden = GOLDEN / f"{name}.json"
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


# ---- definitions ----
@pytest.fixture(scope="module")
def titanic() -> dict[str, Any]:
    return compile_spec_file(ROOT / "spec" / "titanic-modelbuild.yaml", env="dev").definition


@pytest.fixture(scope="module")
def survival() -> dict[str, Any]:
    spec = ROOT / "tests" / "fixtures" / "survival-f1" / "spec.yaml"
    return compile_spec_file(spec, env="test", variables={"git_sha": SHA}).definition


def step(name: str, kind: str, status: str = "Succeeded", **metadata: str) -> StepRecord:
    return StepRecord(name, kind, status, T0, T0, metadata=dict(metadata))


def package(arn: str, status: str, version: int = 1, **extra: Any) -> ModelPackage:
    return ModelPackage(arn, "group-of-" + arn.rsplit("/", 1)[-1], version, status, T0, **extra)


def survival_run(survival: dict[str, Any], **changes: Any) -> Run:
    defaults = {p["Name"]: str(p["DefaultValue"]) for p in survival["Parameters"]}
    run = Run(
        survival,
        parameters=defaults,
        steps=[
            step("Prepare", "Processing", LogFile="logs/prepare.log"),
            step("Fit", "Training", LogGroup="/aws/sagemaker/TrainingJobs"),
            step(
                "Score",
                "Processing",
                LogGroup="/aws/sagemaker/ProcessingJobs",
                LogStreamPrefix="score/",
            ),
            step("F1Gate", "Condition", Outcome="True"),
            step("Publish", "RegisterModel", ModelPackageArn="arn:pkg/7"),
        ],
        reports=[("Score", "evaluation.json", {"metrics": {"f1": 0.61, "auc": 1, "ok": True}})],
        packages={"arn:pkg/7": package("arn:pkg/7", "Approved", 7)},
        proof=ObjectProof(defaults["StepCode"], True, "local object store", size=120),
    )
    for key, value in changes.items():
        setattr(run, key, value)
    return run


# ---- the cases compared with goldens ----
def case_survival_met(survival: dict[str, Any], titanic: dict[str, Any]) -> Evidence:
    plan = summarise_plan("Plan: 1 to add, 0 to change, 0 to destroy.\n", "plan.txt")
    run = survival_run(survival)
    spec = SpecComparison("spec/spec.yaml", "test", {"git_sha": SHA}, None, "eu-west-1")
    return collect_evidence(  # type: ignore[arg-type]
        run, ARN, plan=plan, spec=spec, compiled_definition=survival, output="out.md"
    )


def case_survival_not_met(survival: dict[str, Any], titanic: dict[str, Any]) -> Evidence:
    run = survival_run(survival, status="Failed", name="sagemaker")
    run.parameters["MinF1"] = "0.99"
    run.steps = [*run.steps[:3], step("F1Gate", "Condition", Outcome="False")]
    run.steps.append(step("TooWeak", "Fail", "Failed"))
    run.packages = {}
    return collect_evidence(run, ARN, output="out.md")  # type: ignore[arg-type]


def case_survival_sagemaker_recorded(survival: dict[str, Any], titanic: dict[str, Any]) -> Evidence:
    """Everything recorded: the plan, the proof, a package in the asked status."""
    run = survival_run(survival, name="sagemaker")
    plan = summarise_plan("No changes.\n", "plan.txt")
    return collect_evidence(run, ARN, plan=plan, output="docs/x.md")  # type: ignore[arg-type]


def case_titanic_without_records(survival: dict[str, Any], titanic: dict[str, Any]) -> Evidence:
    """The definition ran, nothing else is known: no step, no report, no parameter."""
    run = LabelledRun(copy.deepcopy(titanic), status="Executing")
    return collect_evidence(run, ARN)  # type: ignore[arg-type]


def case_no_definition(survival: dict[str, Any], titanic: dict[str, Any]) -> Evidence:
    """Without a definition only the records tell the steps; a Condition record is the gate."""
    run = Run(
        None,
        parameters={"B": "1", "A": "2"},
        steps=[step("Check", "Condition", "Succeeded", Outcome="True"), step("Job", "Training")],
        reports=[("Eval", "e.json", {"metrics": {"acc": 0.9}})],
    )
    return collect_evidence(run, ARN)  # type: ignore[arg-type]


def case_changed_definition(survival: dict[str, Any], titanic: dict[str, Any]) -> Evidence:
    """The spec compiles to a gate on metrics.f1 today, the execution's reads metrics.auc."""
    executed = copy.deepcopy(survival)
    gate = next(s for s in executed["Steps"] if s["Type"] == "Condition")
    gate["Arguments"]["Conditions"][0]["LeftValue"]["Std:JsonGet"]["Path"] = "metrics.auc"
    executed["Parameters"] = [p for p in executed["Parameters"] if p["Name"] != "HoldoutCsv"]
    run = survival_run(executed)
    run.parameters["HoldoutCsv"] = "s3://x/raw/holdout.csv"  # given, not declared
    spec = SpecComparison("spec/spec.yaml", None, {}, True, None)
    return collect_evidence(run, ARN, spec=spec, compiled_definition=survival)  # type: ignore[arg-type]


CASES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Evidence]] = {
    "survival-met": case_survival_met,
    "survival-not-met": case_survival_not_met,
    "survival-sagemaker-recorded": case_survival_sagemaker_recorded,
    "titanic-without-records": case_titanic_without_records,
    "no-definition": case_no_definition,
    "changed-definition": case_changed_definition,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_facts(
    survival: dict[str, Any], titanic: dict[str, Any], update_goldens: bool, case: str
) -> None:
    check_golden(case, CASES[case](survival, titanic), update_goldens)


def test_what_is_read_and_for_which_execution(survival: dict[str, Any]) -> None:
    run = survival_run(survival)
    collect_evidence(run, ARN)  # type: ignore[arg-type]
    assert run.asked == [
        f"describe_execution {ARN}",
        f"parameters {ARN}",
        f"list_steps {ARN}",
        f"executed_definition {ARN}",
        f"property_reports {ARN}",
        "describe_model_package arn:pkg/7",
        f"object_proof {run.parameters['StepCode']}",
    ]


# ---- small definitions, one branch each ----
def minimal(*steps: dict[str, Any], parameters: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "Version": "2020-12-01",
        "Metadata": {},
        "Parameters": [{"Name": name, "Type": "String"} for name in parameters],
        "Steps": list(steps),
    }


def json_get(step_name: str, path: str, file: str = "Report") -> dict[str, Any]:
    reference = {"Get": f"Steps.{step_name}.PropertyFiles.{file}"}
    return {"Std:JsonGet": {"PropertyFile": reference, "Path": path}}


def condition(
    name: str,
    *conditions: Any,
    if_steps: tuple[str, ...] = (),
    else_steps: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "Condition",
        "Arguments": {
            "Conditions": list(conditions),
            "IfSteps": [{"Name": n, "Type": "Fail"} for n in if_steps],
            "ElseSteps": [{"Name": n, "Type": "Fail"} for n in else_steps],
        },
    }


def compare(left: Any, right: Any, kind: str = "GreaterThanOrEqualTo") -> dict[str, Any]:
    return {"Type": kind, "LeftValue": left, "RightValue": right}


def register(name: str, group: Any = "models", approval: Any = None) -> dict[str, Any]:
    arguments: dict[str, Any] = {"ModelPackageGroupName": group}
    if approval is not None:
        arguments["ModelApprovalStatus"] = approval
    return {"Name": name, "Type": "RegisterModel", "Arguments": arguments}


def collect(run: Run, **options: Any) -> Evidence:
    found = collect_evidence(run, ARN, **options)  # type: ignore[arg-type]
    assert [(i.number, type(i.text)) for i in found.items] == [(n, str) for n in range(1, 7)]
    assert [(c.number, type(c.text)) for c in found.criteria] == [(n, str) for n in range(1, 6)]
    return found


def test_pipeline_arn_of_an_execution() -> None:
    assert pipeline_arn_of(ARN) == PIPELINE
    assert pipeline_arn_of(f"{PIPELINE}/execution/e1/execution/e2") == PIPELINE
    assert pipeline_arn_of(PIPELINE) == PIPELINE


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (BUNDLE, (f"{SHA}-dirty", SHA)),
        (f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz", (SHA, SHA)),
        (f"s3://b/x/pipeline/code/{SHA}-a-b/f", (f"{SHA}-a-b", SHA)),
        (f"s3://b/pipeline/code/v1-{SHA}/f", (f"v1-{SHA}", None)),
        (f"s3://b/pipeline/code/{SHA.upper()}/f", (SHA.upper(), None)),
        (f"s3://b/pipeline/code/{SHA}0/f", (f"{SHA}0", None)),
        (f"s3://b/pipeline/code/{SHA[1:]}/f", (SHA[1:], None)),
        ("s3://b/pipeline/code/v2", (None, None)),
        ("s3://b/code/v2/f", (None, None)),
    ],
)
def test_bundle_version_and_commit(uri: str, expected: tuple[str | None, str | None]) -> None:
    assert bundle_version(uri) == expected


def test_numbers_read_from_reports_and_values() -> None:
    assert [_number(v) for v in ("0.5", 3, 2.5, True, False, None, "abc", [1], {})] == [
        0.5,
        3.0,
        2.5,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert type(_number(3)) is float


def test_metrics_from_the_first_report_with_numbers_else_a_package() -> None:
    reports: list[tuple[str, str, Any]] = [
        ("A", "a.json", ["not", "a", "mapping"]),
        ("B", "b.json", {"other": {"x": 1}}),
        ("C", "c.json", {"metrics": [1, 2]}),
        ("D", "d.json", {"metrics": {"flag": True, "name": "x"}}),
        ("E", "e.json", {"metrics": {"acc": 1, 7: 0.5, "ok": False}}),
        ("F", "f.json", {"metrics": {"acc": 0.1}}),
    ]
    numbers, source = _metrics(reports, [])
    assert (numbers, source) == ({"acc": 1.0, "7": 0.5}, "E e.json")
    assert [type(v) for v in numbers.values()] == [float, float]
    assert _metrics(reports, [], "other") == ({"x": 1.0}, "B b.json")
    empty = package("arn:p/1", "Approved")
    scored = package("arn:p/2", "Approved", metrics={"auc": 0.9})
    found, source = _metrics(reports[:4], [empty, scored])
    assert (found, source) == ({"auc": 0.9}, "model package arn:p/2")
    assert found is not scored.metrics
    assert _metrics(reports[:4], [empty]) == ({}, None)
    assert _metrics([], []) == ({}, None)


def test_the_metrics_section_is_the_gate_path_first_part() -> None:
    reports: list[tuple[str, str, Any]] = [
        ("Eval", "e.json", {"metrics": {"acc": 0.1}, "scores": {"f1": 0.4}})
    ]
    gate = condition("Gate", compare(json_get("Eval", "scores[0].f1"), 0.5))
    found = collect(Run(minimal(gate), reports=reports))
    assert (found.metrics, found.metrics_source) == ({"f1": 0.4}, "Eval e.json")
    gate = condition("Gate", compare(json_get("Eval", "scores.f1"), 0.5))
    found = collect(Run(minimal(gate), reports=reports))
    assert (found.metrics, found.gate and found.gate.left_value) == ({"f1": 0.4}, 0.4)
    found = collect(Run(minimal(condition("Gate", compare(1, 2))), reports=reports))
    assert found.metrics == {"acc": 0.1}
    reports = [("Eval", "e.json", {"scores": {"f1": 0.4}, "scores[0]": {"f1": 0.2}})]
    gate = condition("Gate", compare(json_get("Eval", "scores[0][1].f1"), 0.5))
    assert collect(Run(minimal(gate), reports=reports)).metrics == {"f1": 0.4}
    reports = [("Eval", "e.json", {"scores": {"f1": 0.4}, "scores.all": {"f1": 0.2}})]
    gate = condition("Gate", compare(json_get("Eval", "scores.all.f1"), 0.5))
    assert collect(Run(minimal(gate), reports=reports)).metrics == {"f1": 0.4}


def test_log_locations() -> None:
    steps = [
        step("Both", "Training", LogGroup="/g", LogStreamPrefix="job/", LogFile="b.log"),
        step("File", "Processing", LogFile="f.log"),
        step("GroupOnly", "Training", LogGroup="/g2"),
        step("EmptyGroup", "Training", LogGroup="", LogFile="e.log"),
        step("None", "Condition"),
    ]
    found = collect(Run(None, steps=steps))
    assert found.logs == {
        "Both": "CloudWatch `/g`, streams `job/*`",
        "File": "`<state>/f.log`",
        "GroupOnly": "CloudWatch `/g2`, streams `*`",
        "EmptyGroup": "`<state>/e.log`",
        "None": "",
    }
    assert found.items[5].detail == "4 steps with logs"


def test_package_group_from_a_package_else_the_register_step() -> None:
    steps = [step("R", "RegisterModel", ModelPackageArn="arn:p/2"), step("S", "RegisterModel")]
    run = Run(
        minimal(register("R", "declared")),
        steps=steps,
        packages={"arn:p/2": package("arn:p/2", "Approved")},
    )
    found = collect(run)
    assert found.package_group == "group-of-2" and [p.arn for p in found.packages] == ["arn:p/2"]
    assert collect(Run(minimal(register("R", "declared")))).package_group == "declared"
    by_parameter = register("R", {"Get": "Parameters.Group"})
    assert collect(Run(minimal(by_parameter, register("S", "second")))).package_group == "second"
    not_register = {"Name": "M", "Type": "Model", "Arguments": {"ModelPackageGroupName": "m"}}
    assert collect(Run(minimal(not_register, register("R", "r")))).package_group == "r"
    assert collect(Run(minimal(by_parameter))).package_group is None
    assert collect(Run(None)).package_group is None
    step_without_package = StepRecord("R", "RegisterModel", "Succeeded", metadata={"X": "1"})
    empty_arn = StepRecord("S", "RegisterModel", "Succeeded", metadata={"ModelPackageArn": ""})
    found = collect(Run(None, steps=[step_without_package, empty_arn]))
    assert found.packages == []


def test_the_gate_named_by_the_spec_among_several() -> None:
    first = condition("First", compare(json_get("A", "m.x"), 1))
    second = condition(
        "Second",
        compare({"Get": "Parameters.Mode"}, "on", "Equals"),
        "not a condition",
        compare(json_get("B", "m.y"), {"Get": "Parameters.Min"}, "LessThan"),
        if_steps=("Yes",),
        else_steps=("No", "Other"),
    )
    compiled = minimal(second, parameters=("Mode", "Min"))
    run = Run(
        minimal(first, second, parameters=("Mode", "Min")),
        parameters={"Mode": "on", "Min": "0.25"},
        steps=[
            step("First", "Condition", Outcome="False"),
            step("Second", "Condition", Outcome="True"),
        ],
        reports=[("A", "r.json", {"m": {"y": 0.5}}), ("B", "r.json", {"m": {"y": 0.125}})],
    )
    gate = collect(run, compiled_definition=compiled).gate
    assert gate is not None
    assert asdict(gate) == {
        "step": "Second",
        "comparison": "LessThan",
        "json_path": "m.y",
        "property_file": "Steps.B.PropertyFiles.Report",
        "right": "Parameters.Min",
        "if_steps": ("Yes",),
        "else_steps": ("No", "Other"),
        "outcome": "True",
        "left_value": 0.125,
        "right_value": 0.25,
    }
    assert (gate.symbol, gate.expected_outcome) == ("<", True)
    # the spec's condition index past the executed step's conditions: its first is read
    executed = condition("Second", compare(json_get("A", "m.y"), 0.75))
    gate = collect(replace_definition(run, minimal(executed)), compiled_definition=compiled).gate
    assert gate is not None
    assert (gate.json_path, gate.right, gate.right_value, gate.left_value) == (
        "m.y",
        "0.75",
        0.75,
        0.5,
    )


def replace_definition(run: Run, definition: dict[str, Any]) -> Run:
    return Run(definition, run.parameters, run.steps, run.reports, run.packages, run.proof)


def test_the_gate_from_records_alone_or_from_the_first_condition() -> None:
    # no definition: the first Condition record is the gate
    steps = [
        step("Job", "Training"),
        step("C1", "Condition", Outcome="False"),
        step("C2", "Condition"),
    ]
    gate = collect(Run(None, steps=steps)).gate
    assert gate is not None and (gate.step, gate.outcome, gate.comparison) == ("C1", "False", "?")
    assert (gate.json_path, gate.property_file, gate.right) == (None, None, "None")
    assert (gate.if_steps, gate.else_steps, gate.left_value, gate.right_value) == (
        (),
        (),
        None,
        None,
    )
    # a definition whose condition has no record: its name, no outcome
    gate = collect(Run(minimal(condition("G", compare(json_get("E", "a"), "x"))))).gate
    assert gate is not None and (gate.step, gate.outcome, gate.right_value) == ("G", None, None)
    assert collect(Run(minimal(), steps=[step("Job", "Training")])).gate is None
    # the spec's gate is not in what ran, another condition is: that one, by its own name
    compiled = minimal(condition("G", compare(json_get("E", "a"), 1)))
    executed = minimal(condition("H", compare(json_get("E", "a"), 1)))
    gate = collect(Run(executed), compiled_definition=compiled).gate
    assert gate is not None and gate.step == "H"
    # the compiled spec's gate is missing from what ran: no record, no condition
    compiled = minimal(condition("G", compare(json_get("E", "a"), 1)))
    found = collect(Run(minimal()), compiled_definition=compiled)
    assert found.gate is None
    assert (found.criteria[2].met, found.criteria[2].detail) == (
        False,
        "the execution has no condition step",
    )
    assert found.criteria[2].text == "Quality gate evaluated on `a`"


def test_the_left_value_is_read_from_the_property_file_step_report() -> None:
    def left(file: Any, path: Any, reports: list[tuple[str, str, Any]]) -> float | None:
        left_value = {"Std:JsonGet": {"PropertyFile": {"Get": file}, "Path": path}}
        gate = condition("G", compare(left_value, 1))
        found = collect(Run(minimal(gate), reports=reports)).gate
        assert found is not None
        return found.left_value

    reports: list[tuple[str, str, Any]] = [
        ("Other", "o.json", {"a": {"b": 1}}),
        ("Eval", "e.json", {"a": {"b": "n/a"}}),
        ("Eval", "e2.json", {"a": {"b": "0.5"}}),
    ]
    assert left("Steps.Eval.PropertyFiles.R", "a.b", reports) == 0.5
    assert left("Steps.Other.PropertyFiles.R", "a.b", reports) == 1.0
    assert left("Steps.Nope.PropertyFiles.R", "a.b", reports) is None
    assert left("Eval", "a.b", reports) == 1.0  # not a step reference: any report
    assert left("Steps.Eval.PropertyFiles.R", "a.b.c", reports) is None
    assert left("Steps.Eval.PropertyFiles.R", "a", reports) is None
    assert left("Steps.Eval.PropertyFiles.R", None, reports) is None
    assert left("Steps.Eval.PropertyFiles.R", "a.b", [("Eval", "e", ["a"])]) is None


@pytest.mark.parametrize(
    ("right", "parameters", "shown", "value"),
    [
        (0.7, {}, "0.7", 0.7),
        ("0.25", {}, "0.25", 0.25),
        ("high", {}, "high", None),
        (True, {}, "True", None),
        ({"Get": "Parameters.T"}, {"T": "0.5"}, "Parameters.T", 0.5),
        ({"Get": "Parameters.T"}, {}, "Parameters.T", None),
        (
            {"Get": "Steps.A.Properties.X"},
            {"X": "1", "A": "1"},
            "Steps.A.Properties.X",
            None,
        ),
        ({"Std:Join": {}}, {}, "{'Std:Join': {}}", None),
    ],
)
def test_the_gate_threshold(right: Any, parameters: dict[str, str], shown: str, value: Any) -> None:
    gate = collect(
        Run(minimal(condition("G", compare(json_get("E", "a"), right))), parameters)
    ).gate
    assert gate is not None and (gate.right, gate.right_value) == (shown, value)


def test_gate_criterion_details() -> None:
    gate = condition("G", compare(json_get("E", "m.a"), {"Get": "Parameters.T"}, "GreaterThan"))
    definition = minimal(gate, parameters=("T",))
    run = Run(definition, {"T": "0.00001"}, [step("G", "Condition", "Executing")])
    found = collect(run)
    assert (found.criteria[2].met, found.criteria[2].detail) == (False, "G Executing: no outcome")
    run.steps = [step("G", "Condition", Outcome="True")]
    found = collect(run)
    assert found.criteria[2].detail == (
        "G: `m.a` of Steps.E.PropertyFiles.Report > Parameters.T: ? > 1e-05 -> outcome True"
    )
    assert found.criteria[2].met is True
    run.parameters, run.reports = {}, [("E", "r", {"m": {"a": 0.123456}})]
    assert collect(run).criteria[2].detail.endswith(": 0.1235 > ? -> outcome True")
    unread = collect(run)
    unread = collect(Run(None, {"T": "1"}, run.steps), compiled_definition=definition)
    assert (unread.criteria[2].met, unread.criteria[2].detail) == (
        None,
        "the executed definition could not be read",
    )
    assert unread.criteria[2].text == "Quality gate evaluated on `m.a`"


def test_register_criterion_names_each_guarded_step() -> None:
    gate = condition("G", compare(json_get("E", "m.a"), 0.5), if_steps=("R1", "R2"))
    run = Run(minimal(gate, register("R1"), register("R2")))
    found = collect(run)
    assert found.criteria[3].text == "`R1` and `R2` run only if the threshold is met"
    assert (found.criteria[3].met, found.criteria[3].detail) == (None, "the gate has no outcome")
    run.steps = [step("R2", "RegisterModel")]
    found = collect(run)
    assert (found.criteria[3].met, found.criteria[3].detail) == (False, "the gate has no outcome")
    run.steps = [step("G", "Condition", Outcome="True"), step("R2", "RegisterModel", "Failed")]
    found = collect(run)
    assert (found.criteria[3].met, found.criteria[3].detail) == (
        False,
        "threshold met but R1 did not run",
    )
    run.steps.append(step("R1", "RegisterModel"))
    found = collect(run)
    assert (found.criteria[3].met, found.criteria[3].detail) == (
        True,
        "threshold met (outcome True) and R1 Succeeded, R2 Failed",
    )
    run.steps[0] = step("G", "Condition", Outcome="False")
    found = collect(run)
    assert (found.criteria[3].met, found.criteria[3].detail) == (
        False,
        "threshold not met but R1, R2 ran",
    )
    run.steps = run.steps[:1]
    found = collect(run)
    assert (found.criteria[3].met, found.criteria[3].detail) == (
        True,
        "threshold not met (outcome False) and R1, R2 did not run",
    )
    one = Run(minimal(condition("G", compare(1, 2), if_steps=("R",))))
    assert collect(one).criteria[3].text == "`R` runs only if the threshold is met"
    none = Run(
        minimal(condition("G", compare(1, 2))), steps=[step("G", "Condition", Outcome="False")]
    )
    found = collect(none)
    assert found.criteria[3].text == "The guarded steps run only if the threshold is met"
    assert found.criteria[3].detail == "threshold not met (outcome False) and no step did not run"


def test_a_gate_whose_values_contradict_its_outcome() -> None:
    gate = condition("G", compare(json_get("E", "m.a"), 0.5, "GreaterThan"))
    run = Run(
        minimal(gate),
        steps=[step("G", "Condition", Outcome="False")],
        reports=[("E", "r", {"m": {"a": 0.75}})],
    )
    criterion = collect(run).criteria[3]
    assert (criterion.met, criterion.detail) == (
        False,
        "the gate gave False but the values say True",
    )
    run.steps = [step("G", "Condition", Outcome="True")]
    assert collect(run).criteria[3].met is True


@pytest.mark.parametrize(
    ("count", "said"),
    [
        (1, "all one"),
        (2, "both"),
        (3, "all three"),
        (9, "all nine"),
        (10, "all 10"),
        (12, "all 12"),
    ],
)
def test_the_contract_counts_its_parameters(count: int, said: str) -> None:
    names = [f"P{i:02}" for i in range(count)]
    found = collect(Run(None, parameters={n: "x" for n in names}))
    assert found.criteria[0].text == f"Parameter contract applied ({', '.join(names)})"
    assert found.criteria[0].detail == f"the execution ran with {said} (see Parameters)"


def test_the_contract_names_each_missing_parameter_once() -> None:
    compiled = minimal(parameters=("A", "B", "C", "D"))
    executed = minimal(parameters=("A", "C"))
    found = collect(Run(executed, {"A": "1", "B": "2"}), compiled_definition=compiled)
    assert (found.criteria[0].met, found.criteria[0].detail) == (False, "missing: C, D, B")


def test_end_to_end_lists_every_problem() -> None:
    job = {"Name": "Job", "Type": "Processing", "Arguments": {"ProcessingInputs": [
        {"S3Input": {"S3Uri": {"Get": "Parameters.In"}}},
        {"S3Input": {"S3Uri": {"Get": "Parameters.Other"}}},
    ]}}  # fmt: skip
    late = ({"Name": "Late", "Type": "Fail"}, {"Name": "Later", "Type": "Fail"})
    run = Run(
        minimal(job, *late, parameters=("In", "Other")),
        {"In": "s3://b/raw/x.csv"},
        [step("Job", "Processing", "Stopped")],
        status="Stopped",
    )
    criterion = collect(run).criteria[1]
    assert (criterion.met, criterion.detail) == (
        False,
        "execution Stopped; Job Stopped; Late did not run; Later did not run; "
        "inputs not under curated/: s3://b/raw/x.csv, (missing)",
    )
    found = collect(run)
    assert found.items[3].detail == "1 of 3 ran: Stopped; not run: Late, Later"
    run.parameters = {"In": "s3://b/curated/x.csv", "Other": "s3://b/curated/y.csv"}
    run.steps = [step("Job", "Processing"), step("Late", "Fail"), step("Later", "Fail")]
    run.status = "Succeeded"
    criterion = collect(run).criteria[1]
    assert (criterion.met, criterion.detail) == (
        True,
        "execution Succeeded; Job, Late, Later Succeeded; inputs `s3://b/curated/x.csv` and "
        "`s3://b/curated/y.csv`",
    )


def test_package_item_in_the_status_the_execution_asked_for() -> None:
    gate = condition("G", compare(1, 2), if_steps=("R",))
    definition = minimal(
        gate, register("R", approval={"Get": "Parameters.Approval"}), parameters=("Approval",)
    )
    steps = [
        step("R", "RegisterModel", ModelPackageArn="arn:p/1"),
        step("R", "RegisterModel", ModelPackageArn="arn:p/2"),
    ]
    packages = {
        "arn:p/1": package("arn:p/1", "PendingManualApproval", 1),
        "arn:p/2": package("arn:p/2", "Approved", 2),
    }
    run = Run(definition, {"Approval": "Approved"}, steps, packages=packages, name="sagemaker")
    found = collect(run)
    assert (found.items[4].status, found.items[4].detail) == ("recorded", "version 2, Approved")
    assert found.items[4].text == (
        "`ModelPackageArn` registered and `ModelApprovalStatus=Approved`"
    )
    run.parameters = {"Approval": "Rejected"}
    found = collect(run)
    assert (found.items[4].status, found.items[4].detail) == (
        "recorded",
        "version 1, now PendingManualApproval",
    )
    expected = expected_from(definition)
    assert required_texts(expected)[4] == (
        "`ModelPackageArn` registered and `ModelApprovalStatus=Parameters.Approval`"
    )
    assert required_texts(expected, {})[4] == (
        "`ModelPackageArn` registered and `ModelApprovalStatus=Parameters.Approval`"
    )
    assert required_texts(expected, {"Approval": "Approved"})[4].endswith("=Approved`")


def test_no_package_when_the_gate_did_not_guard_the_register_step() -> None:
    gate = condition("G", compare(1, 2), if_steps=("Other",), else_steps=("R",))
    run = Run(minimal(gate, register("R")), steps=[step("G", "Condition", Outcome="False")])
    found = collect(run)
    assert (found.items[4].status, found.items[4].detail) == (
        "missing",
        "no model package: R did not register a package",
    )
    run.steps = [step("G", "Condition", Outcome="True")]
    gate = condition("G", compare(1, 2), if_steps=("R",))
    run.definition = minimal(gate, register("R"))
    assert collect(run).items[4].detail == "no model package: R did not register a package"


def test_bundle_items_by_proof() -> None:
    bundle = {"Name": "Job", "Type": "Processing", "Arguments": {"ProcessingInputs": [
        {"InputName": "code", "S3Input": {"S3Uri": {"Get": "Parameters.Code"}, "LocalPath": CODE_DIR}},
    ]}}  # fmt: skip
    definition = minimal(bundle, parameters=("Code",))
    run = Run(definition, {"Code": BUNDLE})
    assert expected_from(definition).bundle_parameter == "Code", "the fixture's bundle"
    proofs = [
        (None, ("needs AWS", "not checked")),
        (ObjectProof(BUNDLE, None, "S3"), ("needs AWS", "not checked")),
        (ObjectProof(BUNDLE, None, "S3", note="no credentials"), ("needs AWS", "no credentials")),
        (ObjectProof(BUNDLE, False, "S3"), ("missing", f"no object at {BUNDLE}")),
        (ObjectProof(BUNDLE, True, "S3", size=0), ("recorded locally; needs AWS", f"commit {SHA}; 0 bytes")),
    ]  # fmt: skip
    for proof, expected in proofs:
        run.proof = proof
        found = collect(run)
        assert (found.items[1].status, found.items[1].detail) == expected
    run.parameters = {"Code": ""}
    found = collect(run)
    assert (found.items[1].status, found.items[1].detail) == (
        "missing",
        "the execution has no Code parameter",
    )
    assert found.bundle == type(found.bundle)(None, None, None, None)
    assert found.items[1].text == "`Code` used (with commit SHA) and proof the object exists"


def test_recorded_criterion() -> None:
    run = Run(None, {"A": "1"}, [step("A", "Processing", LogFile="a.log")], name="sagemaker")
    plan = summarise_plan("No changes.\n", "plan.txt")
    found = collect(run, plan=plan, output="o.md")
    assert [i.status for i in found.items] == [
        "recorded",
        "missing",
        *["recorded"] * 2,
        "missing",
        "recorded",
    ]
    assert (found.criteria[4].met, found.criteria[4].detail) == (
        False,
        "written to `o.md`; items 2, 5 missing",
    )
    run.name = "local"
    found = collect(run, output="o.md")
    assert found.criteria[4].detail == "written to `o.md`; items 2, 5 missing"


def test_a_gate_with_a_literal_left_operand(survival: dict[str, Any]) -> None:
    """``left: 0.7`` compiles (``LeftValue: 0.7``): the report reads it, it does not crash."""
    executed = copy.deepcopy(survival)
    gate = next(s for s in executed["Steps"] if s["Type"] == "Condition")
    gate["Arguments"]["Conditions"][0]["LeftValue"] = 0.7
    found = collect(survival_run(executed))
    assert found.gate is not None
    assert (found.gate.json_path, found.gate.property_file, found.gate.left_value) == (
        None,
        None,
        None,
    )
    assert (found.gate.right, found.gate.right_value, found.gate.outcome) == (
        "Parameters.MinF1",
        0.5,
        "True",
    )
    assert [c.number for c in found.criteria] == [1, 2, 3, 4, 5]
    # Nothing is read from a report: criterion 3 says so instead of "evaluated on `None`".
    assert (found.criteria[2].text, found.criteria[2].met, found.criteria[2].detail) == (
        "Quality gate evaluated on a report's value",
        False,
        f"{gate['Name']} compares no property file value (no JsonGet on a left side)",
    )
    literal_file = {"Std:JsonGet": {"PropertyFile": "Scores", "Path": "metrics.f1"}}
    gate["Arguments"]["Conditions"][0]["LeftValue"] = literal_file
    found = collect(survival_run(executed))
    assert found.gate is not None and found.gate.property_file is None
    assert (found.gate.json_path, found.gate.left_value) == ("metrics.f1", 0.61)


def test_a_met_gate_that_guards_no_step(survival: dict[str, Any]) -> None:
    """A gate with empty IfSteps (it only routes failures to its else branch) meets
    criterion 4 when its threshold is met: there is nothing that should have run."""
    executed = copy.deepcopy(survival)
    gate = next(s for s in executed["Steps"] if s["Type"] == "Condition")
    gate["Arguments"]["IfSteps"] = []
    found = collect(survival_run(executed))
    criterion = found.criteria[3]
    assert (criterion.text, criterion.met, criterion.detail) == (
        "The guarded steps run only if the threshold is met",
        True,
        "threshold met (outcome True) and no step",
    )
