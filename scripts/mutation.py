#!/usr/bin/env python3
"""Mutation testing with mutmut, one module at a time, resumable, on the tests that cover it.

    python scripts/mutation.py                      # every module below, in order
    python scripts/mutation.py compiler/rules/gate.py pipeline/evidence/report.py
    python scripts/mutation.py compiler/emit         # every listed module in a folder
    python scripts/mutation.py --list               # the modules and their candidate tests
    python scripts/mutation.py --report-only        # scores from what has run so far
    python scripts/mutation.py --minutes 20 ...     # stop each module after 20 minutes

Each module gets a work folder, build/mutation/<module>/, holding a copy of the tracked
files and a pyproject.toml whose [tool.mutmut] mutates that module only and offers mutmut
the module's candidate test files. mutmut then records which of those tests reach each
function and runs, for each mutant, only the tests that reach it. Results stay in the work
folder: a second run skips the mutants already decided, so a stopped run resumes, and after
an edit mutmut re-tests only the functions that changed (and re-collects coverage for new
tests). The copy is refreshed from the working tree at each run.

Printed (and written to build/mutation/report.md): per module the mutants killed, survived,
without a covering test, timed out or not yet checked, and the score: killed / (all decided
minus the equivalents listed in docs/testing.md). Then each survivor with its diff.

Slow by nature: run it under `nice`, never in the default test run. The weekly workflow
(.github/workflows/mutation.yml) runs it and keeps the report.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
TESTING_DOC = ROOT / "docs" / "testing.md"

# The areas issue 13 names. Every module in an AREAS folder is mutated (found on disk, so a new
# module is never forgotten; tests/test_mutation_script.py checks each one is run or excluded
# here with a reason), plus the SINGLE modules of folders that hold other things too.
# Candidate tests: the area's, then the module's own (MODULE_TESTS); mutmut narrows them to
# those that reach each function. Fast, in-process tests first; end-to-end ones only where
# nothing faster reaches the code (a test's `smpipe` subprocess cannot kill a mutant).
RULE_TESTS = (
    "tests/test_error_cases.py",
    "tests/test_compile_golden.py",
    "tests/test_job_kinds.py",
    "tests/test_typed_values.py",
    "tests/test_rules_without_env.py",
)
EMIT_TESTS = (*RULE_TESTS, "tests/test_emit_units.py", "tests/test_cli_compile.py")
EVIDENCE_TESTS = (
    "tests/test_evidence_items.py",
    "tests/test_evidence_expected.py",
    "tests/test_evidence_any_spec.py",
    "tests/test_evidence.py::test_sagemaker_evidence_points_at_cloudwatch_and_needs_only_the_plan",
    "tests/test_evidence.py::test_gate_outcome_that_contradicts_the_values_fails_criterion_4",
    "tests/test_evidence.py::test_plan_text_counts_and_actions",
    "tests/test_evidence.py::test_plan_json_and_no_changes",
    "tests/test_evidence.py::test_not_a_plan_is_a_usage_error",
)
LOCAL_TESTS = (
    "tests/test_local_engine.py",
    "tests/test_local_cache_keys.py",
    "tests/test_local_retry.py",
    "tests/test_local_definition.py",
    "tests/test_local_expressions.py",
)
# The step runners called in process on hand-written steps (seconds; the bigger runners have
# a file each, below). The whole local runs above reach them too, but take minutes per
# surviving mutant and kill nothing these do not.
STEP_TESTS = ("tests/test_local_step_runners.py",)
AREAS: dict[str, tuple[str, ...]] = {
    "compiler/rules/": RULE_TESTS,
    "compiler/emit/": EMIT_TESTS,
    "compiler/algorithms/": (
        "tests/test_xgboost_hyperparameters.py",
        "tests/test_xgboost_hyperparameter_ranges.py",
        "tests/test_xgboost_algorithm.py",
    ),
    "pipeline/bundle/": (),
    "pipeline/evidence/": EVIDENCE_TESTS,
    "pipeline/local/steps/": STEP_TESTS,
}
SINGLE: dict[str, tuple[str, ...]] = {
    "pipeline/sagemaker/errors.py": ("tests/sagemaker_backend/test_sagemaker_errors.py",),
    # In-process runs with stubbed jobs first; two files of real local runs for what they add
    # (the cache-key runs train models: minutes per surviving mutant, for keys the units pin).
    "pipeline/local/engine.py": (
        "tests/test_local_engine_units.py",
        "tests/test_local_engine.py",
        "tests/test_local_retry.py",
    ),
    # Its own tests and the engine's (the cache-key runs add nothing here but minutes).
    "pipeline/local/state.py": (
        "tests/test_local_state.py",
        "tests/test_local_engine.py",
        "tests/test_local_retry.py",
    ),
    "pipeline/local/definition.py": LOCAL_TESTS,
    "pipeline/local/expressions.py": LOCAL_TESTS,
    "pipeline/local/retry.py": (
        "tests/test_local_retry_policies.py",
        "tests/test_local_engine_units.py",
        "tests/test_local_engine.py",
        "tests/test_local_retry.py",
    ),
}
MODULE_TESTS: dict[str, tuple[str, ...]] = {
    "compiler/rules/references.py": ("tests/test_property_paths.py",),
    "compiler/rules/pipeline_settings.py": ("tests/test_pipeline_settings.py",),
    "compiler/rules/algorithms.py": ("tests/test_xgboost_hyperparameter_ranges.py",),
    "compiler/rules/suggest.py": ("tests/test_suggest.py",),
    "compiler/rules/registry.py": ("tests/test_rule_registry.py",),
    "compiler/emit/settings.py": ("tests/test_pipeline_settings.py",),
    "pipeline/bundle/build.py": ("tests/test_bundle.py",),
    "pipeline/bundle/upload.py": ("tests/sagemaker_backend/test_sagemaker_bundle_upload.py",),
    "pipeline/evidence/gantt.py": ("tests/test_evidence_gantt.py",),
    "pipeline/evidence/graph.py": ("tests/test_evidence_graph.py",),
    "pipeline/evidence/render.py": ("tests/test_evidence_render.py",),
    "pipeline/evidence/sources.py": ("tests/test_evidence_sources.py",),
    "pipeline/evidence/terraform_plan.py": ("tests/test_evidence_plan.py",),
    "pipeline/local/steps/processing.py": ("tests/test_local_step_processing.py",),
    "pipeline/local/steps/training.py": ("tests/test_local_step_training.py",),
    "pipeline/local/steps/tuning.py": ("tests/test_local_step_tuning.py",),
    "pipeline/local/steps/transform.py": ("tests/test_local_step_transform.py",),
    "pipeline/local/steps/lambda_.py": ("tests/test_local_step_lambda.py",),
    "pipeline/local/steps/spark.py": (
        "tests/test_local_step_spark.py",
        "tests/test_spark_local.py",
    ),
}
# Class decorators taken off (see ``undecorated``) in these modules, so that mutmut mutates the
# methods of their dataclasses (``rule`` is taken off everywhere).
UNWRAPPED: dict[str, tuple[str, ...]] = {
    "pipeline/local/steps/context.py": ("dataclass",),
    "pipeline/local/steps/training.py": ("dataclass",),
}
# Modules whose candidate tests replace their area's: the area's real local runs reach them too
# (tests/test_evidence_any_spec.py), at seconds per surviving mutant, and test nothing there
# that these in-process tests, on hand-built executions, do not.
OWN_TESTS: dict[str, tuple[str, ...]] = {
    "pipeline/evidence/report.py": (
        "tests/test_evidence_items.py",
        "tests/test_evidence_report.py",
        "tests/test_evidence_render.py",
        "tests/test_evidence_expected.py",
        *(t for t in EVIDENCE_TESTS if t.startswith("tests/test_evidence.py::")),
    ),
}
# Modules of the AREAS folders that are not mutated, and why.
EXCLUDED: dict[str, str] = {
    "compiler/algorithms/__init__.py": "a docstring only",
    "compiler/emit/__init__.py": "a docstring only",
    "compiler/emit/bootstrap.py": "constants only (mutmut mutates inside functions)",
    "pipeline/local/steps/__init__.py": "a docstring only",
}


def area_modules() -> list[str]:
    """The AREAS folders' modules on disk, in folder order then by name."""
    found = []
    for folder in AREAS:
        found += sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / folder).glob("*.py"))
    return found


