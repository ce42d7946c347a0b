"""DataPreProcessing: raw Titanic CSVs in, label-first numeric CSVs for built-in XGBoost out.

Runs unchanged in SageMaker's scikit-learn 1.2-1 container (Python 3.8, pandas 1.x) and
locally: keep the syntax Python 3.8 and use only numpy and pandas.

Inputs (one raw Kaggle CSV in each folder):
    /opt/ml/processing/input/train/*.csv
    /opt/ml/processing/input/validation/*.csv
Outputs (label first, no header, one file per folder, nothing else in them):
    /opt/ml/processing/output/train/train.csv
    /opt/ml/processing/output/validation/validation.csv
    /opt/ml/processing/output/test/test.csv     only with --test-fraction F > 0: a held-back,
        label-stratified fraction F of the validation file (seeded by --split-seed), which
        is then left out of validation.csv

Every imputation value and encoding is learned on the training file only and then applied
to both files, so nothing about the validation passengers reaches the training data.
Paths are under $SMPIPE_CONTAINER_ROOT when it is set (smpipe's local engine).
"""

from __future__ import annotations

import os
from typing import Dict, Tuple

import numpy as np
import pandas as pd
import titanic_schema as schema
from step_common import StepError, container_path, log, numeric_column, run_main, single_csv

SCRIPT = "preprocess.py"


