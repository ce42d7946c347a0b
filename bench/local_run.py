"""Whole-process time and peak memory of ``smpipe`` on the local engine.

    python bench/local_run.py [--runs N]                 # Titanic: cold run, fully cached re-run
    python bench/local_run.py --mode wide [--runs N]     # chains and fan-outs of no-op steps
    python bench/local_run.py --mode state [--runs N]    # state growth: 200 runs, 10,000 seeded

Every figure is the median of ``--runs`` repetitions (the machine is shared: use 3 or more);
"cpu" is the user+system time of the command's process tree, which contention inflates less.

- titanic: a cold run (fresh state directory) and a fully cached re-run, each a separate
  ``smpipe run`` process; peak RSS is the largest single process of the run's tree (the command
  or one of its step jobs), from ``getrusage(RUSAGE_CHILDREN)`` in a fresh measuring process.
- wide: pipelines of 5, 20 and 50 processing steps running a no-op script (no cache), as a
  chain (each DependsOn the one before) and as a fan-out (all independent); each a separate
  ``smpipe run`` process. "engine/step" is the chain's execution time per step less what as
  many ``python noop.py`` run one after the other take just before: what the engine adds.
- state: 200 executions of a small cached pipeline in one process (the time of the first and
  last 20, and the state's bytes per execution), then 10,000 executions seeded into the
  state, and the whole-process time of ``smpipe steps latest``, ``smpipe executions`` and a
  cached re-run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGETS = {"cold": 15.0, "cached": 0.2, "engine/step": 0.040, "steps latest": 0.3}
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]
WIDTHS = (5, 20, 50)
# smpipe runs as an installed package does: with its bytecode cached (pip writes it at
# install), even where the shell sets PYTHONDONTWRITEBYTECODE (the first run writes it).
BYTECODE_OFF = "PYTHONDONTWRITEBYTECODE"
NOOP = "pass\n"


def measure(command: list[str]) -> None:
    """Child mode: run ``command`` and print its wall time and peak RSS as JSON."""
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kib = usage.ru_maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mib": peak_kib / 1024,
                "rc": completed.returncode,
                "stdout": completed.stdout,
                "stderr": completed.stderr,
            }
        )
    )


def timed(args: list[str], *, check: bool = True) -> dict[str, Any]:
    """``smpipe ARGS`` in a fresh measuring process: wall time, peak RSS, output."""
    result = subprocess.run(
        [sys.executable, __file__, "--measure", "--", *SMPIPE, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != BYTECODE_OFF},
    )
    measured: dict[str, Any] = json.loads(result.stdout)
    if check and measured["rc"] != 0:
        sys.exit(f"smpipe {' '.join(args)} failed:\n{measured['stdout']}\n{measured['stderr']}")
    return measured


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(value: float, target: float) -> str:
    return f"< {target:g} {'ok' if value < target else 'MISSED'}"


# ---- titanic ----
def prepare_titanic(workdir: Path) -> tuple[Path, Path]:
    """Bundle the step code, compile the spec for it, seed a fresh object store."""
    from compiler.compile import compile_spec_file
    from pipeline.bundle.build import build_bundle
    from pipeline.local.store import ObjectStore

    bundle = build_bundle(ROOT / "pipeline" / "code", workdir / "bundle")
    compiled = compile_spec_file(
        ROOT / "spec" / "titanic-modelbuild.yaml", env="dev", variables={"git_sha": bundle.version}
    )
    definition = workdir / f"{compiled.pipeline_name}.json"
    definition.write_text(compiled.text)
    parameters = {p["Name"]: p.get("DefaultValue") for p in compiled.definition["Parameters"]}
    state = workdir / "state"
    store = ObjectStore(state / "s3")
    store.put_file(bundle.path, str(parameters["CodeBundleUri"]))
    store.put_file(ROOT / "data/curated/train.csv", str(parameters["InputTrainUri"]))
    store.put_file(ROOT / "data/curated/validation.csv", str(parameters["InputValidationUri"]))
    return definition, state


def summarise(state: Path) -> tuple[str, int, dict[str, float]]:
    from pipeline.local.backend import LocalBackend

    backend = LocalBackend(state)
    latest = backend.list_executions()[0]
    steps = backend.list_steps(latest.arn)
    hits = sum(1 for step in steps if step.cache_source_execution)
    metrics: dict[str, float] = {}
    for _, _, document in backend.property_file_reports(latest.arn):
        metrics.update(
            {k: v for k, v in document.get("metrics", {}).items() if isinstance(v, float)}
        )
    return latest.status, hits, metrics


def bench_titanic(runs: int) -> None:
    walls: dict[str, list[float]] = {"cold": [], "cached": []}
    cpus: dict[str, list[float]] = {"cold": [], "cached": []}
    peaks: dict[str, list[float]] = {"cold": [], "cached": []}
    metrics: dict[str, float] = {}
    print(
        f"{'run':<8} {'wall (s)':>9} {'cpu (s)':>8} {'peak RSS (MiB)':>15}  {'status':<10} "
        f"{'cache hits':>10}"
    )
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="smpipe-bench-") as tmp:
            definition, state = prepare_titanic(Path(tmp))
            for kind in ("cold", "cached"):
                measured = timed(["run", str(definition), "--state-dir", str(state)])
                status, hits, metrics = summarise(state)
                walls[kind].append(float(measured["wall"]))
                cpus[kind].append(float(measured["cpu"]))
                peaks[kind].append(float(measured["peak_mib"]))
                print(
                    f"{kind:<8} {measured['wall']:>9.3f} {measured['cpu']:>8.3f} "
                    f"{measured['peak_mib']:>15.1f}  {status:<10} {hits:>10}"
                )
    print(f"\nmedian of {runs} run(s):")
    for kind in ("cold", "cached"):
        wall = median(walls[kind])
        print(
            f"  {kind:<8} {wall:>7.3f} s  (cpu {median(cpus[kind]):.3f} s)  "
            f"peak {median(peaks[kind]):6.1f} MiB  {verdict(wall, TARGETS[kind])}"
        )
    print("\nvalidation metrics (evaluation.json):")
    for name, value in metrics.items():
        print(f"  {name:<10} {value:.4f}")


# ---- wide pipelines of no-op steps ----
def wide_definition(width: int, shape: str) -> str:
    from local_support import BUCKET, definition, processing_step

    steps = []
    for index in range(width):
        after = [f"Noop{index - 1:02d}"] if shape == "chain" and index else None
        steps.append(processing_step(f"Noop{index:02d}", "noop.py", cache=False, depends_on=after))
    code = {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": f"{BUCKET}/code/noop.tar.gz"}
    return definition(steps, [code])


def seed_noop_bundle(state: Path, workdir: Path) -> None:
    from local_support import BUCKET, make_bundle

    from pipeline.local.store import ObjectStore

    bundle = make_bundle(workdir / "noop.tar.gz", {"noop.py": NOOP})
    ObjectStore(state / "s3").put_file(bundle, f"{BUCKET}/code/noop.tar.gz")


def execution_seconds(state: Path) -> float:
    with sqlite3.connect(state / "state.db") as db:
        started, ended = db.execute(
            "SELECT started, ended FROM executions ORDER BY created DESC LIMIT 1"
        ).fetchone()
    from datetime import datetime

    return (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def plain_chain(script: Path, width: int) -> tuple[float, float]:
    """``width`` no-op jobs one after the other, started directly (wall, cpu): what the
    chain's jobs cost by themselves, measured in the same moment as the chain."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    started, cpu = time.perf_counter(), children_cpu()
    for _ in range(width):
        subprocess.run([sys.executable, str(script)], check=True, env=env)
    return time.perf_counter() - started, children_cpu() - cpu


