"""Batch transform's file semantics, as SageMaker documents them: each input object gives
``<object>.out``; with SplitType Line its records are lines, batched up to MaxPayloadInMB
(MultiRecord) or sent one by one (SingleRecord); InputFilter picks the columns sent to the
model, JoinSource Input puts each input record before its prediction, OutputFilter picks
what is kept, and AssembleWith Line writes one result a line. Filters are the JSONPath
subset SageMaker documents for CSV: ``$``, ``$[i]``, ``$[i:j]`` and ``$[i,j,...]``
(negative indices count from the end)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

Handler = Callable[[str], str]  # a batch of records in, the model's answer out
_SLICE = re.compile(r"^\$\[(-?\d*):(-?\d*)\]$")
_LIST = re.compile(r"^\$\[(-?\d+(?:\s*,\s*-?\d+)*)\]$")


class TransformError(ValueError):
    """A ClientError of the transform job (bad filter, mismatched answer)."""


def json_path_filter(path: str | None) -> Callable[[list[str]], list[str]]:
    if path is None or path.strip() == "$":
        return lambda row: row
    text = path.strip()
    if match := _SLICE.match(text):
        start = int(match.group(1)) if match.group(1) else None
        stop = int(match.group(2)) if match.group(2) else None
        return lambda row: row[start:stop]
    if match := _LIST.match(text):
        indices = [int(part) for part in match.group(1).split(",")]

        def pick(row: list[str]) -> list[str]:
            try:
                return [row[i] for i in indices]
            except IndexError:
                raise TransformError(f"filter {path} selects a column a record lacks") from None

        return pick
    raise TransformError(f"filter {path!r} is not a JSONPath the local engine supports for CSV")


def _row(record: str) -> list[str]:
    return next(csv.reader([record]), [])


def _line(row: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(row)
    return buffer.getvalue()


@dataclass(frozen=True)
class Settings:
    split_type: str = "None"
    batch_strategy: str = "MultiRecord"
    max_payload_bytes: int = 6 * 1024 * 1024
    input_filter: str | None = None
    output_filter: str | None = None
    join_source: str = "None"
    assemble_with: str = "None"


def _batches(records: list[str], settings: Settings) -> Iterator[list[str]]:
    if settings.batch_strategy == "SingleRecord":
        yield from ([r] for r in records)
        return
    batch: list[str] = []
    size = 0
    for record in records:
        length = len(record.encode()) + 1
        if length > settings.max_payload_bytes:
            raise TransformError(
                f"a record of {length} bytes exceeds MaxPayloadInMB "
                f"({settings.max_payload_bytes} bytes)"
            )
        if batch and size + length > settings.max_payload_bytes:
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += length
    if batch:
        yield batch


def transform_object(text: str, handler: Handler, settings: Settings) -> str:
    """One input object's text -> its ``.out`` text."""
    if settings.split_type == "Line":
        records = [line for line in text.splitlines() if line.strip()]
    elif settings.split_type == "None":
        records = [text]
    else:
        raise TransformError(f"SplitType {settings.split_type} cannot run locally")
    keep_in = json_path_filter(settings.input_filter)
    keep_out = json_path_filter(settings.output_filter)
    results: list[str] = []
    for batch in _batches(records, settings):
        sent = [_line(keep_in(_row(r))) if settings.input_filter else r for r in batch]
        answer = handler("\n".join(sent) + ("\n" if settings.split_type == "Line" else ""))
        answers = [a for a in answer.splitlines() if a.strip()] if len(batch) > 1 else [answer]
        if len(answers) != len(batch):
            raise TransformError(
                f"the model answered {len(answers)} records for a batch of {len(batch)}"
            )
        for record, predicted in zip(batch, answers, strict=True):
            predicted = predicted.rstrip("\n")
            if settings.join_source == "Input":
                joined = _row(record) + _row(predicted)
                results.append(_line(keep_out(joined)))
            elif settings.output_filter:
                results.append(_line(keep_out(_row(predicted))))
            else:
                results.append(predicted)
    if settings.assemble_with == "Line":
        return "".join(f"{r}\n" for r in results)
    return "".join(results)
