"""``smpipe diff``: each kind of change shown at its readable path, sides read from specs,
definitions and git revisions, exit 0 equal / 1 different / 2 unreadable."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.compile import compile_spec_file
from compiler.diff import diff_definitions
from compiler.diff_render import render_json, render_text
from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TITANIC = ROOT / "spec" / "titanic-modelbuild.yaml"
SKLEARN_IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:{}-cpu-py3"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def titanic_text(*replacements: tuple[str, str], extra: str = "") -> str:
    text = TITANIC.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text + extra


def write_spec(folder: Path, name: str, text: str) -> Path:
    (folder / "env").mkdir(parents=True, exist_ok=True)
    (folder / "env" / "dev.yaml").write_text((ROOT / "spec" / "env" / "dev.yaml").read_text())
    path = folder / name
    path.write_text(text)
    return path


def diff_lines(tmp_path: Path, *replacements: tuple[str, str], extra: str = "") -> list[str]:
    """The text diff of the Titanic spec against a changed copy (exit status 1 asserted)."""
    old = write_spec(tmp_path, "a.yaml", titanic_text())
    new = write_spec(tmp_path, "b.yaml", titanic_text(*replacements, extra=extra))
    code, out, err = invoke("diff", str(old), str(new), "--env", "dev")
    assert (code, err) == (1, ""), out
    return out.splitlines()


def test_identical_spec_and_its_definition_have_no_differences(tmp_path: Path) -> None:
    compiled = tmp_path / "titanic.json"
    compiled.write_text(compile_spec_file(TITANIC, "dev").text)
    code, out, _ = invoke("diff", str(TITANIC), str(compiled), "--env", "dev")
    assert code == 0
    assert out == f"no differences between `{TITANIC}` and `{compiled}`\n"


def test_changed_threshold_default(tmp_path: Path) -> None:
    lines = diff_lines(tmp_path, ("default: 0.78", "default: 0.8"))
    assert lines[2:] == [
        "Differences: 1 parameter (1 changed).",
        "",
        "### Parameters",
        "- `AccuracyThreshold` changed (Float)",
        "  - `DefaultValue`: `0.78` -> `0.8`",
    ]


def test_changed_image_version(tmp_path: Path) -> None:
    lines = diff_lines(tmp_path, ('version: "1.2-1"', 'version: "1.0-1"'))
    assert lines[4:] == [
        "### Steps",
        "- `DataPreProcessing` changed (Processing)",
        f"  - `AppSpecification.ImageUri`: `{SKLEARN_IMAGE.format('1.2-1')}` -> "
        f"`{SKLEARN_IMAGE.format('1.0-1')}`",
    ]


def test_changed_hyperparameter(tmp_path: Path) -> None:
    lines = diff_lines(tmp_path, ("max_depth: 5", "max_depth: 6"))
    assert lines[-2:] == [
        "- `TrainModel` changed (Training)",
        "  - `HyperParameters.max_depth`: `5` -> `6`",
    ]


def test_added_step_in_a_branch(tmp_path: Path) -> None:
    lines = diff_lines(
        tmp_path,
        ("else_steps: []", "else_steps: [AccuracyTooLow]"),
        extra="\n  - name: AccuracyTooLow\n    type: fail\n    error_message: too low\n",
    )
    assert lines[2] == "Differences: 2 steps (1 added, 1 changed)."
    assert lines[4:] == [
        "### Steps",
        "- `QualityGateAccuracy` changed (Condition)",
        "  - `ElseSteps[AccuracyTooLow]` added",
        "- `AccuracyTooLow` added: Fail in the else branch of QualityGateAccuracy",
    ]


def test_removed_output_is_matched_by_name(tmp_path: Path) -> None:
    report = "      - name: report\n        source: /opt/ml/processing/report\n"
    evaluation = "      - name: evaluation\n        source: /opt/ml/processing/evaluation\n"
    old = write_spec(tmp_path, "a.yaml", titanic_text((evaluation, report + evaluation)))
    new = write_spec(tmp_path, "b.yaml", titanic_text())
    code, out, _ = invoke("diff", str(old), str(new), "--env", "dev")
    assert code == 1
    assert out.splitlines()[-2:] == [
        "- `ModelEvaluation` changed (Processing)",
        "  - `ProcessingOutputConfig.Outputs[report]` removed",
    ]


def test_reordered_inputs_are_no_difference(tmp_path: Path) -> None:
    train = (
        "      - name: train\n        source: {param: InputTrainUri}\n"
        "        destination: /opt/ml/processing/input/train\n"
    )
    validation = (
        "      - name: validation\n        source: {param: InputValidationUri}\n"
        "        destination: /opt/ml/processing/input/validation\n"
    )
    swapped = write_spec(tmp_path, "b.yaml", titanic_text((train + validation, validation + train)))
    code, out, _ = invoke("diff", str(TITANIC), str(swapped), "--env", "dev")
    assert (code, out.startswith("no differences")) == (0, True)


def test_condition_operator_and_threshold(tmp_path: Path) -> None:
    lines = diff_lines(
        tmp_path,
        ("operator: GreaterThanOrEqualTo", "operator: GreaterThan"),
        ("right: {param: AccuracyThreshold}", "right: 0.8"),
    )
    assert lines[-3:] == [
        "- `QualityGateAccuracy` changed (Condition)",
        "  - `Conditions[0].RightValue`: `Get(Parameters.AccuracyThreshold)` -> `0.8`",
        "  - `Conditions[0].Type`: `GreaterThanOrEqualTo` -> `GreaterThan`",
    ]


def test_json_format_for_machines(tmp_path: Path) -> None:
    old = write_spec(tmp_path, "a.yaml", titanic_text())
    new = write_spec(tmp_path, "b.yaml", titanic_text(("max_depth: 5", "max_depth: 6")))
    code, out, _ = invoke("diff", str(old), str(new), "--env", "dev", "--format", "json")
    assert code == 1
    assert json.loads(out) == {
        "a": str(old),
        "b": str(new),
        "equal": False,
        "pipeline": [],
        "parameters": [],
        "steps": [
            {
                "name": "TrainModel",
                "change": "changed",
                "type": "Training",
                "location": "top level",
                "fields": [
                    {
                        "path": "HyperParameters.max_depth",
                        "change": "changed",
                        "old": "5",
                        "new": "6",
                    }
                ],
            }
        ],
    }


def test_json_definition_against_yaml_spec(tmp_path: Path) -> None:
    compiled = compile_spec_file(TITANIC, "dev").definition
    compiled["Parameters"] = [p for p in compiled["Parameters"] if p["Name"] != "InputTrainUri"]
    definition = tmp_path / "deployed.json"
    definition.write_text(json.dumps(compiled))
    code, out, _ = invoke("diff", str(definition), str(TITANIC), "--env", "dev")
    assert code == 1
    assert (
        "- `InputTrainUri` added: String, default `s3://titanic-mlops-artifacts-dev/curated/train.csv`"
        in out.splitlines()
    )


def test_describe_pipeline_answer_is_read_as_its_definition(tmp_path: Path) -> None:
    described = tmp_path / "described.json"
    described.write_text(
        json.dumps(
            {"PipelineName": "x", "PipelineDefinition": compile_spec_file(TITANIC, "dev").text}
        )
    )
    assert invoke("diff", str(described), str(TITANIC), "--env", "dev")[0] == 0


# --- git revisions ------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with the Titanic spec committed, then changed in the working tree."""
    git(tmp_path, "init", "-q", "-b", "main")
    spec = write_spec(tmp_path / "spec", "titanic.yaml", titanic_text())
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "titanic.json").write_text(compile_spec_file(spec, "dev").text)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "titanic")
    spec.write_text(titanic_text(("max_depth: 5", "max_depth: 6")))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_spec_at_a_revision_against_the_working_tree(repo: Path) -> None:
    code, out, err = invoke("diff", "main:spec/titanic.yaml", "spec/titanic.yaml", "--env", "dev")
    assert (code, err) == (1, "")
    assert out.splitlines()[0] == "## smpipe diff: `main:spec/titanic.yaml` -> `spec/titanic.yaml`"
    assert out.splitlines()[-1] == "  - `HyperParameters.max_depth`: `5` -> `6`"


