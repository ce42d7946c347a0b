"""The training job's process: ``python -m pipeline.local.training_job JOB.json``.

It calls the built-in XGBoost emulation and, like SageMaker's containers, writes the reason
of a failure to ``/opt/ml/output/failure`` (in the sandbox) for the step's FailureReason.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[1]).read_text())
    failure_file = Path(job["failure_file"])
    try:
        from pipeline.local.xgboost_algorithm import AlgorithmError, Channel, train
    except ImportError as error:
        failure_file.write_text(f"the XGBoost emulation cannot load: {error}")
        print(f"smpipe: cannot load the XGBoost emulation: {error}", file=sys.stderr)
        return 2
    channels = {
        name: Channel(path=Path(spec["path"]), content_type=spec["content_type"] or "libsvm")
        for name, spec in job["channels"].items()
    }
    try:
        train(channels, job["hyperparameters"], Path(job["model_dir"]), sys.stdout)
    except AlgorithmError as error:
        # "ClientError: ..." or "AlgorithmError: ...", as SageMaker's FailureReason says.
        failure_file.write_text(error.failure_reason)
        print(error.failure_reason, file=sys.stderr)
        return 1
    except Exception as error:  # a bug in the emulation: keep the traceback in the log
        traceback.print_exc()
        failure_file.write_text(f"AlgorithmError: {type(error).__name__}: {error}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
