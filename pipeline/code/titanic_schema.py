"""The Titanic data's columns and the curated-data rules, shared by preprocess.py (pandas)
and preprocess_spark.py (PySpark) so that both check, impute and encode the same way.

Stdlib only and Python 3.8 syntax: it runs in the scikit-learn container beside
preprocess.py, and in the Spark container, where it travels with the application as
``--py-files`` (spec/examples/titanic-spark.yaml) so that Spark's executors import it too.
"""

from __future__ import annotations

import argparse
from typing import Callable, Dict, List, Sequence, Tuple

LABEL = "Survived"
REQUIRED_COLUMNS = [
    "Survived", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch", "Ticket", "Fare", "Cabin",
    "Embarked",
]  # fmt: skip
NUMERIC_COLUMNS = ["Survived", "Pclass", "Age", "SibSp", "Parch", "Fare"]
NOT_MISSING = ["Survived", "Pclass", "Sex", "SibSp", "Parch"]

# The rules a curated value must meet, each with the words of its error message.
LABEL_VALUES = [0, 1]
CLASSES = [1, 2, 3]
SEXES = ["male", "female"]
NON_NEGATIVE = ["SibSp", "Parch", "Age", "Fare"]
RULES = {
    LABEL: "labels must be 0 or 1",
    "Pclass": "must be 1, 2 or 3",
    "Sex": "must be male or female",
    **{column: "must be >= 0" for column in NON_NEGATIVE},
}

# "Surname, Title. Given names": the title, its synonyms, and Rare for every other one.
TITLE_PATTERN = r",\s*([^.]+)\."
TITLES = ["Mr", "Mrs", "Miss", "Master", "Rare"]
RARE_TITLE = "Rare"
TITLE_SYNONYMS = {"Mlle": "Miss", "Ms": "Miss", "Mme": "Mrs"}
PORTS = ["C", "Q", "S"]
# Coarse age bands generalise better than raw (partly imputed) ages on 700 passengers.
AGE_BAND_EDGES = [12, 18, 30, 45, 60]

# What imputation falls back to when the training file has no value at all.
AGE_FALLBACK = 28.0
FARE_FALLBACK = 14.45
PORT_FALLBACK = "S"
# TicketSurvival of a passenger no other training passenger shares a ticket with.
NO_TICKET_COMPANIONS = 0.5

# The output's column order, after the label. Changing it changes the model's inputs:
# keep it in step with pipeline/code/README.md.
FEATURES = (
    ["Pclass", "Sex", "AgeBand", "FamilySize", "IsAlone", "Fare", "FarePerPerson",
     "CabinKnown"]
    + ["Embarked_" + port for port in PORTS]
    + ["Title_" + title for title in TITLES]
    + ["TicketSurvival"]
)  # fmt: skip
# The output's number format: these columns as %.6g floats (TicketSurvival rounded to six
# decimals first), every other one as an integer.
FLOAT_FEATURES = ["Fare", "FarePerPerson", "TicketSurvival"]
FLOAT_FORMAT = "%.6g"
TICKET_SURVIVAL_DECIMALS = 6

# The steps' provenance arguments: logged, never read (the data arrives as inputs).
PROVENANCE_ARGUMENTS = [
    "input_train_uri",
    "input_validation_uri",
    "code_bundle_uri",
    "output_prefix",
]


def parse_arguments(
    script: str, log: Callable[[str, str], None], extra: Sequence[Tuple[str, type, object]] = ()
) -> argparse.Namespace:
    """The provenance arguments (plus ``extra`` ones: name, type, default), each logged when
    given; unknown arguments are logged and ignored."""
    parser = argparse.ArgumentParser(prog=script)
    for name in PROVENANCE_ARGUMENTS:
        parser.add_argument("--" + name.replace("_", "-"), default="")
    for name, kind, default in extra:
        parser.add_argument(name, type=kind, default=default)
    args, unknown = parser.parse_known_args()
    if unknown:
        log(script, "ignoring unknown arguments: {}".format(" ".join(unknown)))
    for name in PROVENANCE_ARGUMENTS:
        if getattr(args, name):
            log(script, "{} = {}".format(name.replace("_", "-"), getattr(args, name)))
    return args


def learned_summary(learned: Dict[str, object]) -> List[str]:
    """The imputation values worth logging, as ``name = value`` lines."""
    keys = ("age_median", "age_by_title", "fare_median", "fare_by_class", "port_mode")
    return ["learned on train: {} = {}".format(key, learned[key]) for key in keys]
