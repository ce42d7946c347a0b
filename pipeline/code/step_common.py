"""What preprocess.py and evaluate.py share: container paths, input discovery, failing cleanly.

This file ships in the code bundle beside the step scripts and runs inside the SageMaker
containers (Python 3.8, older pandas and numpy) as well as locally: keep it stdlib only and
its syntax Python 3.8.
"""

from __future__ import annotations

import os
import sys
from typing import List


class StepError(Exception):
    """A problem with the step's input or arguments: reported on one line, exit code 1."""


def container_path(relative: str) -> str:
    """Map a container path such as 'opt/ml/processing/input/train' to where it lives.

    On SageMaker SMPIPE_CONTAINER_ROOT is unset and the path is the real '/opt/ml/...'.
    smpipe's local engine sets it to a sandbox folder holding the same tree.
    """
    return os.path.join(os.environ.get("SMPIPE_CONTAINER_ROOT", "/"), relative.lstrip("/"))


def csv_files(folder: str) -> List[str]:
    """The *.csv files directly in folder, sorted by name."""
    if not os.path.isdir(folder):
        raise StepError("input folder {} does not exist".format(folder))
    names = sorted(
        name
        for name in os.listdir(folder)
        if name.lower().endswith(".csv") and os.path.isfile(os.path.join(folder, name))
    )
    return [os.path.join(folder, name) for name in names]


def single_csv(folder: str) -> str:
    """The one *.csv file in folder; anything else is an error naming the folder."""
    found = csv_files(folder)
    if not found:
        raise StepError("no .csv file in {}".format(folder))
    if len(found) > 1:
        names = ", ".join(os.path.basename(path) for path in found)
        raise StepError(
            "expected one .csv file in {}, found {}: {}".format(folder, len(found), names)
        )
    return found[0]


def numeric_column(frame, column, path, name, first_line):  # type: ignore[no-untyped-def]
    """``frame[column]`` as numbers; the first value that is not one is a StepError naming
    the file, the column (``name``) and its line (row 0 is on ``first_line``)."""
    import pandas as pd

    numbers = pd.to_numeric(frame[column], errors="coerce")
    bad = numbers.isna() & frame[column].notna()
    if bad.any():
        where = frame.index[bad.values][0]
        raise StepError(
            "{}: column {}: non-numeric value {!r} on line {}".format(
                path, name, frame[column][where], int(where) + first_line
            )
        )
    return numbers


def log(script: str, message: str) -> None:
    print("{}: {}".format(script, message), flush=True)


def one_line(message: object) -> str:
    """A message on one line: the step's failure shows as a single stderr line."""
    return "; ".join(line.strip() for line in str(message).splitlines() if line.strip())


def run_main(script: str, main) -> None:  # type: ignore[no-untyped-def]
    """Run main(); turn every failure into one line on stderr and exit code 1."""
    try:
        main()
    except StepError as error:
        print("{}: error: {}".format(script, one_line(error)), file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception as error:  # the contract is one line, never a traceback
        print(
            "{}: error: unexpected {}: {}".format(script, type(error).__name__, one_line(error)),
            file=sys.stderr,
            flush=True,
        )
        sys.exit(1)