def read_raw(path: str) -> pd.DataFrame:
    """Read one raw Kaggle CSV and check it; numeric columns come back as numbers."""
    try:
        frame = pd.read_csv(path, dtype=str)
    except pd.errors.EmptyDataError:
        raise StepError("{}: the file is empty".format(path)) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise StepError("{}: not a readable CSV file: {}".format(path, first_line)) from None
    missing = [column for column in schema.REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise StepError("{}: missing required column(s): {}".format(path, ", ".join(missing)))
    if frame.empty:
        raise StepError("{}: no data rows after the header".format(path))

    def line_of(index: int) -> int:
        return int(index) + 2  # the header is line 1

    for column in schema.NOT_MISSING:
        absent = frame[column].isna()
        if absent.any():
            raise StepError(
                "{}: column {}: missing value on line {}".format(
                    path, column, line_of(frame.index[absent.values][0])
                )
            )
    for column in schema.NUMERIC_COLUMNS:
        frame[column] = numeric_column(frame, column, path, column, line_of(0))
    checks = [
        (schema.LABEL, frame[schema.LABEL].isin(schema.LABEL_VALUES)),
        ("Pclass", frame["Pclass"].isin(schema.CLASSES)),
        ("Sex", frame["Sex"].str.strip().str.lower().isin(schema.SEXES)),
    ] + [(column, frame[column].isna() | (frame[column] >= 0)) for column in schema.NON_NEGATIVE]
    for column, valid in checks:
        if not valid.all():
            where = frame.index[~valid.values][0]
            raise StepError(
                "{}: column {}: {}, found {!r} on line {}".format(
                    path, column, schema.RULES[column], frame[column][where], line_of(where)
                )
            )
    return frame


def titles(frame: pd.DataFrame) -> pd.Series:
    """Mr, Mrs, Miss, Master, or Rare, from 'Surname, Title. Given names'."""
    found = frame["Name"].fillna("").str.extract(schema.TITLE_PATTERN, expand=False).str.strip()
    found = found.replace(schema.TITLE_SYNONYMS)
    return found.where(found.isin(schema.TITLES), schema.RARE_TITLE)


def learn(train: pd.DataFrame) -> Dict[str, object]:
    """Everything the features need that depends on data: learned on train only."""
    age_median = float(train["Age"].median()) if train["Age"].notna().any() else schema.AGE_FALLBACK
    ages_by_title = train["Age"].groupby(titles(train)).median().dropna()
    fare_median = (
        float(train["Fare"].median()) if train["Fare"].notna().any() else schema.FARE_FALLBACK
    )
    fares_by_class = train["Fare"].groupby(train["Pclass"]).median().dropna()
    ports = train["Embarked"].dropna()
    ports = ports[ports.isin(schema.PORTS)]
    port_mode = (
        str(ports.value_counts().sort_index().idxmax()) if len(ports) else schema.PORT_FALLBACK
    )
    tickets = train["Ticket"].fillna("")
    return {
        "age_median": age_median,
        "age_by_title": {str(k): float(v) for k, v in ages_by_title.items()},
        "fare_median": fare_median,
        "fare_by_class": {int(k): float(v) for k, v in fares_by_class.items()},
        "port_mode": port_mode,
        "ticket_survivors": train[schema.LABEL].groupby(tickets).sum().to_dict(),
        "ticket_passengers": train[schema.LABEL].groupby(tickets).count().to_dict(),
    }


def features(frame: pd.DataFrame, learned: Dict[str, object], is_train: bool) -> pd.DataFrame:
    """The label and FEATURES, in order, all numeric."""
    out = pd.DataFrame(index=frame.index)
    out[schema.LABEL] = frame[schema.LABEL].astype(int)
    title = titles(frame)
    out["Pclass"] = frame["Pclass"].astype(int)
    out["Sex"] = (frame["Sex"].str.strip().str.lower() == "male").astype(int)
    age = frame["Age"].fillna(title.map(learned["age_by_title"])).fillna(learned["age_median"])
    out["AgeBand"] = np.searchsorted(schema.AGE_BAND_EDGES, age.values, side="left").astype(int)
    family = (frame["SibSp"] + frame["Parch"] + 1).astype(int)
    out["FamilySize"] = family
    out["IsAlone"] = (family == 1).astype(int)
    fare = frame["Fare"].fillna(frame["Pclass"].map(learned["fare_by_class"]))
    fare = fare.fillna(learned["fare_median"])
    out["Fare"] = fare.astype(float)
    out["FarePerPerson"] = (fare / family).astype(float)
    out["CabinKnown"] = frame["Cabin"].notna().astype(int)
    port = frame["Embarked"].fillna(learned["port_mode"]).str.strip()
    for name in schema.PORTS:
        out["Embarked_" + name] = (port == name).astype(int)
    for name in schema.TITLES:
        out["Title_" + name] = (title == name).astype(int)
    out["TicketSurvival"] = ticket_survival(frame, learned, is_train)
    return out[[schema.LABEL, *schema.FEATURES]]


def ticket_survival(frame: pd.DataFrame, learned: Dict[str, object], is_train: bool) -> np.ndarray:
    """Survival rate of the *other* training passengers on the same ticket; 0.5 if none.

    Travelling groups shared a fate. Only training labels are used; on the training rows a
    passenger's own label is left out, so it never leaks into its own feature.
    """
    tickets = frame["Ticket"].fillna("")
    survivors = tickets.map(learned["ticket_survivors"]).fillna(0).values.astype(float)
    passengers = tickets.map(learned["ticket_passengers"]).fillna(0).values.astype(float)
    if is_train:
        survivors = survivors - frame[schema.LABEL].values.astype(float)
        passengers = passengers - 1
    rate = np.where(
        passengers > 0, survivors / np.maximum(passengers, 1), schema.NO_TICKET_COMPANIONS
    )
    return np.round(rate, schema.TICKET_SURVIVAL_DECIMALS)


def hold_back(frame: pd.DataFrame, fraction: float, seed: int) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """Split off a label-stratified ``fraction`` of ``frame`` (seeded): (kept, held back)."""
    random = np.random.RandomState(seed)
    held = []
    for _, group in frame.groupby(schema.LABEL, sort=True):
        count = round(len(group) * fraction)
        held.extend(random.choice(group.index.values, size=count, replace=False).tolist())
    mask = frame.index.isin(held)
    if mask.all() or not mask.any():
        raise StepError("--test-fraction {} leaves an empty split".format(fraction))
    return frame[~mask], frame[mask]


def write(table: pd.DataFrame, folder: str, name: str) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    # Built-in XGBoost reads every file of the channel: write exactly one, label first.
    table.to_csv(path, header=False, index=False, float_format=schema.FLOAT_FORMAT)
    return path


def main() -> None:
    args = schema.parse_arguments(
        SCRIPT, log, [("--test-fraction", float, 0.0), ("--split-seed", int, 0)]
    )
    sources = {
        "train": single_csv(container_path("opt/ml/processing/input/train")),
        "validation": single_csv(container_path("opt/ml/processing/input/validation")),
    }
    raw = {split: read_raw(path) for split, path in sources.items()}
    for split, frame in raw.items():
        log(SCRIPT, "read {} rows from {}".format(len(frame), sources[split]))
    if not 0.0 <= args.test_fraction < 1.0:
        raise StepError("--test-fraction must be in [0, 1), not {}".format(args.test_fraction))
    if args.test_fraction > 0:
        raw["validation"], raw["test"] = hold_back(
            raw["validation"], args.test_fraction, args.split_seed
        )
        log(SCRIPT, "held back {} validation rows as the test set".format(len(raw["test"])))
    learned = learn(raw["train"])
    for line in schema.learned_summary(learned):
        log(SCRIPT, line)
    log(SCRIPT, "features ({}): {}".format(len(schema.FEATURES), ", ".join(schema.FEATURES)))
    for split in [name for name in ("train", "validation", "test") if name in raw]:
        table = features(raw[split], learned, is_train=split == "train")
        if not np.isfinite(table.values.astype(float)).all():
            raise StepError("{}: produced a non-finite feature value".format(split))
        path = write(table, container_path("opt/ml/processing/output/" + split), split + ".csv")
        shape = "{} rows x {} columns".format(len(table), table.shape[1])
        rate = "survival rate {:.4f}".format(table[schema.LABEL].mean())
        log(SCRIPT, "wrote {} (label first, no header) to {}; {}".format(shape, path, rate))


if __name__ == "__main__":
    run_main(SCRIPT, main)