def test_definition_at_a_revision_against_a_spec(repo: Path) -> None:
    code, out, _ = invoke("diff", "HEAD:build/titanic.json", "spec/titanic.yaml", "--env", "dev")
    assert code == 1
    assert out.splitlines()[-1] == "  - `HyperParameters.max_depth`: `5` -> `6`"
    assert (
        invoke("diff", "HEAD:build/titanic.json", "main:spec/titanic.yaml", "--env", "dev")[0] == 0
    )


@pytest.mark.parametrize(
    ("side", "message"),
    [
        (
            "nosuchrev:spec/titanic.yaml",
            'nosuchrev:spec/titanic.yaml: git knows no revision "nosuchrev" (and no such file exists)',
        ),
        ("main:spec/gone.yaml", 'main:spec/gone.yaml: no file "spec/gone.yaml" at revision main'),
        ("main:spec", "main:spec: is a tree in git, not a file"),
        ("gone.json", "gone.json: no such file (nor a REV:path git revision reference)"),
    ],
)
def test_unreadable_side_is_a_one_line_usage_error(repo: Path, side: str, message: str) -> None:
    code, out, err = invoke("diff", side, "spec/titanic.yaml", "--env", "dev")
    assert (code, out) == (2, "")
    assert err == f"smpipe: error: {message}\n"


def test_revision_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, _, err = invoke("diff", "main:x.yaml", "main:y.yaml")
    assert code == 2
    assert (
        err == "smpipe: error: main:x.yaml: not inside a git repository (and no such file exists)\n"
    )


