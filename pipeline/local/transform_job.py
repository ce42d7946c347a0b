"""The transform job's process: ``python -m pipeline.local.transform_job JOB.json``.

It loads the model as its serving container would and scores every input object with
``batch_transform``'s file semantics. A framework model (SAGEMAKER_PROGRAM set) follows the
inference toolkit's handler contract: ``model_fn(model_dir)`` once, then per request
``input_fn(body, content_type)`` -> ``predict_fn(data, model)`` -> ``output_fn(prediction,
accept)`` (or ``transform_fn``), with the scikit-learn container's defaults for the ones the
script leaves out. A built-in XGBoost model (``xgboost-model``) answers one score a record.
A failure's reason goes to the job's failure file, as SageMaker's containers do.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from pipeline.local.batch_transform import Settings, TransformError, transform_object


def _framework_handler(job: dict[str, Any]) -> Any:
    import numpy as np

    sys.path.insert(0, job["code_dir"])
    module = importlib.import_module(Path(job["program"]).stem)
    model_fn = getattr(module, "model_fn", None)
    if model_fn is None:
        raise TransformError(f"{job['program']} defines no model_fn(model_dir)")
    model = model_fn(job["model_dir"])
    content_type, accept = job["content_type"], job["accept"]
    transform_fn = getattr(module, "transform_fn", None)

    def default_input(body: str, kind: str) -> Any:
        return np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)

    def default_predict(data: Any, loaded: Any) -> Any:
        return loaded.predict(data)

    def default_output(prediction: Any, kind: str) -> str:
        rows = np.asarray(prediction)
        rows = rows.reshape(len(rows), -1) if rows.ndim else rows.reshape(1, 1)
        return "".join(",".join(f"{v:g}" for v in row) + "\n" for row in rows)

    input_fn = getattr(module, "input_fn", default_input)
    predict_fn = getattr(module, "predict_fn", default_predict)
    output_fn = getattr(module, "output_fn", default_output)

    def handle(body: str) -> str:
        if transform_fn is not None:
            answer = transform_fn(model, body, content_type, accept)
        else:
            answer = output_fn(predict_fn(input_fn(body, content_type), model), accept)
        if isinstance(answer, tuple):  # (body, content type), as the toolkit allows
            answer = answer[0]
        return answer.decode("utf-8") if isinstance(answer, bytes) else str(answer)

    return handle


def _xgboost_handler(job: dict[str, Any]) -> Any:
    import numpy as np
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(str(Path(job["model_dir"]) / "xgboost-model"))
    booster.set_param("nthread", "1")

    def handle(body: str) -> str:
        data = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)
        scores = booster.predict(xgb.DMatrix(data, nthread=1))
        return "".join(f"{float(s):g}\n" for s in np.ravel(scores))

    return handle


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[1]).read_text())
    failure_file = Path(job["failure_file"])
    try:
        handler = _framework_handler(job) if job.get("program") else _xgboost_handler(job)
        settings = Settings(**job["settings"])
        output = Path(job["output_dir"])
        for source, relative in job["inputs"]:
            text = Path(source).read_text(encoding="utf-8")
            target = output / f"{relative}.out"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(transform_object(text, handler, settings), encoding="utf-8")
            print(f"transformed {relative} -> {relative}.out", flush=True)
    except TransformError as error:
        failure_file.write_text(f"ClientError: {error}")
        print(f"ClientError: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the model's own code failed: keep the traceback in the log
        traceback.print_exc()
        failure_file.write_text(f"AlgorithmError: {type(error).__name__}: {error}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
