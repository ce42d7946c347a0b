"""Reading training channels the way SageMaker's built-in XGBoost 1.7-1 container does.

Follows ``data_utils.py`` of sagemaker-xgboost-container (branch 1.7-1) in File mode:
content types, the hidden-file and empty-channel checks, the per-file format check, the CSV
delimiter sniffed from the first line of the first file, and one ``xgb.DMatrix`` built by
XGBoost's own CSV/LIBSVM parser over every file of the channel (symlinked into one folder,
up to three folders deep). So a stray file in a channel fails here as it fails there, e.g.
``Delimiter ',' is not found in the line``.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

CSV, LIBSVM, PARQUET, RECORDIO_PROTOBUF = "csv", "libsvm", "parquet", "recordio-protobuf"
VALID_CONTENT_TYPES = [
    CSV, LIBSVM, PARQUET, RECORDIO_PROTOBUF, "text/csv", "text/libsvm", "text/x-libsvm",
    "application/x-parquet", "application/x-recordio-protobuf",
]  # fmt: skip
MAX_FOLDER_DEPTH = 3
_LOG_PREFIX = re.compile(r"^\[\d\d:\d\d:\d\d\] [^ ]+:\d+: ")

Logger = Callable[[str], None]


class ChannelDataError(ValueError):
    """Bad channel data: the container's UserError, shown as a ClientError."""


def file_type(content_type: str | None) -> str:
    """'csv' or 'libsvm' (or 'parquet', 'recordio-protobuf') from a channel's ContentType.

    No content type means LIBSVM, as in the container; 'text/csv; label_size=1' is CSV.
    """
    if content_type is None:
        return LIBSVM
    base, *params = (part.strip() for part in content_type.lower().split(";"))
    options = dict(p.split("=", 1) for p in params if "=" in p)
    if base in (CSV, "text/csv"):
        if options.get("label_size", "1").strip() != "1":
            raise ChannelDataError(
                f"{content_type} is not an accepted csv ContentType. "
                "Optional parameter label_size must be equal to 1"
            )
        return CSV
    if base in (LIBSVM, "text/libsvm", "text/x-libsvm"):
        return LIBSVM
    if base in (PARQUET, "application/x-parquet"):
        return PARQUET
    if base in (RECORDIO_PROTOBUF, "application/x-recordio-protobuf"):
        return RECORDIO_PROTOBUF
    raise ChannelDataError(
        f"{content_type} is not an accepted ContentType: {', '.join(VALID_CONTENT_TYPES)}."
    )


def channel_size(path: Path) -> int:
    """Bytes of data in a channel; a hidden file anywhere in it is an error (as there)."""
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            if name.startswith("."):
                raise ChannelDataError(
                    "Hidden file found in the data path! Remove that before training."
                )
            total += os.path.getsize(os.path.join(root, name))
    return total


def sniff_delimiter(line: str, log: Logger) -> str:
    try:
        delimiter = csv.Sniffer().sniff(line).delimiter
    except csv.Error as error:
        raise ChannelDataError(
            f"Could not determine delimiter on line {line[:50].rstrip()!r}: {error}"
        ) from None
    log(f"Determined delimiter of CSV input is '{delimiter}'")
    return delimiter


def _first_line(path: Path) -> str:
    with path.open("r", errors="ignore") as handle:
        return handle.readline()


def validate_files(path: Path, kind: str, log: Logger) -> None:
    """The container's light format check of the files in the channel's first leaf folder."""
    if path.is_file():
        files = [path]
    else:
        leaf = next(Path(root) for root, dirs, _ in os.walk(path) if not dirs)
        files = sorted(
            p for p in leaf.iterdir() if p.is_file() and not p.name.startswith((".", "_"))
        )
    for file in files:
        if kind == CSV:
            sniff_delimiter(_first_line(file), log)
        elif kind == LIBSVM:
            _validate_libsvm(file, log)


