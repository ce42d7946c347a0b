"""A detached runner: ``python -m pipeline.local.runner STATE_DIR EXECUTION_ARN
[--max-parallel N] [--pipeline-max-parallel N]``.

``smpipe start`` (and ``run --no-wait``) claim the execution for this process and leave it
running after they return. SIGTERM stops the execution as ``smpipe stop`` would.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from pipeline.local.engine import ExecutionEngine
from pipeline.local.home import LocalHome


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.local.runner")
    parser.add_argument("state_dir", type=Path)
    parser.add_argument("execution_arn")
    parser.add_argument("--max-parallel", type=int, default=None)
    parser.add_argument("--pipeline-max-parallel", type=int, default=None)
    args = parser.parse_args(argv[1:])
    home = LocalHome(args.state_dir)
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    engine = ExecutionEngine(
        home,
        args.execution_arn,
        stop,
        max_parallel=args.max_parallel,
        pipeline_max_parallel=args.pipeline_max_parallel,
    )
    return 0 if engine.run() == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