def test_a_file_that_exists_is_never_a_revision(repo: Path) -> None:
    colon = repo / "main:spec"
    colon.write_text(compile_spec_file(repo / "spec" / "titanic.yaml", "dev").text)
    assert invoke("diff", "main:spec", "spec/titanic.yaml", "--env", "dev")[0] == 0


def test_spec_needs_deploy_variables(repo: Path) -> None:
    code, _, err = invoke("diff", "main:spec/titanic.yaml", "spec/titanic.yaml")
    assert code == 2
    assert err == (
        "smpipe: error: main:spec/titanic.yaml is a spec: compiling it needs its deploy "
        "variables, pass --env NAME (spec/env/NAME.yaml) or --var KEY=VALUE\n"
    )


def test_invalid_json_is_positioned(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"Steps": [\n  1,\n')
    code, _, err = invoke("diff", str(broken), str(broken))
    assert code == 2
    assert err == f"smpipe: error: {broken}:3:1: not valid JSON: Expecting value\n"


# --- the comparison itself, on definitions ------------------------------------------


def step(name: str, kind: str = "Processing", **arguments: Any) -> dict[str, Any]:
    return {"Name": name, "Type": kind, "Arguments": arguments}


def definition(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2020-12-01", "Parameters": [], "Steps": list(steps)}


def gate(if_steps: list[dict[str, Any]], else_steps: list[dict[str, Any]]) -> dict[str, Any]:
    return step("Gate", "Condition", Conditions=[], IfSteps=if_steps, ElseSteps=else_steps)


def test_a_step_moved_into_a_branch() -> None:
    old = definition(step("Register", "RegisterModel"), gate([], []))
    new = definition(gate([step("Register", "RegisterModel")], []))
    changes = {item.name: item for item in diff_definitions(old, new).steps}
    assert [(f.path, f.kind, f.old, f.new) for f in changes["Register"].fields] == [
        ("branch", "changed", "top level", "if branch of Gate")
    ]
    assert [(f.path, f.kind) for f in changes["Gate"].fields] == [("IfSteps[Register]", "added")]


def test_a_changed_step_type_is_reported_alone() -> None:
    old = definition(step("S", "Processing", AppSpecification={"ImageUri": "a"}))
    new = definition(step("S", "Training", AlgorithmSpecification={"TrainingImage": "a"}))
    (item,) = diff_definitions(old, new).steps
    assert [(f.path, f.old, f.new) for f in item.fields] == [("Type", "Processing", "Training")]


def test_json_types_matter_but_key_order_does_not() -> None:
    old = {"Parameters": [{"Name": "P", "Type": "Boolean", "DefaultValue": True}], "Steps": []}
    new = {"Steps": [], "Parameters": [{"DefaultValue": 1, "Type": "Boolean", "Name": "P"}]}
    (item,) = diff_definitions(old, new).parameters
    assert [(f.path, f.old, f.new) for f in item.fields] == [("DefaultValue", True, 1)]
    assert diff_definitions(old, json.loads(json.dumps(old))).equal


def test_arguments_lists_are_shown_whole() -> None:
    old = definition(step("S", AppSpecification={"ContainerArguments": ["--a", "1"]}))
    new = definition(step("S", AppSpecification={"ContainerArguments": ["--b", "--a", "1"]}))
    (item,) = diff_definitions(old, new).steps
    assert [(f.path, f.new) for f in item.fields] == [
        ("AppSpecification.ContainerArguments", ["--b", "--a", "1"])
    ]


def test_depends_on_order_does_not_matter() -> None:
    old = definition({**step("S"), "DependsOn": ["A", "B"]})
    assert diff_definitions(old, definition({**step("S"), "DependsOn": ["B", "A"]})).equal
    (item,) = diff_definitions(old, definition({**step("S"), "DependsOn": ["A"]})).steps
    assert [(f.path, f.old, f.new) for f in item.fields] == [("DependsOn", ["A", "B"], ["A"])]


# --- any JSON a user may hand over: a diff, never a crash ----------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Name", "Type", "Arguments", "IfSteps", "Get", "OutputName", "x"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)
steps_like = st.lists(
    st.fixed_dictionaries(
        {"Name": st.sampled_from(["A", "B", "C"]), "Type": st.sampled_from(["Condition", "X"])},
        optional={"Arguments": json_values, "DependsOn": json_values},
    ),
    max_size=3,
)
definitions = st.fixed_dictionaries(
    {"Steps": steps_like}, optional={"Parameters": json_values, "Version": json_values}
)


@settings(max_examples=200, deadline=None)
@given(definitions, definitions)
def test_any_definitions_diff_and_render_without_error(old: Any, new: Any) -> None:
    changes = diff_definitions(old, new)
    assert render_text(changes, "a", "b")
    assert json.loads(render_json(changes, "a", "b"))["equal"] == changes.equal
    assert diff_definitions(old, old).equal
