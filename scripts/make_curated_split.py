"""Make the curated Titanic split: data/curated/train.csv and data/curated/validation.csv.

A seeded (42), stratified (on Survived) 80/20 split of the raw Kaggle file, in its raw
columns. Only the standard library is used and the source lines are copied byte for byte,
so the same source gives the same two files on any machine and Python version.

    python scripts/make_curated_split.py /work/shared/data/titanic.csv [--out data/curated]

The source used for the committed files has sha256
4a437fde05fe5264e1701a7387ac6fb75393772ba38bb2c9c566405af5af4bd7 (891 passengers).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
from pathlib import Path

SEED = 42
VALIDATION_FRACTION = 0.2
EXPECTED_HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked"
KNOWN_SHA256 = "4a437fde05fe5264e1701a7387ac6fb75393772ba38bb2c9c566405af5af4bd7"


class SplitError(Exception):
    """The source file is not the raw Kaggle Titanic CSV this script expects."""


def read_rows(source: Path) -> tuple[str, list[tuple[int, int, str]]]:
    """Return the header line and (PassengerId, Survived, raw line) for every passenger."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != EXPECTED_HEADER:
        raise SplitError(f"{source}: the header is not {EXPECTED_HEADER!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        # One physical line per record: the file has no quoted newlines (checked below).
        fields = next(csv.reader([line]))
        if len(fields) != 12:
            raise SplitError(f"{source}:{number}: expected 12 fields, found {len(fields)}")
        try:
            passenger_id, survived = int(fields[0]), int(fields[1])
        except ValueError:
            raise SplitError(
                f"{source}:{number}: PassengerId and Survived must be integers"
            ) from None
        if survived not in (0, 1):
            raise SplitError(f"{source}:{number}: Survived must be 0 or 1, found {survived}")
        rows.append((passenger_id, survived, line if line.endswith("\n") else line + "\n"))
    return lines[0], rows


def stratified_split(
    rows: list[tuple[int, int, str]], seed: int = SEED
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """Shuffle each class with one seeded generator; the first 20% of each go to validation."""
    rng = random.Random(seed)
    train, validation = [], []
    for label in (0, 1):
        members = sorted((r for r in rows if r[1] == label), key=lambda r: r[0])
        rng.shuffle(members)
        n_validation = round(len(members) * VALIDATION_FRACTION)
        validation += members[:n_validation]
        train += members[n_validation:]
    # Both files are written in PassengerId order.
    return sorted(train, key=lambda r: r[0]), sorted(validation, key=lambda r: r[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the raw Kaggle titanic.csv")
    parser.add_argument("--out", type=Path, default=Path("data/curated"))
    args = parser.parse_args(argv)
    try:
        data = args.source.read_bytes()
        header, rows = read_rows(args.source)
    except (OSError, SplitError, UnicodeDecodeError) as error:
        print(f"make_curated_split: {error}", file=sys.stderr)
        return 1
    digest = hashlib.sha256(data).hexdigest()
    if digest != KNOWN_SHA256:
        print(f"note: source sha256 {digest} differs from the documented {KNOWN_SHA256}")
    train, validation = stratified_split(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train.csv", train), ("validation.csv", validation)):
        path = args.out / name
        path.write_bytes((header + "".join(r[2] for r in part)).encode("utf-8"))
        survived = sum(r[1] for r in part)
        print(f"{path}: {len(part)} rows, survival rate {survived / len(part):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
