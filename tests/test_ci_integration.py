"""smpipe as a CI and pre-commit citizen: .pre-commit-hooks.yaml run by pre-commit itself,
the composite GitHub Action (action.yml) against the Action schema, and the project's CI
using that Action.

The default run uses pre-commit with the hooks' own entries, files and arguments (as local
hooks, so no environment is built); SMPIPE_SLOW_TESTS=1 adds `pre-commit try-repo` against
this repository, which builds the hooks' Python environment (pip install from PyPI)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def consumer(tmp_path: Path) -> Path:
    """Another repository: the Titanic spec (with a wrong property file name), its env file
    and its committed compiled definition."""
    repo = tmp_path / "consumer"
    (repo / "spec" / "env").mkdir(parents=True)
    (repo / "build").mkdir()
    shutil.copy(ROOT / "spec" / "env" / "dev.yaml", repo / "spec" / "env" / "dev.yaml")
    shutil.copy(ROOT / "spec" / "titanic-modelbuild.yaml", repo / "spec" / "titanic.yaml")
    shutil.copy(
        ROOT / "tests" / "golden" / "titanic-modelbuild-dev.json", repo / "build" / "titanic.json"
    )
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "spec")
    return repo


def run_pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    return subprocess.run(
        [*PRE_COMMIT, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )


def local_config(repo: Path, hook_args: dict[str, list[str]]) -> Path:
    """The manifest's hooks as local hooks (same entry, files, types, pass_filenames), run
    with the smpipe on PATH instead of an environment of their own."""
    hooks = []
    for hook in HOOKS:
        local = {**hook, "language": "unsupported"}
        if hook["id"] in hook_args:
            local["args"] = hook_args[hook["id"]]
        hooks.append(local)
    config = repo / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}))
    return config


# pre-commit and check-jsonschema (which ships GitHub's Action schema) are installed in the
# shared development environment; where they are not, these tests say so and skip.
needs_pre_commit = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed"
)


@needs_pre_commit
def test_the_manifest_is_valid_for_pre_commit() -> None:
    result = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {hook["id"] for hook in HOOKS} == {"smpipe-validate", "smpipe-compiled-current"}


@needs_pre_commit
def test_the_hooks_run_under_pre_commit(consumer: Path) -> None:
    compile_args = ["spec/titanic.yaml", "--env", "dev", "-o", "build/titanic.json"]
    local_config(
        consumer, {"smpipe-validate": ["--env", "dev"], "smpipe-compiled-current": compile_args}
    )
    result = run_pre_commit(consumer, "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smpipe validate" in result.stdout and "Passed" in result.stdout

    spec = consumer / "spec" / "titanic.yaml"
    spec.write_text(
        spec.read_text().replace("property_file: EvaluationReport", "property_file: EvalReport")
    )
    result = run_pre_commit(consumer, "run", "smpipe-validate", "--all-files")
    assert result.returncode == 1
    assert "spec/titanic.yaml:120:28: step" in result.stdout
    assert "[property-file-unknown]" in result.stdout

    spec.write_text(
        spec.read_text()
        .replace("EvalReport", "EvaluationReport")
        .replace("num_round: 200", "num_round: 150")
    )
    result = run_pre_commit(consumer, "run", "smpipe-compiled-current", "--all-files")
    assert result.returncode == 1
    assert "build/titanic.json is out of date" in result.stdout


@pytest.mark.skipif(
    os.environ.get("SMPIPE_SLOW_TESTS") != "1",
    reason="builds the hook's environment from PyPI: set SMPIPE_SLOW_TESTS=1",
)
@needs_pre_commit
def test_try_repo_builds_the_hook_environment_from_this_repository(consumer: Path) -> None:
    spec = consumer / "spec" / "titanic.yaml"
    spec.write_text(spec.read_text().replace("EvaluationReport", "EvalReport", 1))
    result = run_pre_commit(consumer, "try-repo", str(ROOT), "smpipe-validate", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[property-file-unknown]" in result.stdout


def action_schema() -> dict[str, object]:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema ships the Action schema")
    vendor = files("check_jsonschema") / "builtin_schemas" / "vendor" / "github-actions.json"
    return json.loads(vendor.read_text())


def test_the_action_matches_the_github_action_schema() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    jsonschema.Draft7Validator(action_schema()).validate(action)
    assert action["runs"]["using"] == "composite"
    # Inputs reach the scripts through the environment, never pasted into them.
    for step in action["runs"]["steps"]:
        assert "${{ inputs." not in step.get("run", ""), step["name"]


def test_the_projects_ci_uses_the_action() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    uses = [step.get("uses") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "./" in uses


def _expression(text: str, inputs: dict[str, str], github: dict[str, str]) -> str:
    """The few ``${{ ... }}`` forms action.yml uses: inputs.X and github.X."""
    out = text
    for name, value in github.items():
        out = out.replace(f"${{{{ github.{name} }}}}", value)
    for name, value in inputs.items():
        out = out.replace(f"${{{{ inputs.{name} }}}}", value)
    assert "${{" not in out, out
    return out


def _condition(text: str, inputs: dict[str, str]) -> bool:
    name, operator, literal = text.replace("inputs.", "").split(" ", 2)
    value = inputs[name]
    return (value == literal.strip("'")) == (operator == "==")


def run_action(repo: Path, given: dict[str, str]) -> tuple[int, str, str, str]:
    """Run the Action's shell steps as a runner would (bash -eo pipefail, GITHUB_OUTPUT,
    GITHUB_STEP_SUMMARY), with the smpipe on PATH; return (status, stdout, summary, output)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    github = {"sha": "4f2c1d0" * 5 + "a" * 5, "action_path": str(ROOT), "base_ref": ""}
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs = {name: _expression(value, {}, github) for name, value in inputs.items()}
    inputs.update(given)
    summary, output = repo.parent / "summary.md", repo.parent / "output.txt"
    stdout = []
    for step in action["runs"]["steps"]:
        if "run" not in step or ("if" in step and not _condition(step["if"], inputs)):
            continue
        env = {k: _expression(str(v), inputs, github) for k, v in step.get("env", {}).items()}
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=repo,
            env={
                **os.environ,
                **env,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(summary),
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        stdout.append(result.stdout + result.stderr)
        if result.returncode != 0:
            return result.returncode, "".join(stdout), _read(summary), _read(output)
    return 0, "".join(stdout), _read(summary), _read(output)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_the_action_validates_compiles_and_posts_the_diff(consumer: Path) -> None:
    origin = consumer.parent / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(consumer), str(origin)], check=True)
    git(consumer, "remote", "add", "origin", str(origin))
    git(consumer, "fetch", "-q", "origin")
    base = subprocess.run(
        ["git", "branch", "--show-current"], cwd=consumer, capture_output=True, text=True
    ).stdout.strip()
    spec = consumer / "spec" / "titanic.yaml"
    spec.write_text(spec.read_text().replace("num_round: 200", "num_round: 150"))

    code, out, summary, output = run_action(
        consumer, {"specs": "spec/*.yaml", "install": "false", "base-ref": base}
    )
    assert code == 0, out
    assert (consumer / "build" / "titanic-dev.json").is_file()
    sarif = json.loads((consumer / "build" / "smpipe.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"] == []
    assert "sarif-file=build/smpipe.sarif" in output
    assert f"## smpipe diff: `{base}` -> this change (`spec/titanic.yaml`)" in summary
    assert "```diff" in summary and "num_round" in summary

    spec.write_text(spec.read_text().replace("property_file: EvaluationReport", "property_file: X"))
    code, out, _, _ = run_action(consumer, {"install": "false", "base-ref": ""})
    assert code == 1
    assert "::error file=spec/titanic.yaml,line=120,col=28," in out
    assert "title=smpipe [property-file-unknown]::" in out
