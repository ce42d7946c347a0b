#!/usr/bin/env python3
"""Whole-process time and peak memory of ``smpipe compile``, for the Titanic spec and for
generated chains of 10, 100 and 1,000 steps; and a check that compiling imports neither the
SageMaker SDK nor boto3.

    python bench/compile.py [--runs 5] [--sizes 10,100,1000] [--profile]
    python bench/compile.py --baseline DIR [--runs 9]    # this tree against another checkout

Each measured run is a fresh ``smpipe compile SPEC --env bench -o FILE`` process: the time is
the wall clock around it (interpreter start included, as a user or CI pays it), the CPU time
its user + system seconds, the memory its own peak RSS (``os.wait4`` gives each child's
rusage; pure Python, no /usr/bin/time). The CPU time is the steadier figure on a shared,
loaded machine. The code measured is this tree's (``PYTHONPATH``), whatever the venv's
editable install points at. One unmeasured warm-up run per spec fills the OS file cache and
Python's bytecode cache (written even if ``PYTHONDONTWRITEBYTECODE`` is set here).
``--baseline DIR`` (e.g. ``git worktree add --detach /tmp/base REV``) compiles the same specs
with DIR's code too, alternating run by run so both see the same load, and prints medians
and ratios. Figures are printed, never asserted: the targets below are for the reader.
When ``bench/sdk_build.py`` exists and the SDK is installed, its report (the SDK's
import + build + ``definition()`` for the same Titanic spec) follows; ``--no-sdk`` skips it.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TITANIC = ROOT / "spec" / "titanic-modelbuild.yaml"
TARGETS = "targets: Titanic < 0.5 s whole-process; 1,000 steps < 3 s; about linear"
# Modules the compile path must never load (DESIGN.md: compile starts fast, needs no AWS).
FORBIDDEN = ("sagemaker", "boto3", "botocore", "pandas", "xgboost", "pipeline.local")


@dataclass
class Measurement:
    label: str
    steps: int
    times: list[float]
    peak_kib: int
    exit_code: int
    stderr: str
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def best(self) -> float:
        return min(self.times)


def smpipe_command() -> list[str]:
    """The console script next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).with_name("smpipe")
    found = str(beside) if beside.exists() else shutil.which("smpipe")
    if found is None:
        sys.exit("bench: smpipe is not installed (source scripts/venv.sh first)")
    return [found]


def child_env(tree: Path) -> dict[str, str]:
    """The environment of a measured process: ``tree``'s code first on the path, bytecode
    cached as a user's install caches it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH", "")]))
    return env


def run_child(command: list[str], tree: Path = ROOT) -> tuple[float, int, int, str, float]:
    """(wall seconds, peak RSS KiB, exit code, stderr, CPU seconds) of one process."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=errors, cwd=tree, env=child_env(tree)
        )
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        errors.seek(0)
        message = errors.read().decode(errors="replace")
    peak = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024
    return elapsed, peak, child.returncode, message, usage.ru_utime + usage.ru_stime


def measure_trees(
    label: str, steps: int, spec: Path, env: str, runs: int, out: Path, trees: list[Path]
) -> list[Measurement]:
    """One Measurement per tree; the trees take turns run by run (the order flips each
    round), so a load that comes and goes on the machine falls on all of them."""
    command = [*smpipe_command(), "compile", str(spec), "--env", env, "-o", str(out)]
    results = [Measurement(label, steps, [], 0, 0, "") for _ in trees]
    for tree in trees:
        run_child(command, tree)  # warm-up
    for round_ in range(runs):
        order = list(range(len(trees)))
        for index in order if round_ % 2 == 0 else reversed(order):
            elapsed, rss, code, message, cpu = run_child(command, trees[index])
            result = results[index]
            result.times.append(elapsed)
            result.cpu.append(cpu)
            result.peak_kib = max(result.peak_kib, rss)
            result.exit_code, result.stderr = code, message
    return results


def measure(label: str, steps: int, spec: Path, env: str, runs: int, out: Path) -> Measurement:
    return measure_trees(label, steps, spec, env, runs, out, [ROOT])[0]


