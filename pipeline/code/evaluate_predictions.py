"""EvaluatePredictions: score batch-transform predictions against the test labels.

Input (the transform step's output, joined with its input and filtered to two columns):
    /opt/ml/processing/predictions/*.out    "label,probability" lines, one per test row
Output:
    /opt/ml/processing/evaluation/evaluation.json   the same report as evaluate.py writes
        ({"metrics": {...}, "binary_classification_metrics": {...}})
Runs in SageMaker's scikit-learn 1.2-1 container and locally: numpy and pandas only.
"""

from __future__ import annotations

import json
import os

import numpy as np
from evaluate import compute_metrics, write_report
from step_common import StepError, container_path, log, run_main

SCRIPT = "evaluate_predictions.py"


def read_predictions(folder: str) -> np.ndarray:
    if not os.path.isdir(folder):
        raise StepError("no predictions folder {}".format(folder))
    paths = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(folder)
        for name in names
        if name.endswith(".out")
    )
    if not paths:
        raise StepError("no .out file in {}: did the transform step write any?".format(folder))
    rows = [np.loadtxt(path, delimiter=",", ndmin=2) for path in paths]
    table = np.vstack([row for row in rows if row.size])
    if table.shape[1] != 2:
        raise StepError("expected label,probability lines, found {} columns".format(table.shape[1]))
    log(SCRIPT, "read {} predictions from {}".format(len(table), ", ".join(paths)))
    return table


def main() -> None:
    table = read_predictions(container_path("opt/ml/processing/predictions"))
    report = compute_metrics(table[:, 0].astype(int), table[:, 1])
    write_report(report)
    log(SCRIPT, "metrics: {}".format(json.dumps(report["metrics"])))


if __name__ == "__main__":
    run_main(SCRIPT, main)