def _validate_libsvm(path: Path, log: Logger) -> None:
    with path.open("r", errors="ignore") as handle:
        for line in handle:
            fields = line.rstrip("\n").split(" ")
            label_ok = len(fields[0].split(":")) <= 2 and all(
                _is_number(part) for part in fields[0].split(":")
            )
            pairs_ok = all(":" in field for field in fields[1:]) and (
                len(fields) < 2 or len(fields[1].split(":")) == 2
            )
            if not (label_ok and pairs_ok):
                raise ChannelDataError(
                    f"First line '{line[:50]}...' of file '{path.name}' is not 'LIBSVM' format. "
                    "Please ensure the file is in 'LIBSVM' format."
                )
            if len(fields) > 2:
                return
    log(f"File {path.name} is not an invalid LIBSVM file but has no features. "
        "Accepting simple validation.")  # fmt: skip


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _link_files(source: Path, target: Path, log: Logger, depth: int = 1) -> None:
    """Symlink every file up to MAX_FOLDER_DEPTH folders deep into one folder."""
    if source.is_file():
        link, copy = target / source.name, 1
        while link.exists():  # same name in two subfolders
            link, copy = target / f"{source.name}.{copy}", copy + 1
        link.symlink_to(source.resolve())
        return
    if depth > MAX_FOLDER_DEPTH:
        log(f"The depth of folder {source} exceed the limit {MAX_FOLDER_DEPTH}. "
            "Files in deeper sub dirs won't be loaded.")  # fmt: skip
        return
    for item in sorted(source.iterdir()):
        _link_files(item, target, log, depth + 1 if item.is_dir() else depth)


def _check_no_header(path: Path, delimiter: str) -> None:
    """A header line is the most common CSV mistake. The 1.7-1 source lets XGBoost's parser
    read it as numbers; the managed container rejects it with this message, and so do we.
    A line without the delimiter is left to XGBoost's parser, which names the delimiter."""
    line = _first_line(path).rstrip("\r\n")
    if delimiter not in line:
        return
    for value in line.split(delimiter):
        if value.strip() and not _is_number(value):
            raise ChannelDataError(
                f"Non-numeric value '{value.strip()[:1]}' found in the header line "
                f"'{line[:50]}...' of file '{path.name}'. CSV format require no header line "
                "in it. If header line is already removed, XGBoost does not accept non-numeric "
                "value in the data."
            )


def clean_xgboost_error(error: Exception) -> str:
    """XGBoost's message on one line, without timestamps, source positions or stack traces."""
    kept = []
    for line in str(error).splitlines():
        line = line.strip()
        if not line or line.startswith(("Stack trace", "[bt]")):
            continue
        kept.append(_LOG_PREFIX.sub("", line))
    return " ".join(kept)


def load_dmatrix(path: Path, kind: str, csv_weights: int, log: Logger) -> Any:
    """One DMatrix from every file of a channel, parsed by XGBoost itself."""
    import xgboost as xgb

    if kind in (PARQUET, RECORDIO_PROTOBUF):
        raise ChannelDataError(
            f"{kind} input is accepted by SageMaker's XGBoost, but smpipe's local emulation "
            "reads only CSV and LIBSVM channels"
        )
    with tempfile.TemporaryDirectory(prefix="sagemaker_xgboost_input_data") as folder:
        files_path = Path(folder)
        log(f"File path {path} of input files")
        _link_files(path, files_path, log)
        log(f"files path: {files_path}")
        try:
            if kind == CSV:
                first = files_path / sorted(os.listdir(files_path))[0]
                delimiter = sniff_delimiter(_first_line(first), log)
                for file in sorted(files_path.iterdir()):
                    _check_no_header(file, delimiter)
                uri = f"{files_path}?format=csv&label_column=0&delimiter={delimiter}"
                if csv_weights == 1:
                    uri += "&weight_column=1"
            else:
                uri = f"{files_path}?format=libsvm"
            dmatrix = xgb.DMatrix(uri, silent=True)
        except xgb.core.XGBoostError as error:
            raise ChannelDataError(
                f"Failed to load {kind} data with exception: {clean_xgboost_error(error)}"
            ) from None
    if dmatrix.get_label().size == 0:
        raise ChannelDataError(
            "Got input data without labels. Please check the input data set. If training job "
            "is running on multiple instances, please switch to using single instance if "
            "number of records in the data set is less than number of workers (16 * number of "
            "instance) in the cluster."
        )
    return dmatrix