# --- generated specs -----------------------------------------------------------------

ENV = """\
account: "111122223333"
region: eu-west-1
data_bucket: bench-bucket
role_arn: arn:aws:iam::111122223333:role/BenchRole
git_sha: bench
"""

HEADER = """\
version: 1
pipeline:
  name: bench-{steps}-steps
  role: ${{role_arn}}
  artifacts: s3://${{data_bucket}}/runtime
  code_bundle: CodeBundleUri
parameters:
  CodeBundleUri: {{type: String, default: "s3://${{data_bucket}}/code/${{git_sha}}/b.tar.gz"}}
  InputUri: {{type: String, default: "s3://${{data_bucket}}/input.csv"}}
  Threshold: {{type: Float, default: 0.5}}
images:
  sklearn: {{framework: sklearn, version: "1.2-1"}}
  xgboost: {{framework: xgboost, version: "1.7-1"}}
defaults:
  cache: {{enabled: true, expire_after: 30d}}
steps:
"""

PROCESSING = """\
  - name: {name}
    type: processing
    image: sklearn
    script: step.py
    arguments: [--index, "{index}"]
    inputs:
      - name: data
        source: {source}
        destination: /opt/ml/processing/input/data
    outputs:
      - name: data
        source: /opt/ml/processing/output/data
"""

TAIL = """\
  - name: Train
    type: training
    image: xgboost
    hyperparameters: {{objective: "binary:logistic", num_round: 10}}
    channels:
      - name: train
        source: {{step: {last}, output: data}}
        content_type: text/csv
  - name: Evaluate
    type: processing
    image: xgboost
    script: evaluate.py
    inputs:
      - name: model
        source: {{step: Train, output: model}}
        destination: /opt/ml/processing/model
    outputs:
      - name: evaluation
        source: /opt/ml/processing/evaluation
    property_files:
      - {{name: Report, output: evaluation, path: evaluation.json}}
  - name: Gate
    type: condition
    conditions:
      - left: {{json_get: {{step: Evaluate, property_file: Report, path: metrics.accuracy}}}}
        operator: GreaterThanOrEqualTo
        right: {{param: Threshold}}
    if_steps: [Register]
  - name: Register
    type: register
    model_data: {{step: Train, output: model}}
    image: xgboost
    model_package_group: bench-models
    content_types: [text/csv]
    response_types: [text/csv]
    model_metrics:
      model_statistics:
        source: {{step: Evaluate, output: evaluation}}
        file: evaluation.json
"""


def generate_spec(folder: Path, steps: int) -> Path:
    """A valid spec of ``steps`` steps: a chain of processing steps, then train, evaluate,
    the gate and the registration (4 steps), so at least 5 steps."""
    chain = steps - 4
    if chain < 1:
        raise ValueError("a generated spec has at least 5 steps")
    parts = [HEADER.format(steps=steps)]
    for index in range(1, chain + 1):
        source = "{param: InputUri}" if index == 1 else f"{{step: P{index - 1:04d}, output: data}}"
        parts.append(PROCESSING.format(name=f"P{index:04d}", index=index, source=source))
    parts.append(TAIL.format(last=f"P{chain:04d}"))
    (folder / "env").mkdir(exist_ok=True)
    (folder / "env" / "bench.yaml").write_text(ENV)
    spec = folder / f"chain-{steps}.yaml"
    spec.write_text("".join(parts))
    return spec


# --- imports -------------------------------------------------------------------------

IMPORT_PROBE = """
import json, sys
sys.argv = ["smpipe", "compile", sys.argv[1], "--env", "dev", "-o", sys.argv[2]]
from pipeline.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(out: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, str(TITANIC), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if not lines:
        sys.exit(f"bench: the import probe failed: {done.stderr.strip()}")
    modules: list[str] = json.loads(lines[-1])
    return modules


def slowest_imports(out: Path, count: int = 6) -> list[tuple[float, str]]:
    """Packages by cumulative import time (python -X importtime): for each top-level
    package, its slowest import line (which includes what that import pulled in)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORT_PROBE, str(TITANIC), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    slowest: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            slowest[package] = max(slowest.get(package, 0.0), int(parts[1]) / 1e6)
    return sorted(((s, p) for p, s in slowest.items()), reverse=True)[:count]


