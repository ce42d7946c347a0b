"""``smpipe graph``: the exact Mermaid text for the Titanic spec and for the other shapes
a spec can take (depends_on, both branches filled, a fail step, awkward names)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.compile import check_spec_file
from compiler.graph import render_graph
from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TITANIC = ROOT / "spec" / "titanic-modelbuild.yaml"

TITANIC_GRAPH = """\
flowchart TD
  DataPreProcessing[DataPreProcessing<br/>processing]
  TrainModel[TrainModel<br/>training]
  ModelEvaluation[ModelEvaluation<br/>processing]
  QualityGateAccuracy{QualityGateAccuracy<br/>metrics.accuracy >= AccuracyThreshold}
  RegisterModel[RegisterModel<br/>register<br/>PendingManualApproval]
  QualityGateAccuracy_no([no registration])
  DataPreProcessing -- train, validation --> TrainModel
  TrainModel -- model --> ModelEvaluation
  DataPreProcessing -- validation --> ModelEvaluation
  ModelEvaluation -- EvaluationReport --> QualityGateAccuracy
  QualityGateAccuracy -- yes --> RegisterModel
  QualityGateAccuracy -- no --> QualityGateAccuracy_no
  TrainModel -- model --> RegisterModel
  ModelEvaluation -- evaluation --> RegisterModel
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def copy_titanic(tmp_path: Path, *replacements: tuple[str, str], extra: str = "") -> Path:
    text = TITANIC.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text + extra)
    return spec


def graph_of(spec: Path, parameters: bool = False) -> str:
    result = check_spec_file(spec)
    assert result.ok, result.diagnostics
    assert result.spec is not None
    return render_graph(result.spec, parameters=parameters)


def test_titanic_graph_is_exactly_the_seeds_picture() -> None:
    code, out, err = invoke("graph", str(TITANIC))
    assert (code, err) == (0, "")
    assert out == TITANIC_GRAPH


def test_graph_needs_no_env_and_gives_the_same_text_with_one() -> None:
    assert invoke("graph", str(TITANIC), "--env", "dev")[1] == TITANIC_GRAPH


def test_markdown_fence_wraps_the_same_chart() -> None:
    out = invoke("graph", str(TITANIC), "--markdown")[1]
    assert out == f"```mermaid\n{TITANIC_GRAPH}```\n"


def test_parameters_subgraph_and_the_steps_that_read_them() -> None:
    out = invoke("graph", str(TITANIC), "--parameters")[1]
    lines = out.splitlines()
    assert lines[1:7] == [
        "  subgraph Parameters",
        "    param_CodeBundleUri[/CodeBundleUri<br/>String/]",
        "    param_InputTrainUri[/InputTrainUri<br/>String/]",
        "    param_InputValidationUri[/InputValidationUri<br/>String/]",
        "    param_AccuracyThreshold[/AccuracyThreshold<br/>Float = 0.78/]",
        "  end",
    ]
    # ModelEvaluation reads the code bundle through its code input, not an argument.
    assert "  param_CodeBundleUri -.-o ModelEvaluation" in lines
    assert "  param_AccuracyThreshold -.-o QualityGateAccuracy" in lines
    assert "  param_InputTrainUri -.-o TrainModel" not in lines


def test_depends_on_else_branch_and_fail_step(tmp_path: Path) -> None:
    spec = copy_titanic(
        tmp_path,
        ("else_steps: []", "else_steps: [AccuracyTooLow]"),
        ("  - name: TrainModel\n", "  - name: TrainModel\n    depends_on: [Announce]\n"),
        extra="""
  - name: AccuracyTooLow
    type: fail
    error_message: accuracy below the threshold

  - name: Announce
    type: processing
    image: sklearn
    script: announce.py
""",
    )
    lines = graph_of(spec).splitlines()
    assert "  AccuracyTooLow[[AccuracyTooLow<br/>fail]]" in lines
    assert "  Announce[Announce<br/>processing]" in lines
    assert "  Announce -.-> TrainModel" in lines
    assert "  QualityGateAccuracy -- no --> AccuracyTooLow" in lines
    assert not any("QualityGateAccuracy_no" in line for line in lines)


def test_empty_if_branch_ends_at_a_terminal(tmp_path: Path) -> None:
    spec = copy_titanic(
        tmp_path,
        ("if_steps: [RegisterModel]", "if_steps: []"),
        ("else_steps: []", "else_steps: [RegisterModel]"),
    )
    lines = graph_of(spec).splitlines()
    assert "  QualityGateAccuracy_yes([end])" in lines
    assert "  QualityGateAccuracy -- yes --> QualityGateAccuracy_yes" in lines
    assert "  QualityGateAccuracy -- no --> RegisterModel" in lines


