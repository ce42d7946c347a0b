"""A detached runner: ``python -m pipeline.local.runner STATE_DIR EXECUTION_ARN``.

``smpipe start`` (and ``run --no-wait``) claim the execution for this process and leave it
running after they return. SIGTERM stops the execution as ``smpipe stop`` would.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from pipeline.local.engine import ExecutionEngine
from pipeline.local.home import LocalHome


def main(argv: list[str]) -> int:
    home = LocalHome(Path(argv[1]))
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    status = ExecutionEngine(home, argv[2], stop).run()
    return 0 if status == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