# --- the SDK comparison hook ---------------------------------------------------------


def sdk_section(runs: int) -> list[str]:
    """bench/sdk_build.py's own report (the SDK path next to smpipe compile), when that
    script exists and the SDK is installed in this interpreter."""
    script = ROOT / "bench" / "sdk_build.py"
    if not script.exists():
        return []
    if importlib.util.find_spec("sagemaker") is None:
        return ["(bench/sdk_build.py skipped: the sdk extra is not installed)"]
    done = subprocess.run(
        [sys.executable, str(script), "--runs", str(runs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return [
            f"(bench/sdk_build.py failed, exit {done.returncode}: {done.stderr.strip()[-300:]})"
        ]
    return ["SDK path, from bench/sdk_build.py:", *done.stdout.rstrip().splitlines()]


def profile(spec: Path, env: str, out: Path) -> str:
    """The compiler functions with the most cumulative time for one compile (cProfile)."""
    import pstats
    from io import StringIO

    stats_file = out.with_suffix(".prof")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(stats_file),
            *smpipe_command(),
            "compile",
            str(spec),
            "--env",
            env,
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if not stats_file.exists():
        return "(profiling failed)"
    text = StringIO()
    stats = pstats.Stats(str(stats_file), stream=text)
    stats.sort_stats("cumulative").print_stats(
        r"compiler/|jsonschema/validators|yaml/composer|json/encoder", 25
    )
    return text.getvalue()


def stages(spec: Path, env: str) -> list[tuple[str, float]]:
    """In-process seconds of each compiler stage for one spec (imports already paid), to
    show which one grows; the whole-process figures above are what users wait for."""
    from compiler.compile import check_spec_file
    from compiler.definition_check import check_definition
    from compiler.emit.definition import build_definition, dumps
    from compiler.loader import load_file
    from compiler.rules import SpecContext, run_rules

    timings: list[tuple[str, float]] = []

    def timed(label: str, work: Any) -> Any:
        start = time.perf_counter()
        value = work()
        timings.append((label, time.perf_counter() - start))
        return value

    timed("load YAML with positions (load_file)", lambda: load_file(spec))
    result = timed(
        "whole check (check_spec_file: load, model, rules, emit, schema, size)",
        lambda: check_spec_file(spec, env, resolve_variables=True),
    )
    if result.spec is None or result.variables is None:
        return timings
    values = result.variables.values
    timed("rules (run_rules)", lambda: run_rules(SpecContext(result.spec, values)))
    definition = timed(
        "emit (build_definition)", lambda: build_definition(result.spec, values["region"])
    )
    text = timed("canonical text (dumps)", lambda: dumps(definition))
    timed("schema + size (check_definition)", lambda: check_definition(definition, text))
    return timings


def compare(baseline: Path, sizes: list[int], runs: int) -> None:
    """This tree against ``baseline``: the Titanic spec (with the baseline's own copy, so
    each compiles the spec of its revision) and the generated chains (the same files)."""
    if not (baseline / "compiler").is_dir():
        sys.exit(f"bench: {baseline} is not a checkout of smpipe (no compiler/ in it)")
    trees = [baseline, ROOT]
    with tempfile.TemporaryDirectory(prefix="smpipe-bench-") as temporary:
        folder = Path(temporary)
        out = folder / "definition.json"
        cases = [("titanic-modelbuild", 5, Path("spec/titanic-modelbuild.yaml"), "dev")]
        cases += [("generated chain", size, generate_spec(folder, size), "bench") for size in sizes]
        rows = [measure_trees(*case, runs, out, trees) for case in cases]
    print(f"smpipe compile, whole process, medians of {runs} runs alternating between")
    print(f"  base: {baseline}\n  this: {ROOT}")
    print(
        f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})"
    )
    print()
    print(
        "| spec | steps | base s | this s | ratio | base CPU s | this CPU s | ratio | MiB base / this |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for base, this in rows:
        failed = [r for r in (base, this) if r.exit_code != 0]
        note = (
            " (failed: " + "; ".join(r.stderr.strip()[-120:] for r in failed) + ")"
            if failed
            else ""
        )
        print(
            f"| {this.label}{note} | {this.steps} | {base.median:.3f} | {this.median:.3f} "
            f"| {this.median / base.median:.2f} | {base.median_cpu:.3f} | {this.median_cpu:.3f} "
            f"| {this.median_cpu / base.median_cpu:.2f} "
            f"| {base.peak_kib / 1024:.0f} / {this.peak_kib / 1024:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per spec (5)")
    parser.add_argument("--sizes", default="10,100,1000", help="generated spec sizes")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument(
        "--no-sdk", dest="sdk", action="store_false", help="skip bench/sdk_build.py's figures"
    )
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        type=Path,
        help="another checkout (e.g. git worktree add --detach /tmp/base REV): compile the "
        "same specs with its code too, alternating, and print both with their ratios",
    )
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",") if size]
    if options.baseline is not None:
        compare(options.baseline.resolve(), sizes, options.runs)
        return

    with tempfile.TemporaryDirectory(prefix="smpipe-bench-") as temporary:
        folder = Path(temporary)
        out = folder / "definition.json"
        results = [measure("titanic-modelbuild", 5, TITANIC, "dev", options.runs, out)]
        for size in sizes:
            spec = generate_spec(folder, size)
            results.append(measure("generated chain", size, spec, "bench", options.runs, out))

        print(f"smpipe compile, whole process, best and median of {options.runs} runs")
        print(f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
        print()
        print("| spec | steps | median s | best s | median CPU s | peak MiB | ms per step |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in results:
            note = "" if r.exit_code == 0 else f" (exit {r.exit_code})"
            print(
                f"| {r.label}{note} | {r.steps} | {r.median:.3f} | {r.best:.3f} "
                f"| {r.median_cpu:.3f} | {r.peak_kib / 1024:.1f} | {1000 * r.median / r.steps:.2f} |"
            )
        print()
        print(TARGETS)
        base = results[0]
        # The marginal cost of a step between successive sizes: flat if compile is linear.
        # (A run that ends on a diagnostic has done all the work but the final write.)
        generated = results[1:]
        for smaller, larger in itertools.pairwise(generated):
            slope = (larger.median - smaller.median) / (larger.steps - smaller.steps)
            print(f"{smaller.steps} -> {larger.steps} steps: {1000 * slope:.2f} ms per added step")
        for r in results:
            if r.exit_code != 0:
                print(f"\n{r.label} {r.steps} steps failed (exit {r.exit_code}):")
                print("\n".join(r.stderr.strip().splitlines()[:6]))
        print(
            f"Titanic: {base.median:.3f} s median, {'under' if base.median < 0.5 else 'OVER'} 0.5 s"
        )

        print()
        modules = loaded_modules(out)
        bad = sorted({m for m in modules for f in FORBIDDEN if m == f or m.startswith(f + ".")})
        print(
            f"imports during `smpipe compile`: {len(modules)} modules; "
            + ("none of " + ", ".join(FORBIDDEN) if not bad else "FORBIDDEN: " + ", ".join(bad))
        )
        print(
            "slowest top-level imports (cumulative s): "
            + ", ".join(f"{name} {seconds:.3f}" for seconds, name in slowest_imports(out))
        )
        if options.sdk:
            print()
            print("\n".join(sdk_section(options.runs)))
        if sizes:
            largest = max(sizes)
            print()
            print(f"stages of the {largest}-step compile, in-process:")
            for label, seconds in stages(folder / f"chain-{largest}.yaml", "bench"):
                print(f"  {seconds:7.3f} s  {label}")
        if options.profile and sizes:
            print()
            print(f"cProfile of the {max(sizes)}-step compile (cumulative):")
            print(profile(folder / f"chain-{max(sizes)}.yaml", "bench", out))


if __name__ == "__main__":
    main()
