"""TuneModel's training script (script mode on SageMaker's scikit-learn 1.2-1 image).

The training toolkit runs it as ``python train.py --n_estimators 200 --max_depth 3 ...``
(every hyperparameter as an argument) with the SM_* environment: SM_CHANNEL_TRAIN and
SM_CHANNEL_VALIDATION (label-first, headerless CSVs from preprocess.py) and SM_MODEL_DIR,
whose contents SageMaker packs into model.tar.gz. It prints ``validation:accuracy=0.83``
lines, which the tuning step's metric definitions read from the log.
Python 3.8 syntax; numpy, pandas, scikit-learn and joblib only (all in the image).
"""

from __future__ import annotations

import argparse
import os
from typing import Tuple

import joblib
import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from step_common import StepError, csv_files, log, run_main

SCRIPT = "train.py"
MODEL_FILE = "model.joblib"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT)
    parser.add_argument("--n_estimators", type=int, default=100)
    parser.add_argument("--max_depth", type=int, default=3)
    parser.add_argument("--learning_rate", type=float, default=0.1)
    parser.add_argument("--min_samples_leaf", type=int, default=1)
    parser.add_argument("--subsample", type=float, default=1.0)
    parser.add_argument("--random_state", type=int, default=0)
    args, unknown = parser.parse_known_args()
    if unknown:
        log(SCRIPT, "ignoring unknown arguments: {}".format(" ".join(unknown)))
    return args


def read_channel(variable: str) -> Tuple[np.ndarray, np.ndarray]:
    folder = os.environ.get(variable)
    if not folder:
        raise StepError("{} is not set: run under the SageMaker training toolkit".format(variable))
    paths = csv_files(folder)
    if not paths:
        raise StepError("no .csv file in {} ({})".format(folder, variable))
    table = np.vstack([np.loadtxt(path, delimiter=",", ndmin=2) for path in paths])
    return table[:, 0].astype(int), table[:, 1:]


def main() -> None:
    args = parse_args()
    train_labels, train_features = read_channel("SM_CHANNEL_TRAIN")
    valid_labels, valid_features = read_channel("SM_CHANNEL_VALIDATION")
    log(SCRIPT, "train {} rows, validation {} rows, {} features".format(
        len(train_labels), len(valid_labels), train_features.shape[1]))  # fmt: skip
    model = GradientBoostingClassifier(
        n_estimators=args.n_estimators,
        max_depth=args.max_depth,
        learning_rate=args.learning_rate,
        min_samples_leaf=args.min_samples_leaf,
        subsample=args.subsample,
        random_state=args.random_state,
    )
    model.fit(train_features, train_labels)
    for channel, labels, features in (
        ("train", train_labels, train_features),
        ("validation", valid_labels, valid_features),
    ):
        accuracy = float((model.predict(features) == labels).mean())
        print("{}:accuracy={:.6f}".format(channel, accuracy), flush=True)
    model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
    os.makedirs(model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(model_dir, MODEL_FILE))
    log(SCRIPT, "saved {}".format(os.path.join(model_dir, MODEL_FILE)))


if __name__ == "__main__":
    run_main(SCRIPT, main)
