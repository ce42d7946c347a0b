"""ModelEvaluation: score the trained model on the validation set; write evaluation.json.

Runs unchanged in SageMaker's XGBoost 1.7-1 container (Python 3.8/3.9, xgboost 1.7, pandas
1.x) and locally: Python 3.8 syntax, numpy + pandas + xgboost only.

Inputs:
    /opt/ml/processing/model/model.tar.gz   TrainModel's artifact, holding xgboost-model
    /opt/ml/processing/validation/*.csv     DataPreProcessing's label-first, headerless CSV
Output:
    /opt/ml/processing/evaluation/evaluation.json
        {"metrics": {"accuracy", "precision", "recall", "f1"}   <- the quality gate reads
                                                                   metrics.accuracy
         "binary_classification_metrics": {...}}                <- SageMaker's model-quality
                                                                   format, for the registry
Paths are under $SMPIPE_CONTAINER_ROOT when it is set (smpipe's local engine).
"""

from __future__ import annotations

import argparse
import json
import os
import tarfile
import tempfile
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd
from step_common import StepError, container_path, csv_files, log, numeric_column, run_main

SCRIPT = "evaluate.py"
MODEL_ARCHIVE = "model.tar.gz"
MODEL_NAME = "xgboost-model"  # what the built-in XGBoost algorithm saves
THRESHOLD = 0.5  # probability cut-off for predicting "survived"
DIGITS = 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT)
    parser.add_argument("--accuracy-threshold", default=None)
    args, unknown = parser.parse_known_args()
    if unknown:
        log(SCRIPT, "ignoring unknown arguments: {}".format(" ".join(unknown)))
    if args.accuracy_threshold is not None:
        try:
            args.accuracy_threshold = float(args.accuracy_threshold)
        except ValueError:
            raise StepError(
                "--accuracy-threshold must be a number, got {!r}".format(args.accuracy_threshold)
            ) from None
    return args


def load_booster(folder: str):  # -> xgboost.Booster, imported lazily
    """The booster inside model.tar.gz (or a bare xgboost-model) in folder."""
    import xgboost as xgb

    archive = os.path.join(folder, MODEL_ARCHIVE)
    bare = os.path.join(folder, MODEL_NAME)
    with tempfile.TemporaryDirectory() as scratch:
        if os.path.isfile(archive):
            try:
                with tarfile.open(archive) as tar:
                    member = tar.extractfile(MODEL_NAME)
                    payload = member.read() if member is not None else None
            except KeyError:
                raise StepError("{}: no {} inside".format(archive, MODEL_NAME)) from None
            except (tarfile.TarError, OSError, EOFError) as error:
                raise StepError("{}: not a readable tar.gz: {}".format(archive, error)) from None
            if payload is None:
                raise StepError("{}: {} is not a file".format(archive, MODEL_NAME))
            path = os.path.join(scratch, MODEL_NAME)
            with open(path, "wb") as handle:
                handle.write(payload)
            source = archive
        elif os.path.isfile(bare):
            path = source = bare
        else:
            raise StepError("no {} (or {}) in {}".format(MODEL_ARCHIVE, MODEL_NAME, folder))
        booster = xgb.Booster()
        try:
            booster.load_model(path)
        except xgb.core.XGBoostError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise StepError("{}: cannot load {}: {}".format(source, MODEL_NAME, first)) from None
    log(
        SCRIPT, "loaded {} from {} ({} features)".format(MODEL_NAME, source, booster.num_features())
    )
    return booster