def bench_wide(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="smpipe-bench-") as tmp:
        workdir = Path(tmp)
        script = workdir / "noop.py"
        script.write_text(NOOP)
        print(
            f"{'pipeline':<14} {'wall (s)':>9} {'cpu (s)':>8} {'execution (s)':>14} "
            f"{'per step (ms)':>14} {'engine/step wall':>17} {'cpu':>6}"
        )
        overheads: dict[int, float] = {}
        for shape in ("chain", "fanout"):
            for width in WIDTHS:
                definition = workdir / f"{shape}{width}.json"
                definition.write_text(wide_definition(width, shape))
                walls, cpus, executions, extra_walls, extra_cpus = [], [], [], [], []
                for run in range(runs):
                    state = workdir / f"state-{shape}{width}-{run}"
                    seed_noop_bundle(state, workdir)
                    plain_wall, plain_cpu = (
                        plain_chain(script, width) if shape == "chain" else (0, 0)
                    )
                    measured = timed(["run", str(definition), "--state-dir", str(state)])
                    walls.append(float(measured["wall"]))
                    cpus.append(float(measured["cpu"]))
                    executions.append(execution_seconds(state))
                    extra_walls.append((executions[-1] - plain_wall) / width)
                    extra_cpus.append((cpus[-1] - plain_cpu) / width)
                execution = median(executions)
                engine = ""
                if shape == "chain":
                    overheads[width] = median(extra_walls)
                    engine = (
                        f"{overheads[width] * 1000:>14.1f} ms {median(extra_cpus) * 1000:>5.1f}"
                    )
                print(
                    f"{shape + ' ' + str(width):<14} {median(walls):>9.3f} {median(cpus):>8.3f} "
                    f"{execution:>14.3f} {execution / width * 1000:>14.1f} {engine}"
                )
        print(
            "\nengine/step: a chain's execution time (and the command's cpu) per step, less the "
            "same number of `python noop.py` run one after the other just before it"
        )
        for width, overhead in overheads.items():
            print(
                f"  chain {width:<3} {overhead * 1000:6.1f} ms  "
                f"{verdict(overhead * 1000, TARGETS['engine/step'] * 1000)} ms"
            )


