"""Evaluate: score the trained model on the validation set and write evaluation.json.

Runs in SageMaker's XGBoost 1.7-1 container (Python 3.8+, numpy, pandas, xgboost) and on
smpipe's local engine: keep the syntax Python 3.8's.

Inputs:  /opt/ml/processing/model/model.tar.gz        Train's artifact, holding xgboost-model
         /opt/ml/processing/validation/*.csv           Preprocess's label-first, headerless CSV
Output:  /opt/ml/processing/evaluation/evaluation.json
         {"metrics": {"accuracy", ...}}           <- the AccuracyGate reads metrics.accuracy
         {"binary_classification_metrics": {...}} <- SageMaker's model-quality format (registry)
Paths are under $SMPIPE_CONTAINER_ROOT when it is set (smpipe's local engine).
"""

import glob
import json
import os
import sys
import tarfile
import tempfile

import numpy as np
import pandas as pd
import xgboost as xgb

MODEL_NAME = "xgboost-model"  # what the built-in XGBoost algorithm saves
CUT_OFF = 0.5


def container_path(path):
    return os.path.join(os.environ.get("SMPIPE_CONTAINER_ROOT", "/"), path.lstrip("/"))


def load_booster(folder):
    archive = os.path.join(folder, "model.tar.gz")
    if not os.path.isfile(archive):
        sys.exit("evaluate.py: error: no model.tar.gz in {}".format(folder))
    with tempfile.TemporaryDirectory() as scratch:
        with tarfile.open(archive) as tar:
            if MODEL_NAME not in tar.getnames():
                sys.exit("evaluate.py: error: {}: no {} inside".format(archive, MODEL_NAME))
            tar.extract(MODEL_NAME, scratch)
        booster = xgb.Booster()
        booster.load_model(os.path.join(scratch, MODEL_NAME))
    return booster


def main():
    booster = load_booster(container_path("/opt/ml/processing/model"))
    paths = sorted(
        glob.glob(os.path.join(container_path("/opt/ml/processing/validation"), "*.csv"))
    )
    if not paths:
        sys.exit("evaluate.py: error: no validation CSV")
    data = pd.concat([pd.read_csv(path, header=None) for path in paths], ignore_index=True)
    labels = data.iloc[:, 0].to_numpy()
    predicted = (booster.predict(xgb.DMatrix(data.iloc[:, 1:].to_numpy())) >= CUT_OFF).astype(int)

    true_positive = int(np.sum((predicted == 1) & (labels == 1)))
    false_positive = int(np.sum((predicted == 1) & (labels == 0)))
    false_negative = int(np.sum((predicted == 0) & (labels == 1)))
    accuracy = float(np.mean(predicted == labels))
    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    metrics = {
        "accuracy": round(accuracy, 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }
    report = {
        "metrics": metrics,
        "binary_classification_metrics": {
            name: {"value": value, "standard_deviation": "NaN"} for name, value in metrics.items()
        },
    }
    folder = container_path("/opt/ml/processing/evaluation")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "evaluation.json"), "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    print("evaluate.py: {} rows, accuracy {}".format(len(labels), metrics["accuracy"]))


if __name__ == "__main__":
    main()