def test_operators_and_literal_thresholds_read_as_symbols(tmp_path: Path) -> None:
    spec = copy_titanic(
        tmp_path,
        ("operator: GreaterThanOrEqualTo", "operator: LessThan"),
        ("right: {param: AccuracyThreshold}", "right: 0.5"),
    )
    # "<" would open an HTML tag in Mermaid's label: the label is quoted, with an entity.
    assert (
        '  QualityGateAccuracy{"QualityGateAccuracy<br/>metrics.accuracy #lt; 0.5"}'
        in graph_of(spec).splitlines()
    )


def test_a_step_named_like_a_mermaid_keyword_gets_a_safe_id(tmp_path: Path) -> None:
    spec = copy_titanic(tmp_path, ("DataPreProcessing", "end"))
    lines = graph_of(spec).splitlines()
    assert "  end_[end<br/>processing]" in lines
    assert "  end_ -- train, validation --> TrainModel" in lines


def test_spec_with_problems_prints_diagnostics_and_exits_1(tmp_path: Path) -> None:
    spec = copy_titanic(tmp_path, ("property_file: EvaluationReport", "property_file: EvalReport"))
    code, out, err = invoke("graph", str(spec))
    assert code == 1
    assert out == ""
    first, source, caret, summary = err.splitlines()
    assert first.startswith(f"{spec}:120:28: ")
    assert first.endswith("[property-file-unknown]")
    assert (source.strip(), caret.strip(), summary) == (
        "property_file: EvalReport",
        "^",
        "1 problem found",
    )


@pytest.mark.parametrize("parameters", [False, True])
def test_graph_is_deterministic(parameters: bool) -> None:
    first = graph_of(TITANIC, parameters)
    assert all(graph_of(TITANIC, parameters) == first for _ in range(3))


def test_an_execution_colours_each_step_by_its_status(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.commands import graph as graph_command

    asked: list[tuple[str, str]] = []

    def statuses(execution: str, backend: str, state_dir: Path | None) -> dict[str, str]:
        asked.append((execution, backend))
        return {
            "DataPreProcessing": "Succeeded",
            "TrainModel": "Succeeded",
            "ModelEvaluation": "Failed",
            "QualityGateAccuracy": "Stopped",
        }

    monkeypatch.setattr(graph_command, "execution_statuses", statuses)
    code, out, err = invoke("graph", str(TITANIC), "--execution", "latest")
    assert (code, err, asked) == (0, "", [("latest", "local")])
    assert out == TITANIC_GRAPH + (
        "  classDef Succeeded fill:#d4edda,stroke:#28a745,color:#155724\n"
        "  class DataPreProcessing,TrainModel Succeeded\n"
        "  classDef Failed fill:#f8d7da,stroke:#dc3545,color:#721c24\n"
        "  class ModelEvaluation Failed\n"
        "  classDef Stopped fill:#e2e3e5,stroke:#6c757d,color:#383d41\n"
        "  class QualityGateAccuracy Stopped\n"
        "  classDef NotRun fill:#ffffff,stroke:#adb5bd,color:#6c757d,stroke-dasharray:4 3\n"
        "  class RegisterModel NotRun\n"
    )


def test_without_an_execution_the_graph_has_no_status_classes() -> None:
    spec = check_spec_file(TITANIC).spec
    assert spec is not None
    assert "classDef" not in render_graph(spec)
    executing = render_graph(spec, statuses={"DataPreProcessing": "Executing", "X": "Odd"})
    assert "  class DataPreProcessing Executing\n" in executing
    assert (
        "  class TrainModel,ModelEvaluation,QualityGateAccuracy,RegisterModel NotRun\n" in executing
    )


def test_lambda_and_callback_steps_show_their_function_and_queue() -> None:
    result = check_spec_file(ROOT / "spec" / "examples" / "titanic-approval.yaml", env="dev")
    assert result.spec is not None
    text = render_graph(result.spec)
    assert (
        "  WaitForApproval>WaitForApproval<br/>callback<br/>waits on titanic-model-approval]\n"
        in text
    )
    assert (
        "  ApplyApprovalDecision[ApplyApprovalDecision<br/>lambda<br/>titanic-apply-approval]\n"
        in text
    )
    assert "  WaitForApproval -- decision, reviewer --> ApplyApprovalDecision\n" in text
    assert "  ApplyApprovalDecision -- approval_status --> ApprovalOutcome\n" in text
    assert "  RegisterModel -- model_package_arn --> WaitForApproval\n" in text
