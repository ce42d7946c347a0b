"""Whole-process cost of the SDK path next to ``smpipe compile``, for the Titanic spec.

Each run is a fresh Python process, as a user or CI pays it:
  compile: ``smpipe compile SPEC --env ENV -o FILE``
  sdk:     import the SageMaker SDK v3, build the Pipeline from the spec (compiler's loader
           and models, then ``compiler.emit_sdk``) and call ``definition()``; the child
           also reports its phases (import, build, definition).
Prints the median and best wall times over --runs and the ratio sdk / compile.

    python bench/sdk_build.py [--runs 5] [--spec spec/titanic-modelbuild.yaml] [--env dev]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SDK_CHILD = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from compiler.compile import check_spec_file
from compiler.emit_sdk import build_sdk_pipeline, offline_sdk, sdk_definition
spec_path, env = Path(sys.argv[1]), sys.argv[2]
checked = check_spec_file(spec_path, env, {}, resolve_variables=True)
region = checked.variables.values["region"]
loaded = time.perf_counter()
with offline_sdk(region):
    import sagemaker.mlops.workflow.pipeline, sagemaker.serve.model_builder  # noqa: F401
    import sagemaker.train.model_trainer, sagemaker.core.processing  # noqa: F401
imported = time.perf_counter()
pipeline = build_sdk_pipeline(checked.spec, region)
built = time.perf_counter()
text = sdk_definition(pipeline, region)
defined = time.perf_counter()
print(json.dumps({"load_spec": loaded - started, "import_sdk": imported - loaded,
                  "build": built - imported, "definition": defined - built,
                  "bytes": len(text)}))
"""


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--spec", default="spec/titanic-modelbuild.yaml")
    parser.add_argument("--env", default="dev")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        out = str(Path(scratch) / "definition.json")
        compile_cmd = [python, "-c", "from pipeline.cli import main; main()",
                       "compile", args.spec, "--env", args.env, "-o", out]  # fmt: skip
        sdk_cmd = [python, "-c", SDK_CHILD, args.spec, args.env]
        timed(compile_cmd)  # warm the file cache once for both
        timed(sdk_cmd)
        compile_times, sdk_times, phases = [], [], []
        for _ in range(args.runs):
            compile_times.append(timed(compile_cmd)[0])
            elapsed, stdout = timed(sdk_cmd)
            sdk_times.append(elapsed)
            phases.append(json.loads(stdout.strip().splitlines()[-1]))

    def line(name: str, values: list[float]) -> str:
        return f"{name:<34} median {statistics.median(values):6.2f} s   best {min(values):6.2f} s"

    print(f"{args.spec} --env {args.env}, {args.runs} runs, whole process each")
    print(line("smpipe compile", compile_times))
    print(line("SDK: import + build + definition()", sdk_times))
    for phase in ("load_spec", "import_sdk", "build", "definition"):
        print(line(f"  in-process {phase}", [p[phase] for p in phases]))
    ratio = statistics.median(sdk_times) / statistics.median(compile_times)
    print(f"ratio SDK path / smpipe compile (medians): {ratio:.1f}x")


if __name__ == "__main__":
    main()
