"""The model's inference script: the SageMaker inference toolkit's handler contract.

The scikit-learn serving container imports it (SAGEMAKER_PROGRAM) from the code bundle
(SAGEMAKER_SUBMIT_DIRECTORY) and calls model_fn once, then for each request (a batch
transform mini-batch) input_fn -> predict_fn -> output_fn. Requests are headless CSV
feature rows (train.py's features, no label); the answer is one survival probability a line.
"""

from __future__ import annotations

import io
import os
from typing import Any

import joblib
import numpy as np

MODEL_FILE = "model.joblib"  # what train.py saves into SM_MODEL_DIR


def model_fn(model_dir: str) -> Any:
    return joblib.load(os.path.join(model_dir, MODEL_FILE))


def input_fn(request_body: Any, content_type: str) -> np.ndarray:
    if content_type.split(";")[0].strip() != "text/csv":
        raise ValueError("unsupported content type {!r}: send text/csv".format(content_type))
    text = request_body.decode("utf-8") if isinstance(request_body, bytes) else request_body
    return np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2)


def predict_fn(data: np.ndarray, model: Any) -> np.ndarray:
    return model.predict_proba(data)[:, 1]


def output_fn(prediction: np.ndarray, accept: str) -> str:
    if accept.split(";")[0].strip() not in ("text/csv", "*/*"):
        raise ValueError("unsupported accept type {!r}: ask for text/csv".format(accept))
    return "".join("{:.6f}\n".format(value) for value in prediction)