def _modules() -> dict[str, tuple[str, ...]]:
    modules = {m: AREAS[m.rsplit("/", 1)[0] + "/"] for m in area_modules() if m not in EXCLUDED}
    modules.update(SINGLE)
    modules.update(OWN_TESTS)
    return {m: tuple(dict.fromkeys((*t, *MODULE_TESTS.get(m, ())))) for m, t in modules.items()}


MODULES: dict[str, tuple[str, ...]] = _modules()
# What the tests read besides the code (copied into each work folder, git-tracked files only).
SUPPORT = ("tests", "spec", "schemas", "data", "docs", "scripts", "infra", "bench", "README.md")

# mutmut's reading of a mutant's exit code (mutmut.__main__.status_by_exit_code, which cannot
# be imported outside a configured project); an interrupted check is not checked yet.
STATUS_BY_EXIT_CODE: dict[int | None, str] = {
    None: "not checked", 2: "not checked", 1: "killed", 3: "killed", 0: "survived",
    5: "no tests", 33: "no tests", 34: "skipped", 35: "suspicious", 36: "timeout",
    24: "timeout", 152: "timeout", 255: "timeout", -24: "timeout", 37: "caught by type check",
    -11: "segfault", -9: "segfault",
}  # fmt: skip


@dataclass
class Score:
    module: str
    counts: dict[str, int] = field(default_factory=dict)
    survivors: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)  # no test reached them
    equivalent: list[str] = field(default_factory=list)

    @property
    def killed(self) -> int:
        return self.counts.get("killed", 0) + self.counts.get("timeout", 0)

    @property
    def live(self) -> int:
        """Survivors and mutants no test reaches, less the listed equivalents."""
        return len(self.survivors) + self.counts.get("no tests", 0)

    @property
    def score(self) -> float | None:
        decided = self.killed + self.live
        return None if decided == 0 else 100.0 * self.killed / decided


def slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name]


def undecorated(text: str, decorators: tuple[str, ...] = ("rule",)) -> str:
    """``@rule(...)`` over ``def f`` (or ``@dataclass`` over ``class C``, when named in
    ``decorators``) moved to ``f = rule(...)(f)`` right after the function or class.

    The same program (a decorator is applied just after the function or class is made), but
    mutmut 3 leaves decorated functions and classes alone, so the rules' bodies (the
    dataclasses' methods) would not be mutated otherwise.
    """
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    edits = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.ClassDef) or len(node.decorator_list) != 1:
            continue
        decorator = node.decorator_list[0]
        called = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(called, ast.Name) and called.id in decorators:
            source = ast.get_source_segment(text, decorator)
            assert node.end_lineno is not None and decorator.end_lineno is not None
            edits.append(
                (decorator.lineno, decorator.end_lineno, node.end_lineno, node.name, source)
            )
    for start, end, last, name, source in reversed(edits):
        lines.insert(last, f"{name} = ({source})({name})\n")
        del lines[start - 1 : end]
    return "".join(lines)


def refresh_copy(work: Path, module: str, tests: tuple[str, ...]) -> None:
    """The work folder mirrors the working tree's tracked files (changed ones re-copied)."""
    wanted = ("compiler", "pipeline", *SUPPORT)
    for name in tracked_files():
        if name.split("/", 1)[0] not in wanted or not (ROOT / name).is_file():
            continue
        source, target = ROOT / name, work / name
        data = source.read_bytes()
        if name == module:
            data = undecorated(data.decode(), ("rule", *UNWRAPPED.get(module, ()))).encode()
        if target.exists() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    existing = [test for test in tests if (ROOT / test.split("::")[0]).exists()]
    config = [
        "[tool.mutmut]",
        'source_paths = ["compiler", "pipeline"]',
        f"only_mutate = [{json.dumps(module)}]",
        f"also_copy = {json.dumps([s for s in SUPPORT if s != 'tests'])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(existing)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]',
        "",
    ]
    pyproject = (ROOT / "pyproject.toml").read_text()
    text = pyproject.split("[tool.mutmut]")[0].rstrip() + "\n\n" + "\n".join(config)
    if not (work / "pyproject.toml").exists() or (work / "pyproject.toml").read_text() != text:
        (work / "pyproject.toml").write_text(text)


def run_module(module: str, minutes: float | None, children: int, retest: bool = True) -> None:
    """New mutants first; then the survivors and the mutants no test reached, again, so that
    tests added since get their chance."""
    work = WORK / slug(module)
    work.mkdir(parents=True, exist_ok=True)
    refresh_copy(work, module, MODULES[module])
    deadline = None if minutes is None else time.monotonic() + minutes * 60
    mutmut(module, work, [], deadline, children)
    score = score_module(module, equivalents())
    survivors = score.survivors + score.untested
    if retest and survivors and (deadline is None or time.monotonic() < deadline):
        print(
            f"   re-testing {len(survivors)} survivor(s) and untested mutant(s) with the current tests"
        )
        mutmut(module, work, survivors, deadline, children)


