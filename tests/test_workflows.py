""".github/workflows: pinned actions, least permissions, OIDC only, and the commands CI runs.

check-jsonschema (scripts/check-infra.sh) checks the files against GitHub's schema; these
tests check what the schema cannot: the project's own rules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
PYPI_PUBLISH = "pypa/gh-action-pypi-publish@"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")
# Contexts a pull request's author controls: never pasted into a shell script.
UNTRUSTED = re.compile(
    r"\$\{\{\s*github\.(head_ref|base_ref|event\.(pull_request|issue|comment|head_commit|commits))"
)


def load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def runs(workflow: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(workflow))


def problems(workflow: dict[str, Any]) -> list[str]:
    """The project's rules for any workflow file."""
    found = []
    for step in steps(workflow):
        uses = step.get("uses")
        # A local action ("./") is the repository's own code at the checked-out commit.
        if uses and not PINNED.match(uses) and not uses.startswith("./"):
            found.append(f"action not pinned to a full commit SHA: {uses}")
        if UNTRUSTED.search(step.get("run", "")):
            found.append(f"untrusted context pasted into a script: {step.get('name')}")
        with_ = step.get("with", {})
        if {"aws-access-key-id", "aws-secret-access-key"} & set(with_):
            found.append("stored AWS keys: use role-to-assume (OIDC)")
        if "role-to-assume" in with_ and not str(with_["role-to-assume"]).startswith("${{ vars."):
            found.append("role-to-assume must come from a repository variable")
    top = workflow.get("permissions")
    if not isinstance(top, dict):
        found.append("top-level permissions must be an explicit map, not the default or *-all")
        top = {}
    if "concurrency" not in workflow:
        found.append("no concurrency group")
    for name, job in workflow["jobs"].items():
        permissions = {**top, **(job.get("permissions") or {})}
        if any(v == "write" for k, v in permissions.items() if k != "id-token"):
            found.append(f"job {name} asks for write permissions")
        assumes = any("role-to-assume" in s.get("with", {}) for s in job.get("steps", []))
        publishes = any(s.get("uses", "").startswith(PYPI_PUBLISH) for s in job.get("steps", []))
        if (permissions.get("id-token") == "write") != (assumes or publishes):
            found.append(
                f"job {name}: id-token: write exactly when it assumes an AWS role or publishes "
                "to PyPI (trusted publishing)"
            )
        if publishes and {"password", "user"} & {
            k for s in job.get("steps", []) for k in s.get("with", {})
        }:
            found.append(f"job {name}: PyPI by trusted publishing, never a stored token")
    return found


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load((WORKFLOWS / "deploy.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_workflow_follows_the_rules(name: str) -> None:
    assert problems(load((WORKFLOWS / name).read_text(encoding="utf-8"))) == []


def test_ci_runs_the_checks_of_ci_run_then_validate_compile_diff(ci: dict[str, Any]) -> None:
    assert set(ci["on"]) == {"pull_request", "push"}
    assert ci["on"]["push"]["branches"] == ["main"]
    assert ci["permissions"] == {"contents": "read"}
    script = runs(ci)
    assert "bash scripts/test.sh" in script
    # validate (--strict), compile with the commit's SHA and the diff run through the
    # repository's own Action (action.yml), as other repositories use it.
    (own,) = [s for s in steps(ci) if s.get("uses") == "./"]
    assert own["with"] == {
        "specs": "spec/titanic-modelbuild.yaml spec/examples/*.yaml",
        "env": "dev",
        "install": "false",
        "strict": "true",
    }
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    action_runs = {s["name"]: s for s in action["runs"]["steps"] if "run" in s}
    validate = next(s["run"] for n, s in action_runs.items() if n.startswith("smpipe validate"))
    assert "var_args+=(--strict)" in validate and "--format github" in validate
    compile_ = next(s["run"] for n, s in action_runs.items() if n.startswith("smpipe compile"))
    assert '--var "git_sha=$SHA"' in compile_
    diff = next(s for n, s in action_runs.items() if n.startswith("smpipe diff"))
    assert diff["if"] == "inputs.base-ref != ''"
    assert action["inputs"]["base-ref"]["default"] == "${{ github.base_ref }}"
    assert '"origin/${BASE_REF}:${spec}"' in diff["run"]
    assert "GITHUB_STEP_SUMMARY" in diff["run"]
    # Exit 1 means "the specs differ": reported, not a failure; 2+ fails the job.
    assert "|| status=$?" in diff["run"] and '[ "$status" -gt 1 ]' in diff["run"]
    test_steps = ci["jobs"]["test"]["steps"]
    (checkout,) = [s for s in test_steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0


def test_ci_validates_and_compiles_every_shipped_spec_with_strict(ci: dict[str, Any]) -> None:
    """The Action's specs (globs expanded as its bash does) cover spec/ and spec/examples/,
    and each passes what CI asks of it: validate --strict with the dev variables, compiled."""
    from compiler.compile import check_spec_file
    from compiler.diagnostics import render_text

    (own,) = [s for s in steps(ci) if s.get("uses") == "./"]
    covered = {path for pattern in own["with"]["specs"].split() for path in ROOT.glob(pattern)}
    shipped = set(ROOT.glob("spec/*.yaml")) | set(ROOT.glob("spec/examples/*.yaml"))
    assert sorted(shipped - covered) == []
    assert own["with"]["strict"] == "true" and own["with"]["env"] == "dev"
    for spec in sorted(covered):
        result = check_spec_file(spec, env=own["with"]["env"], strict=True)
        assert render_text(result.diagnostics, result.sources) == "", spec
        assert result.definition is not None, spec


def test_ci_and_ci_run_test_the_wheel_and_the_lowest_versions(ci: dict[str, Any]) -> None:
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for script in (
        "bash scripts/test.sh",
        "bash scripts/test-dist.sh",
        "bash scripts/test-lowest.sh",
    ):
        assert script in ci_run
        assert script in runs(ci)


def test_ci_sets_up_python_3_11_and_terraform(ci: dict[str, Any]) -> None:
    python = [s for s in steps(ci) if s.get("uses", "").startswith("actions/setup-python@")]
    assert python and {s["with"]["python-version"] for s in python} == {"3.11"}
    assert any(s.get("uses", "").startswith("hashicorp/setup-terraform@") for s in steps(ci))


def test_deploy_bundles_compiles_plans_then_applies_after_approval(
    deploy: dict[str, Any],
) -> None:
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert deploy["permissions"] == {}
    assert deploy["concurrency"]["cancel-in-progress"] is False
    plan, apply = deploy["jobs"]["plan"], deploy["jobs"]["apply"]
    plan_script = "\n".join(s.get("run", "") for s in plan["steps"])
    order = [
        'smpipe bundle --upload "s3://${DATA_BUCKET}/pipeline/code/${GITHUB_SHA}/"',
        '--var "git_sha=${GITHUB_SHA}" -o build/titanic-modelbuild-dev.json',
        "fmt -check",
        " init ",
        " validate",
        "plan -input=false -out=tfplan",
    ]
    positions = [plan_script.find(fragment) for fragment in order]
    assert -1 not in positions and positions == sorted(positions), positions
    assert apply["needs"] == "plan"
    assert apply["environment"] == "dev"
    apply_script = "\n".join(s.get("run", "") for s in apply["steps"])
    assert "apply -input=false tfplan" in apply_script
    assert "-lockfile=readonly" in apply_script


def test_deploy_bucket_is_the_dev_env_bucket(deploy: dict[str, Any]) -> None:
    dev = yaml.safe_load((ROOT / "spec" / "env" / "dev.yaml").read_text(encoding="utf-8"))
    assert deploy["env"]["DATA_BUCKET"] == dev["data_bucket"]
    assert deploy["env"]["AWS_REGION"] == dev["region"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
            "actions/checkout@v7",
            "not pinned",
        ),
        (
            "role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}",
            "aws-access-key-id: ${{ secrets.KEY }}",
            "stored AWS keys",
        ),
        (
            'run: smpipe bundle --upload "s3://${DATA_BUCKET}/pipeline/code/${GITHUB_SHA}/"',
            "run: echo ${{ github.event.head_commit.message }}",
            "untrusted context",
        ),
        ("permissions: {}", "permissions: write-all", "explicit map"),
        ("      contents: read\n      id-token: write", "      contents: write", "write"),
    ],
)
def test_the_rules_reject_a_broken_workflow(old: str, new: str, expected: str) -> None:
    text = (WORKFLOWS / "deploy.yml").read_text(encoding="utf-8")
    assert old in text
    broken = load(text.replace(old, new, 1))
    assert any(expected in p for p in problems(broken)), problems(broken)


def test_release_builds_once_tests_the_files_then_publishes_them() -> None:
    release = load((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["permissions"] == {}
    assert release["concurrency"]["cancel-in-progress"] is False
    build, publish = release["jobs"]["build"], release["jobs"]["publish"]
    script = "\n".join(s.get("run", "") for s in build["steps"])
    order = ["compiler.__version__", "CHANGELOG.md", '"$UV" build --out-dir dist', "test-dist.sh"]
    positions = [script.find(fragment) for fragment in order]
    assert -1 not in positions and positions == sorted(positions), positions
    (tested,) = [s for s in build["steps"] if "test-dist.sh" in s.get("run", "")]
    assert tested["env"] == {"SMPIPE_DIST_DIR": "dist"}
    assert build["permissions"] == {"contents": "read"}
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert [s["uses"].split("@")[0] for s in publish["steps"]] == [
        "actions/download-artifact",
        "pypa/gh-action-pypi-publish",
    ]


def test_release_tag_check_matches_the_changelog() -> None:
    """The release refuses a version without its CHANGELOG section: this one has it."""
    from compiler import __version__

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(__version__)}\]", changelog, re.MULTILINE)


def test_mutation_runs_weekly_and_keeps_its_report() -> None:
    workflow = load((WORKFLOWS / "mutation.yml").read_text(encoding="utf-8"))
    assert [entry["cron"] for entry in workflow["on"]["schedule"]] == ["17 3 * * 1"]
    assert "pull_request" not in workflow["on"]
    assert "python scripts/mutation.py --minutes" in runs(workflow)
    upload = next(s for s in steps(workflow) if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "build/mutation/report.md"
