"""Typed values: {param} wherever SageMaker takes a pipeline expression, its type checked,
unused parameters a warning (an error with --strict)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from compiler.compile import compile_spec_file
from compiler.model import Spec
from compiler.typed_values import typed_values
from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TYPED = ROOT / "tests" / "golden" / "typed-parameters" / "spec.yaml"
UNUSED = ROOT / "tests" / "errors" / "param-unused.yaml"


def _typed_paths(spec: Spec) -> dict[tuple[str | int, ...], str]:
    found = {path: takes.what for path, _, takes in typed_values(spec)}
    return found


def test_the_walker_finds_every_typed_field_of_every_step_kind() -> None:
    spec = compile_spec_file(TYPED, env="test").spec
    paths = _typed_paths(spec)
    expected = {
        ("defaults", "instance_type"): "a String",
        ("defaults", "instance_count"): "an Integer",
        ("defaults", "volume_size_gb"): "an Integer",
        ("steps", 0, "image"): "a String",
        ("steps", 0, "environment", "LOG_LEVEL"): "a String",
        ("steps", 0, "environment", "RUN"): "a String",
        ("steps", 1, "image"): "a String",
        ("steps", 1, "instance_type"): "a String",
        ("steps", 1, "instance_count"): "an Integer",
        ("steps", 1, "volume_size_gb"): "an Integer",
        ("steps", 1, "environment", "LOG_LEVEL"): "a String",
        ("steps", 1, "stopping_condition", "max_runtime_seconds"): "an Integer",
        ("steps", 2, "image"): "a String",
        ("steps", 2, "model_package_group"): "a String",
        ("steps", 2, "approval_status"): "a String",
        ("steps", 2, "inference_instances", 0): "a String",
        ("steps", 2, "inference_instances", 1): "a String",
        ("steps", 2, "transform_instances", 0): "a String",
        ("steps", 2, "environment", "LOG_LEVEL"): "a String",
    }
    assert paths == expected


def test_parameters_are_emitted_as_get_expressions_where_the_spec_uses_them() -> None:
    definition = compile_spec_file(TYPED, env="test").definition
    prepare, train, register = definition["Steps"]
    cluster = prepare["Arguments"]["ProcessingResources"]["ClusterConfig"]
    assert cluster == {
        "InstanceCount": {"Get": "Parameters.ProcessingInstanceCount"},
        "InstanceType": {"Get": "Parameters.ProcessingInstanceType"},
        "VolumeSizeInGB": {"Get": "Parameters.ProcessingVolume"},
    }
    assert train["Arguments"]["AlgorithmSpecification"]["TrainingImage"] == {
        "Get": "Parameters.TrainingImage"
    }
    assert train["Arguments"]["HyperParameters"]["num_round"] == {"Get": "Parameters.Rounds"}
    arguments = register["Arguments"]
    assert arguments["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    assert arguments["ModelPackageGroupName"] == {"Get": "Parameters.ModelPackageGroup"}


def test_an_unused_parameter_is_a_warning_and_strict_makes_it_an_error(repo_root: Path) -> None:
    spec = str(UNUSED.relative_to(ROOT))
    runner = CliRunner()
    shown = runner.invoke(cli, ["validate", spec, "--env", "test"])
    assert shown.exit_code == 0, shown.output
    assert 'warning: parameter "MaxDepth" is declared but never used [param-unused]' in (
        shown.stdout
    )
    compiled = runner.invoke(cli, ["compile", spec, "--env", "test"])
    assert compiled.exit_code == 0
    assert compiled.stdout.startswith("{")
    assert "[param-unused]" in compiled.stderr
    for command in ("validate", "compile"):
        strict = runner.invoke(cli, [command, spec, "--env", "test", "--strict"])
        assert strict.exit_code == 1, (command, strict.output)
        assert "warning:" not in strict.output
        assert "[param-unused]" in strict.output


def test_a_strict_run_without_warnings_passes(repo_root: Path) -> None:
    spec = "spec/titanic-modelbuild.yaml"
    result = CliRunner().invoke(cli, ["validate", spec, "--env", "dev", "--strict"])
    assert result.exit_code == 0, result.output