def mutmut(
    module: str, work: Path, names: list[str], deadline: float | None, children: int
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SMPIPE_"))}
    # The tests' own subprocesses (`smpipe ...`) import the unmutated copy in the work folder:
    # mutmut's trampolines need its configuration, found only in the mutants folder, so a
    # mutant is killed by in-process tests only. (Never the installed, editable project.)
    env["PYTHONPATH"] = str(work)
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *names]
    shown = " ".join(command[2:6]) + (f" <{len(names)} mutants>" if names else "")
    print(f"== {module}: {shown} in {work.relative_to(ROOT)}", flush=True)
    log = (work / "mutmut.log").open("ab")
    process = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=log,
                               start_new_session=True)  # fmt: skip
    while process.poll() is None:
        if deadline is not None and time.monotonic() > deadline:
            print("   time box reached: stopping (the next run resumes)")
            os.killpg(process.pid, signal.SIGINT)  # mutmut saves what it decided
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(2)
    log.close()
    if process.returncode not in (0, None, -signal.SIGINT, 130):
        tail = (work / "mutmut.log").read_text(errors="replace").splitlines()[-15:]
        print("   mutmut failed:\n   " + "\n   ".join(tail))


def equivalents() -> dict[str, str]:
    """Mutant name -> reason, from docs/testing.md's table of equivalent mutants."""
    if not TESTING_DOC.exists():
        return {}
    found = {}
    for line in TESTING_DOC.read_text().splitlines():
        match = re.match(r"\|\s*`([\w.ǁ]+__mutmut_\d+)`\s*\|(.*)\|\s*$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def score_module(module: str, known_equivalent: dict[str, str]) -> Score:
    score = Score(module)
    meta = WORK / slug(module) / "mutants" / (module + ".meta")
    if not meta.exists():
        return score
    results = json.loads(meta.read_text()).get("exit_code_by_key", {})
    for name, code in sorted(results.items()):
        status = STATUS_BY_EXIT_CODE.get(code, "suspicious")
        if status == "survived" and name in known_equivalent:
            score.equivalent.append(name)
            continue
        score.counts[status] = score.counts.get(status, 0) + 1
        if status == "survived":
            score.survivors.append(name)
        elif status == "no tests":
            score.untested.append(name)
    return score


def diff_of(module: str, mutant: str) -> str:
    shown = subprocess.run(
        [sys.executable, "-m", "mutmut", "show", mutant],
        cwd=WORK / slug(module),
        capture_output=True,
        text=True,
    )
    return shown.stdout.strip() or shown.stderr.strip()


def report(modules: list[str], with_diffs: bool) -> str:
    known = equivalents()
    lines = ["# Mutation testing report", "",
             "| Module | killed | survived | no tests | equivalent | not checked | score |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    details = []
    for module in modules:
        s = score_module(module, known)
        if not s.counts and not s.equivalent:
            lines.append(f"| `{module}` | - | - | - | - | - | not run |")
            continue
        shown = "-" if s.score is None else f"{s.score:.1f}%"
        lines.append(
            f"| `{module}` | {s.killed} | {len(s.survivors)} | {s.counts.get('no tests', 0)} "
            f"| {len(s.equivalent)} | {s.counts.get('not checked', 0)} | {shown} |"
        )
        for name in s.survivors:
            details.append(f"### `{name}` survived\n")
            if with_diffs:
                details.append("```diff\n" + diff_of(module, name) + "\n```\n")
    return "\n".join([*lines, "", "## Survivors", "", *(details or ["None."])]) + "\n"


def selected(name: str) -> list[str]:
    """A listed module, or every listed module under a folder (``compiler/rules``)."""
    if name in MODULES:
        return [name]
    folder = name.rstrip("/") + "/"
    return [m for m in MODULES if m.startswith(folder)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="modules or folders to run (default: all listed)"
    )
    parser.add_argument("--list", action="store_true", help="print modules and tests, then stop")
    parser.add_argument("--report-only", action="store_true", help="no run: scores so far")
    parser.add_argument("--minutes", type=float, default=None, help="time box per module")
    parser.add_argument("--children", type=int, default=1, help="mutants tested at once")
    parser.add_argument("--no-diffs", action="store_true", help="survivors without diffs")
    parser.add_argument(
        "--no-retest", action="store_true", help="leave earlier survivors as they are (baselines)"
    )
    parser.add_argument("--report", type=Path, default=WORK / "report.md")
    args = parser.parse_args()
    modules = []
    for name in args.modules or list(MODULES):
        chosen = selected(name)
        if not chosen:
            parser.error(f"not a listed module or folder: {name} (see --list)")
        modules += [m for m in chosen if m not in modules]
    if args.list:
        for module in modules:
            print(f"{module}: {' '.join(MODULES[module])}")
        return 0
    if not args.report_only:
        for module in modules:
            run_module(module, args.minutes, args.children, retest=not args.no_retest)
    text = report(modules, not args.no_diffs)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text)
    print(text.split("\n## Survivors")[0])
    survivors = text.count("` survived\n")
    shown = args.report.resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    print(f"{survivors} survivor(s); details in {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
