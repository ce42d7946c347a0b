"""Preprocess: split the labelled CSV into train and validation sets for SageMaker's XGBoost.

Runs in SageMaker's scikit-learn 1.2-1 container (Python 3.8+, pandas, scikit-learn) and on
smpipe's local engine: keep the syntax Python 3.8's.

Input:   /opt/ml/processing/input/data/*.csv   a header row; a "label" column of 0/1; every
                                                other column numeric (the features)
Outputs: /opt/ml/processing/output/train/train.csv
         /opt/ml/processing/output/validation/validation.csv
         label first, no header: the built-in XGBoost algorithm's CSV format
Paths are under $SMPIPE_CONTAINER_ROOT when it is set (smpipe's local engine).
"""

import argparse
import glob
import os
import sys

import pandas as pd
from sklearn.model_selection import train_test_split

LABEL = "label"
SEED = 42


def container_path(path):
    return os.path.join(os.environ.get("SMPIPE_CONTAINER_ROOT", "/"), path.lstrip("/"))


def read_input(folder):
    paths = sorted(glob.glob(os.path.join(folder, "**", "*.csv"), recursive=True))
    if not paths:
        sys.exit("preprocess.py: error: no CSV file in {}".format(folder))
    frames = []
    for path in paths:
        try:
            frames.append(pd.read_csv(path))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            sys.exit(
                "preprocess.py: error: "
                + "{}: not a readable CSV file: {}".format(path, str(error).strip())
            )
    data = pd.concat(frames, ignore_index=True)
    if LABEL not in data.columns:
        sys.exit(
            "preprocess.py: error: "
            + "{}: no {!r} column (columns: {})".format(paths[0], LABEL, ", ".join(data.columns))
        )
    for column in data.columns:
        numeric = pd.to_numeric(data[column], errors="coerce")
        if numeric.isna().any():
            row = int(numeric.isna().values.argmax())
            sys.exit(
                "preprocess.py: error: "
                + "column {!r}: not a number on data row {}".format(column, row + 1)
            )
        data[column] = numeric
    if not data[LABEL].isin([0, 1]).all():
        sys.exit("preprocess.py: error: column {!r} must hold 0 or 1 only".format(LABEL))
    return data


def main():
    parser = argparse.ArgumentParser(prog="preprocess.py")
    parser.add_argument("--validation-fraction", type=float, default=0.25)
    args = parser.parse_args()
    if not 0 < args.validation_fraction < 1:
        sys.exit("preprocess.py: error: --validation-fraction must be between 0 and 1")

    data = read_input(container_path("/opt/ml/processing/input/data"))
    features = [column for column in data.columns if column != LABEL]
    ordered = data[[LABEL, *features]]
    train, validation = train_test_split(
        ordered, test_size=args.validation_fraction, random_state=SEED, stratify=ordered[LABEL]
    )
    for name, frame in (("train", train), ("validation", validation)):
        folder = container_path("/opt/ml/processing/output/{}".format(name))
        os.makedirs(folder, exist_ok=True)
        frame.to_csv(os.path.join(folder, "{}.csv".format(name)), header=False, index=False)
        print("preprocess.py: {} rows -> {}".format(len(frame), name))


if __name__ == "__main__":
    main()