# ---- state growth ----
def small_cached_definition() -> str:
    from local_support import score_pipeline

    return score_pipeline()


def seed_executions(state: Path, total: int) -> int:
    """Copy the newest execution (and its steps) until the state holds ``total`` executions."""
    with sqlite3.connect(state / "state.db") as db:
        have = db.execute("SELECT COUNT(*) FROM executions").fetchone()[0]
        (source,) = db.execute("SELECT arn FROM executions ORDER BY created LIMIT 1").fetchone()
        columns = [row[1] for row in db.execute("PRAGMA table_info(executions)")]
        step_columns = [row[1] for row in db.execute("PRAGMA table_info(steps)")]
        row = db.execute("SELECT * FROM executions WHERE arn = ?", (source,)).fetchone()
        steps = db.execute("SELECT * FROM steps WHERE execution_arn = ?", (source,)).fetchall()
        base = dict(zip(columns, row, strict=True))
        for index in range(total - have):
            execution_id = f"seed{index:08d}"
            arn = base["arn"].rsplit("/", 1)[0] + "/" + execution_id
            # Older than every real execution, so `latest` is still the newest real one.
            created = f"2000-01-01T00:00:00.{index:06d}+00:00"
            values = {**base, "arn": arn, "id": execution_id, "created": created}
            db.execute(
                f"INSERT INTO executions ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                [values[c] for c in columns],
            )
            for step in steps:
                step_values = {**dict(zip(step_columns, step, strict=True)), "execution_arn": arn}
                db.execute(
                    f"INSERT INTO steps ({', '.join(step_columns)}) "
                    f"VALUES ({', '.join('?' for _ in step_columns)})",
                    [step_values[c] for c in step_columns],
                )
        return int(total - have)


def bench_state(runs: int) -> None:
    from local_support import seed_all

    from pipeline.local.backend import LocalBackend

    with tempfile.TemporaryDirectory(prefix="smpipe-bench-") as tmp:
        workdir = Path(tmp)
        state = workdir / "state"
        seed_all(state, workdir)
        definition = workdir / "toy.json"
        definition.write_text(small_cached_definition())
        backend = LocalBackend(state)
        backend.upsert("toy", definition.read_text(), "role", None)
        times = []
        for _ in range(200):
            started = time.perf_counter()
            arn = backend.start("toy", {})
            backend.wait(arn)
            times.append(time.perf_counter() - started)
            if backend.describe_execution(arn).status != "Succeeded":
                sys.exit(f"execution {arn} did not succeed: {backend.describe_execution(arn)}")
        size = sum(p.stat().st_size for p in state.glob("state.db*"))
        print("200 executions of Score (cached) -> Gate -> Register, in one process:")
        print(f"  first 20 (median)  {median(times[1:21]) * 1000:7.1f} ms per execution")
        print(f"  last 20 (median)   {median(times[-20:]) * 1000:7.1f} ms per execution")
        print(f"  state.db           {size / 200 / 1024:7.1f} KiB per execution\n")
        seeded = seed_executions(state, 10_000)
        size = sum(p.stat().st_size for p in state.glob("state.db*"))
        print(f"seeded {seeded} executions: 10,000 in the state ({size / 1e6:.1f} MB)")
        commands = {
            "steps latest": ["steps", "latest"],
            "executions": ["executions"],
            "cached re-run": ["run", str(definition), "--name", "toy"],
        }
        for label, args in commands.items():
            measured = [timed([*args, "--state-dir", str(state)]) for _ in range(runs)]
            wall = median([float(m["wall"]) for m in measured])
            cpu = median([float(m["cpu"]) for m in measured])
            target = TARGETS.get(label)
            note = verdict(wall, target) if target else ""
            print(f"  {label:<14} {wall:7.3f} s  (cpu {cpu:.3f} s)  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mode", choices=("titanic", "wide", "state"), default="titanic")
    parser.add_argument("--runs", type=int, default=3, help="repetitions (medians are shown)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.command)
        return
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    {"titanic": bench_titanic, "wide": bench_wide, "state": bench_state}[args.mode](args.runs)


if __name__ == "__main__":
    main()
