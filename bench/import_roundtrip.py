#!/usr/bin/env python3
"""Time of ``smpipe import``'s work (import + the round-trip compile) on the Titanic
definition and on generated definitions of growing size (a chain of processing and training
steps, each reading the one before), in this process, best of --runs.

    python bench/import_roundtrip.py [--sizes 10,50,200] [--runs 3]

Figures are printed, never asserted. Target: interactive (well under a second for the
pipelines people write, tens of steps); the round trip must hold for every size.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compiler.importer import import_definition  # noqa: E402
from compiler.importer.source import parse_source  # noqa: E402

TITANIC = ROOT / "tests" / "golden" / "titanic-modelbuild-dev.json"


def chain(size: int) -> dict[str, Any]:
    """The Titanic definition with its first two steps repeated ``size`` times in a chain."""
    base = json.loads(TITANIC.read_text())
    prep, train = base["Steps"][0], base["Steps"][1]
    steps = []
    previous = None
    for index in range(size):
        step = copy.deepcopy(prep if index % 2 == 0 else train)
        name = f"Step{index}"
        text = json.dumps(step).replace(f'"{step["Name"]}"', f'"{name}"')
        if previous is not None:
            text = text.replace("DataPreProcessing", previous)
        step = json.loads(text)
        step["Name"] = name
        steps.append(step)
        if step["Type"] == "Processing":
            previous = name
    base["Steps"] = steps
    return base


def timed(definition: dict[str, Any], runs: int) -> tuple[float, bool, int]:
    data = json.dumps(definition).encode()
    best, identical = float("inf"), False
    for _ in range(runs):
        start = time.perf_counter()
        result = import_definition(parse_source("bench.json", data), Path("spec/bench.yaml"))
        best = min(best, time.perf_counter() - start)
        identical = result.identical
    return best, identical, len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,200")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    cases = [("titanic (5 steps)", json.loads(TITANIC.read_text()))] + [
        (f"chain of {n} steps", chain(n)) for n in map(int, options.sizes.split(","))
    ]
    print(f"{'definition':<22} {'bytes':>9} {'import+round trip':>18} {'round trip':>11}")
    for label, definition in cases:
        seconds, identical, size = timed(definition, options.runs)
        verdict = "holds" if identical else "FAILS"
        print(f"{label:<22} {size:>9,} {seconds * 1000:>15.1f} ms {verdict:>11}")


if __name__ == "__main__":
    main()
