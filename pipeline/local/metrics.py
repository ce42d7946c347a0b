"""A training job's MetricDefinitions applied to its log, as SageMaker does: each regex is
searched in every log line and the metric's final value is the first group of the last
match; the result is the job's FinalMetricDataList (what a condition or the registry reads)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def defined_metric_data(
    log_path: Path, definitions: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """[{"MetricName", "Value"}] for each definition that matched a number in the log."""
    patterns = []
    for definition in definitions:
        try:
            patterns.append((str(definition["Name"]), re.compile(str(definition["Regex"]))))
        except (KeyError, re.error):
            continue  # the compiler refuses these; a hand-written definition may have them
    last: dict[str, float] = {}
    try:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            for line in log:
                for name, pattern in patterns:
                    for match in pattern.finditer(line):
                        value = _number(match)
                        if value is not None:
                            last[name] = value
    except OSError:
        return []
    return [{"MetricName": name, "Value": last[name]} for name, _ in patterns if name in last]


def _number(match: re.Match[str]) -> float | None:
    text = match.group(1) if match.re.groups else match.group(0)
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def merged(built_in: list[dict[str, Any]], defined: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The job's own definitions win over the built-in algorithm's metrics of the same name."""
    names = {m["MetricName"] for m in defined}
    return [m for m in built_in if m["MetricName"] not in names] + defined
