"""Wall time of the second shipped pipeline (spec/examples/titanic-tuning.yaml) on the local engine,
with the figures it produces:

    python bench/tuning_run.py [--runs N]

A cold run (fresh state directory) and a re-run of the same definition, each a separate
``smpipe run`` process measured by bench/local_run.py's measuring child; then the number of
tuning jobs, the best job's validation accuracy (the tuning objective) and the test accuracy
of the batch-transform predictions (what the registered model package carries).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import local_run

SPEC = "examples/titanic-tuning.yaml"


def prepare(workdir: Path) -> tuple[Path, Path]:
    from titanic_support import seed_titanic

    seeded = seed_titanic(workdir, workdir / "state", spec=SPEC)
    definition = workdir / f"{seeded.compiled.pipeline_name}.json"
    definition.write_text(seeded.compiled.text)
    return definition, workdir / "state"


def figures(state: Path) -> dict[str, object]:
    from pipeline.local.backend import LocalBackend

    backend = LocalBackend(state)
    latest = backend.list_executions()[0]
    steps = {step.name: step for step in backend.list_steps(latest.arn)}
    rows = {row["name"]: row for row in backend.home.state.steps(latest.arn)}
    tuning = json.loads(rows["TuneModel"]["properties"])
    best = tuning["BestTrainingJob"]
    package = steps["RegisterModel"].metadata.get("ModelPackageArn", "")
    return {
        "status": latest.status,
        "cache hits": sum(1 for step in steps.values() if step.cache_source_execution),
        "tuning jobs": len(tuning["TrainingJobSummaries"]),
        "best validation accuracy": best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
        "best hyperparameters": best["TunedHyperParameters"],
        "test accuracy": backend.describe_model_package(package).metrics.get("accuracy")
        if package
        else None,
        "registered": package,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repeat the cold+cached pair")
    args = parser.parse_args()
    walls: dict[str, list[float]] = {"cold": [], "cached": []}
    found: dict[str, object] = {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="smpipe-bench-") as tmp:
            definition, state = prepare(Path(tmp))
            for kind in ("cold", "cached"):
                measured = local_run.timed(["run", str(definition), "--state-dir", str(state)])
                walls[kind].append(float(measured["wall"]))
                found = figures(state)
                print(f"{kind:<7} {measured['wall']:>8.2f} s  {found['status']}  "
                      f"cache hits {found['cache hits']}")  # fmt: skip
    print(f"\nmedian wall: cold {statistics.median(walls['cold']):.2f} s, "
          f"cached {statistics.median(walls['cached']):.2f} s")  # fmt: skip
    for key in ("tuning jobs", "best validation accuracy", "best hyperparameters",
                "test accuracy", "registered"):  # fmt: skip
        print(f"{key + ':':<26} {found[key]}")


if __name__ == "__main__":
    main()
