"""Run one Lambda handler the way the Lambda Python runtime calls it: ``handler(event,
context)``, the event a JSON object, the returned value JSON. The local engine starts this
module in a process of its own (``python -m pipeline.local.lambda_host``), so a handler that
hangs, crashes or leaks is stopped or reaped like any job.

Usage: python -m pipeline.local.lambda_host CODE_DIR FILE FUNCTION EVENT_JSON RESULT_JSON
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any


class LambdaContext:
    """The attributes and method of the runtime's context object that handlers use."""

    def __init__(self, function_arn: str, timeout_seconds: float) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.split(":function:", 1)[-1].split(":", 1)[0]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = "128"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main(argv: list[str]) -> int:
    code_dir, file_name, function_name, event_path, result_path = argv
    path = Path(code_dir) / file_name
    sys.path.insert(0, str(path.parent))
    sys.path.insert(0, code_dir)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        print(f"cannot load {file_name} from the code bundle", flush=True)
        return 2
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = getattr(module, function_name, None)
    if not callable(handler):
        print(f"{file_name} has no function {function_name!r}", flush=True)
        return 2
    event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    context = LambdaContext(
        os.environ.get("SMPIPE_LAMBDA_FUNCTION_ARN", ""),
        float(os.environ.get("SMPIPE_LAMBDA_TIMEOUT", "120")),
    )
    try:
        result: Any = handler(event, context)
    except Exception as error:  # reported like the runtime's errorType/errorMessage
        traceback.print_exc()
        print(f"{type(error).__name__}: {error}", flush=True)
        return 1
    Path(result_path).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
