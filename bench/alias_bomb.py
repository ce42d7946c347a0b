#!/usr/bin/env python3
"""Time and peak memory of ``smpipe validate`` and ``smpipe compile`` on hostile YAML:
alias bombs ("billion laughs") of growing depth, merge-key bombs, deep nesting, a recursive
alias and a file at the size limit.

    python bench/alias_bomb.py [--depths 1,3,6,9,12,20]

Each run is a fresh process (interpreter start included); its peak RSS comes from
``os.wait4``. Figures are printed, never asserted. Target (issue #11): every run ends with
a clean error (or ok) within a second and a few tens of MiB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = "target: < 1 s and a few tens of MiB per run; a clean [yaml-limit] error, no traceback"


def measure(command: list[str]) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak MiB, exit status, rule) of one fresh process. CPU
    time (user + system) stays meaningful on a loaded machine, where wall time does not."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.stdout.close()
    rule = next((part for part in output.split() if part.startswith("[yaml-")), "")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", default="1,3,6,9,12,20")
    args = parser.parse_args()
    depths = [int(d) for d in args.depths.split(",")]
    # (label, generator in bench/hostile.py and its arguments); None: the Titanic spec.
    cases: list[tuple[str, list[str] | None]] = [("Titanic spec (baseline)", None)]
    cases += [(f"alias bomb depth {d} (9**{d} values)", ["alias_bomb", str(d)]) for d in depths]
    cases += [(f"merge-key bomb depth {d}", ["merge_bomb", str(d)]) for d in depths]
    cases += [
        ("flow nesting 100,000 deep", ["deep_nesting", "100000"]),
        ("block nesting 1,000 deep", ["deep_block_nesting", "1000"]),
        ("recursive alias", ["recursive_alias"]),
        ("1 MiB line (at the size limit)", ["long_line", "1048000"]),
        ("2 MiB line (over the size limit)", ["long_line", "2097152"]),
    ]
    smpipe = [sys.executable, "-c", "from pipeline.cli import main; main()"]
    print(TARGETS)
    print(f"{'case':44} {'command':9} {'wall s':>7} {'CPU s':>6} {'peak MiB':>9} {'exit':>5}  rule")
    worst_time = worst_cpu = worst_memory = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for label, generator in cases:
            spec = ROOT / "spec" / "titanic-modelbuild.yaml"
            if generator is not None:
                spec = Path(folder) / "spec.yaml"
                with spec.open("w") as stream:  # written by a child: see bench/hostile.py
                    subprocess.run(
                        [sys.executable, str(ROOT / "bench" / "hostile.py"), *generator],
                        stdout=stream,
                        check=True,
                    )
            for command in ("validate", "compile"):
                extra = ["--var", "region=eu-west-1"] if generator else ["--env", "dev"]
                extra = extra if command == "compile" else []
                seconds, cpu, mib, code, rule = measure([*smpipe, command, str(spec), *extra])
                worst_time, worst_cpu = max(worst_time, seconds), max(worst_cpu, cpu)
                worst_memory = max(worst_memory, mib)
                print(
                    f"{label:44} {command:9} {seconds:7.2f} {cpu:6.2f} {mib:9.1f} {code:5}  {rule}"
                )
    print(f"worst: {worst_time:.2f} s wall, {worst_cpu:.2f} s CPU, {worst_memory:.1f} MiB peak RSS")


if __name__ == "__main__":
    main()
