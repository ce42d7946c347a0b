"""Whole-process time and peak memory of ``smpipe run`` on the Titanic pipeline, locally.

Measures a cold run (fresh state directory) and a fully cached re-run, each as a separate
``smpipe run`` process, and prints them with the validation metrics:

    python bench/local_run.py [--runs N]

Peak RSS is the largest single process of the run's tree (the command or one of its step
jobs), from ``getrusage(RUSAGE_CHILDREN)`` in a fresh measuring process per run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"cold": 15.0, "cached": 3.0}
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]


def measure(command: list[str]) -> None:
    """Child mode: run ``command`` and print its wall time and peak RSS as JSON."""
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "peak_mib": peak_kib / 1024,
                "rc": completed.returncode,
                "stdout": completed.stdout,
                "stderr": completed.stderr,
            }
        )
    )


def timed_run(definition: Path, state: Path) -> dict[str, object]:
    run = [*SMPIPE, "run", str(definition), "--state-dir", str(state)]
    result = subprocess.run(
        [sys.executable, __file__, "--measure", "--", *run],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    measured: dict[str, object] = json.loads(result.stdout)
    if measured["rc"] != 0:
        sys.exit(f"smpipe run failed:\n{measured['stdout']}\n{measured['stderr']}")
    return measured


def prepare(workdir: Path) -> tuple[Path, Path]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repeat the cold+cached pair")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.command)
        return

    rows = []
    metrics: dict[str, float] = {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="smpipe-bench-") as tmp:
            definition, state = prepare(Path(tmp))
            for kind in ("cold", "cached"):
                measured = timed_run(definition, state)
                status, hits, metrics = summarise(state)
                rows.append(
                    (kind, float(measured["wall"]), float(measured["peak_mib"]), status, hits)
                )  # type: ignore[arg-type]

    print(
        f"{'run':<8} {'wall (s)':>9} {'peak RSS (MiB)':>15}  {'status':<10} {'cache hits':>10}  target"
    )
    for kind, wall, peak, status, hits in rows:
        verdict = "ok" if wall < TARGETS[kind] else "MISSED"
        print(
            f"{kind:<8} {wall:>9.2f} {peak:>15.1f}  {status:<10} {hits:>10}  < {TARGETS[kind]:g} s {verdict}"
        )
    print("\nvalidation metrics (evaluation.json):")
    for name, value in metrics.items():
        print(f"  {name:<10} {value:.4f}")


if __name__ == "__main__":
    main()
