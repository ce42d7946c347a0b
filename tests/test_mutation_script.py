"""scripts/mutation.py's module list cannot go stale: every module of the areas it covers is
mutated or excluded with a reason, every candidate test exists, and docs/testing.md names
only listed modules. (The mutation run itself is slow and never part of the default run.)"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def mutation() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation", ROOT / "scripts" / "mutation.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["mutation"]
    return module


def test_every_module_of_the_areas_is_mutated_or_excluded_with_a_reason(
    mutation: ModuleType,
) -> None:
    on_disk = {
        p.relative_to(ROOT).as_posix()
        for folder in mutation.AREAS
        for p in (ROOT / folder).glob("*.py")
    }
    assert on_disk, "no module found in the areas"
    forgotten = sorted(on_disk - set(mutation.MODULES) - set(mutation.EXCLUDED))
    assert forgotten == []
    assert sorted(set(mutation.EXCLUDED) - on_disk) == [], "an exclusion names no module"
    assert all(reason.strip() for reason in mutation.EXCLUDED.values())
    assert set(mutation.EXCLUDED).isdisjoint(mutation.MODULES)


def test_the_local_engine_and_single_modules_are_listed(mutation: ModuleType) -> None:
    for name in ("engine", "state", "definition", "expressions", "retry"):
        assert f"pipeline/local/{name}.py" in mutation.MODULES
    assert "pipeline/sagemaker/errors.py" in mutation.MODULES
    assert "compiler/algorithms/xgboost_hyperparameters.py" in mutation.MODULES


def test_every_listed_module_and_candidate_test_exists(mutation: ModuleType) -> None:
    named = {*mutation.MODULES, *mutation.SINGLE, *mutation.MODULE_TESTS}
    assert sorted(m for m in named if not (ROOT / m).is_file()) == []
    assert sorted(m for m in mutation.MODULES if not mutation.MODULES[m]) == []
    tests = {t.split("::")[0] for tests in mutation.MODULES.values() for t in tests}
    assert sorted(t for t in tests if not (ROOT / t).is_file()) == []


def test_a_folder_selects_its_listed_modules(mutation: ModuleType) -> None:
    rules = mutation.selected("compiler/rules")
    assert rules == mutation.selected("compiler/rules/")
    assert "compiler/rules/gate.py" in rules and "compiler/rules/__init__.py" in rules
    assert all(m.startswith("compiler/rules/") for m in rules)
    assert mutation.selected("compiler/emit/values.py") == ["compiler/emit/values.py"]
    assert mutation.selected("compiler/nowhere") == []


def test_the_testing_doc_names_only_listed_modules(mutation: ModuleType) -> None:
    doc = (ROOT / "docs" / "testing.md").read_text()
    section = doc.split("## Mutation testing", 1)[1].split("## Blind spots", 1)[0]
    scored = re.findall(r"^\| `([\w/]+\.py)` \|", section, re.MULTILINE)
    assert scored, "no Scores rows found"
    assert sorted(set(scored) - set(mutation.MODULES)) == []
    slugs = {mutation.slug(m) for m in mutation.MODULES}
    owners = {name.split(".x_")[0].split(".xǁ")[0] for name in mutation.equivalents()}
    assert sorted(owners - slugs) == []


def test_the_weekly_workflow_runs_every_listed_module_once(mutation: ModuleType) -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "mutation.yml").read_text())
    entries = workflow["jobs"]["mutation"]["strategy"]["matrix"]["include"]
    run = [
        m for entry in entries for name in entry["modules"].split() for m in mutation.selected(name)
    ]
    assert sorted(run) == sorted(mutation.MODULES)


def test_decorators_are_applied_after_the_function_or_class(mutation: ModuleType) -> None:
    """mutmut leaves decorated code alone: the work copy applies the decorators after the
    definition instead, the same program."""
    source = (
        "from dataclasses import dataclass\n"
        "\n"
        "\n"
        "@dataclass(frozen=True)\n"
        "class Point:\n"
        "    x: int\n"
        "\n"
        "    def doubled(self) -> int:\n"
        "        return 2 * self.x\n"
        "\n"
        "\n"
        "@rule(\n"
        "    'name',\n"
        ")\n"
        "def check(value):\n"
        "    return value\n"
        "\n"
        "\n"
        "@other\n"
        "def left(value):\n"
        "    return value\n"
    )
    both = mutation.undecorated(source, ("rule", "dataclass"))
    assert both == (
        "from dataclasses import dataclass\n"
        "\n"
        "\n"
        "class Point:\n"
        "    x: int\n"
        "\n"
        "    def doubled(self) -> int:\n"
        "        return 2 * self.x\n"
        "Point = (dataclass(frozen=True))(Point)\n"
        "\n"
        "\n"
        "def check(value):\n"
        "    return value\n"
        "check = (rule(\n"
        "    'name',\n"
        "))(check)\n"
        "\n"
        "\n"
        "@other\n"
        "def left(value):\n"
        "    return value\n"
    )
    assert mutation.undecorated(source) == both.replace(
        "class Point:", "@dataclass(frozen=True)\nclass Point:"
    ).replace("Point = (dataclass(frozen=True))(Point)\n", "")
    namespace: dict[str, object] = {"rule": lambda *a: lambda f: f, "other": lambda f: f}
    exec(both, namespace)
    point = namespace["Point"](3)  # type: ignore[operator]
    assert point.doubled() == 6 and repr(point) == "Point(x=3)"
    assert sorted(mutation.UNWRAPPED) == sorted(set(mutation.UNWRAPPED) & set(mutation.MODULES))
