"""The evidence report's graph of the executed definition (``execution_graph``): the exact
Mermaid text, each step coloured by its status, deploy variables resolved as the definition
had them, and each reason there is no graph, word for word (long ones cut at 240 characters)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import compiler.importer
from compiler.errors import UsageError
from compiler.importer import ImportResult
from pipeline.backends.interface import StepRecord
from pipeline.evidence.graph import execution_graph


def definition(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2020-12-01",
        "Metadata": {},
        "Parameters": [{"Name": "Stage", "Type": "String", "DefaultValue": "dev"}],
        "Steps": list(steps),
    }


def fail(name: str) -> dict[str, Any]:
    return {"Name": name, "Type": "Fail", "Arguments": {"ErrorMessage": "stop"}}


# A literal "${...}" in the definition: the import writes it "$${...}" and only the deploy
# variables' substitution turns it back, as the definition that ran had it.
GATE = {
    "Name": "Gate",
    "Type": "Condition",
    "Arguments": {
        "Conditions": [
            {"Type": "Equals", "LeftValue": {"Get": "Parameters.Stage"}, "RightValue": "${dev}"}
        ],
        "IfSteps": [fail("Ship")],
        "ElseSteps": [fail("Stop")],
    },
}


def test_each_step_is_coloured_by_its_status_and_a_step_not_run_is_dashed() -> None:
    steps = [
        StepRecord("Gate", "Condition", "Succeeded", metadata={"Outcome": "True"}),
        StepRecord("Ship", "Fail", "Failed"),
    ]
    assert execution_graph(definition(GATE), steps) == (
        "flowchart TD\n"
        "  Gate{\"Gate<br/>Stage == '${dev}'\"}\n"
        "  Ship[[Ship<br/>fail]]\n"
        "  Stop[[Stop<br/>fail]]\n"
        "  Gate -- yes --> Ship\n"
        "  Gate -- no --> Stop\n"
        "  classDef Succeeded fill:#d4edda,stroke:#28a745,color:#155724\n"
        "  class Gate Succeeded\n"
        "  classDef Failed fill:#f8d7da,stroke:#dc3545,color:#721c24\n"
        "  class Ship Failed\n"
        "  classDef NotRun fill:#ffffff,stroke:#adb5bd,color:#6c757d,stroke-dasharray:4 3\n"
        "  class Stop NotRun\n",
        None,
    )


def test_without_a_definition_there_is_no_graph() -> None:
    steps = [StepRecord("A", "Fail", "Failed")]
    assert execution_graph(None, steps) == (None, "the executed definition could not be read")


IMPORT_FAILED = "the executed definition does not import to a spec ("
TWICE = "executed definition: cannot import: 1 problem: $.Steps[1].Name: step "


def defined_twice(name: str) -> tuple[str | None, str | None]:
    return execution_graph(definition(fail(name), fail(name)), [])


def test_a_definition_that_does_not_import_says_why_whole_up_to_240_characters() -> None:
    said = TWICE + '"' + "X" * 130 + '" is defined twice (first at $.Steps[0])'
    assert len(said) == 240
    assert defined_twice("X" * 130) == (None, IMPORT_FAILED + said + ")")
    said = TWICE + '"' + "X" * 131 + '" is defined twice (first at $.Steps[0])'
    assert defined_twice("X" * 131) == (None, IMPORT_FAILED + said[:237] + "...)")
    assert defined_twice("X" * 400) == (None, IMPORT_FAILED + (TWICE + '"' + "X" * 167) + "...)")
    # the importer's message is on several lines: shown on one
    weird = execution_graph(definition({"Name": "A", "Type": "Weird"}), [])[1]
    assert weird == (
        IMPORT_FAILED + "executed definition: cannot import: 1 problem: $.Steps[0].Type: step "
        '"A" has unknown step type "Weird" (SageMaker\'s are AutoML, Callback, ClarifyCheck, '
        "Cleanup, Condition, EMR, EMRServerless, Endpoint, EndpointConfig, Fail, ForEach, Infe...)"
    )


def test_an_import_error_without_a_message_is_named_by_its_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> ImportResult:
        raise UsageError(" \n ")

    monkeypatch.setattr(compiler.importer, "import_definition", refuse)
    assert execution_graph(definition(fail("A")), []) == (None, IMPORT_FAILED + "UsageError)")


def test_an_imported_spec_the_checker_refuses_is_named_by_its_first_three_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert execution_graph(definition(), []) == (
        None,
        'the executed definition does not import to a valid spec: "steps" of the spec must '
        "be a list, got None",
    )
    refused = (
        "version: 1\n"
        "pipeline: {name: p, role: r, artifacts: 's3://b/x', code_bundle: B}\n"
        "parameters:\n"
        "  B: {type: String, default: 's3://b/c.tar.gz'}\n"
        "steps:\n"
        "  - {name: A, type: fail, one: 1}\n"
        "  - {name: C, type: fail, two: 2}\n"
        "  - {name: D, type: fail, three: 3}\n"
        "  - {name: E, type: fail, four: 4}\n"
    )

    def imported(*args: Any, **kwargs: Any) -> ImportResult:
        return ImportResult(refused, {}, [], [])

    monkeypatch.setattr(compiler.importer, "import_definition", imported)
    known = '(known: "depends_on", "description", "display_name", "error_message", "name", "type")'
    assert execution_graph(definition(fail("A")), []) == (
        None,
        "the executed definition does not import to a valid spec: "
        f'unknown key "one" in step "A" {known}; '
        f'unknown key "two" in step "C" {known}; '
        f'unknown key "three" in step "D" {known}',
    )


def test_the_spec_path_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import is drawn as if at spec/executed.yaml; no file there is needed or read."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "executed.yaml").write_text("not: [a spec\n")
    graph, why = execution_graph(definition(fail("A")), [StepRecord("A", "Fail", "Failed")])
    assert why is None and graph is not None and graph.startswith("flowchart TD\n  A[[A<br/>fail]]")