def read_labelled(paths: List[str], n_features: int) -> Tuple[np.ndarray, np.ndarray]:
    """Labels and features from label-first, headerless CSVs, checked for the model."""
    labels, rows = [], []
    for path in paths:
        try:
            frame = pd.read_csv(path, header=None, dtype=str)
        except pd.errors.EmptyDataError:
            raise StepError("{}: the file is empty".format(path)) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise StepError("{}: not a readable CSV file: {}".format(path, first)) from None
        if frame.shape[1] != n_features + 1:
            raise StepError(
                "{}: {} columns, expected the label and the model's {} features".format(
                    path, frame.shape[1], n_features
                )
            )
        for column in frame.columns:
            # No header: row 0 is line 1, and columns are counted from 1.
            frame[column] = numeric_column(frame, column, path, column + 1, 1)
        label = frame[0]
        valid = label.isin([0, 1])
        if not valid.all():
            where = frame.index[~valid.values][0]
            raise StepError(
                "{}: column 1 (the label): must be 0 or 1, found {!r} on line {}".format(
                    path, label[where], int(where) + 1
                )
            )
        labels.append(label.values.astype(int))
        rows.append(frame.drop(columns=[0]).values.astype(float))
    return np.concatenate(labels), np.vstack(rows)


def ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else 0.0


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN with one class."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(scores).rank(method="average").values
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2.0) /
                 (positives * negatives))  # fmt: skip


def compute_metrics(labels: np.ndarray, scores: np.ndarray) -> Dict[str, Dict]:
    predicted = (scores > THRESHOLD).astype(int)
    tp = int(((predicted == 1) & (labels == 1)).sum())
    tn = int(((predicted == 0) & (labels == 0)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    values = {
        "accuracy": ratio(tp + tn, len(labels)),
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * precision * recall, precision + recall),
        "auc": roc_auc(labels, scores),
        "true_positive_rate": recall,
        "true_negative_rate": ratio(tn, tn + fp),
        "false_positive_rate": ratio(fp, fp + tn),
        "false_negative_rate": ratio(fn, fn + tp),
    }
    rounded = {name: round(value, DIGITS) for name, value in values.items()}
    quality = {
        name: {"value": value, "standard_deviation": "NaN"}
        for name, value in rounded.items()
        if value == value  # an AUC with a single class is undefined: leave it out
    }  # type: Dict[str, object]
    # Rows are the actual class, columns the predicted one, as SageMaker's model quality does.
    quality["confusion_matrix"] = {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    return {
        "metrics": {name: rounded[name] for name in ("accuracy", "precision", "recall", "f1")},
        "binary_classification_metrics": quality,
    }


def write_report(report: Dict[str, Dict]) -> str:
    """evaluation.json in the step's evaluation output (the gate's property file); its path."""
    out_folder = container_path("opt/ml/processing/evaluation")
    os.makedirs(out_folder, exist_ok=True)
    out_path = os.path.join(out_folder, "evaluation.json")
    with open(out_path, "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    return out_path


def main() -> None:
    args = parse_args()
    booster = load_booster(container_path("opt/ml/processing/model"))
    folder = container_path("opt/ml/processing/validation")
    paths = csv_files(folder)
    if not paths:
        raise StepError("no .csv file in {}".format(folder))
    labels, features = read_labelled(paths, booster.num_features())
    log(SCRIPT, "read {} rows x {} features from {}".format(
        len(labels), features.shape[1], ", ".join(paths)))  # fmt: skip

    import xgboost as xgb

    # A few hundred rows: one thread is fastest, and idle OpenMP threads spin on a busy host.
    booster.set_param("nthread", 1)
    scores = booster.predict(xgb.DMatrix(features, nthread=1))
    report = compute_metrics(labels, scores)
    out_path = write_report(report)
    accuracy = report["metrics"]["accuracy"]
    log(SCRIPT, "metrics: {}".format(json.dumps(report["metrics"])))
    log(SCRIPT, "wrote {}".format(out_path))
    if args.accuracy_threshold is not None:
        verdict = "passes" if accuracy >= args.accuracy_threshold else "does not pass"
        log(SCRIPT, "accuracy {} {} the threshold {} (the pipeline's condition step decides)"
            .format(accuracy, verdict, args.accuracy_threshold))  # fmt: skip


if __name__ == "__main__":
    run_main(SCRIPT, main)
