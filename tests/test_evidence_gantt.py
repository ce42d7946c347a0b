"""The evidence report's Mermaid Gantt chart of step timings: exact text, start order,
tags by status, cache hits and unfinished steps as milestones, steps not started left out."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.backends.interface import StepRecord
from pipeline.evidence.gantt import step_gantt

T0 = datetime(2026, 11, 30, 8, 0, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_gantt_of_an_execution() -> None:
    steps = [
        StepRecord("TrainModel", "Training", "Failed", at(5.5), at(65.25)),
        StepRecord("DataPreProcessing", "Processing", "Succeeded", at(0), at(5.5)),
        StepRecord("Cached", "Processing", "Succeeded", at(1), at(1), cache_source_execution="x"),
        StepRecord("Gate:1", "Condition", "Executing", at(66)),
        StepRecord("RegisterModel", "RegisterModel", "Starting"),
    ]
    assert step_gantt(steps) == (
        "gantt\n"
        "  title Step timings (UTC)\n"
        "  dateFormat YYYY-MM-DDTHH:mm:ss.SSS\n"
        "  axisFormat %H:%M:%S\n"
        "  DataPreProcessing (Succeeded) :done, s0, 2026-11-30T08:00:00.000, 2026-11-30T08:00:05.500\n"
        "  Cached (Succeeded, cache hit) :done, milestone, s1, 2026-11-30T08:00:01.000, 2026-11-30T08:00:01.000\n"
        "  TrainModel (Failed) :crit, s2, 2026-11-30T08:00:05.500, 2026-11-30T08:01:05.250\n"
        "  Gate_1 (Executing) :active, milestone, s3, 2026-11-30T08:01:06.000, 2026-11-30T08:01:06.000\n"
    )


def test_no_started_step_no_chart() -> None:
    assert step_gantt([StepRecord("A", "Processing", "Starting")]) == ""


def test_times_are_utc_whatever_the_machine_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30, no daylight saving
    time.tzset()
    try:
        line = step_gantt([StepRecord("A", "Processing", "Succeeded", at(0), at(1))])
    finally:
        monkeypatch.undo()
        time.tzset()
    assert line.splitlines()[-1] == (
        "  A (Succeeded) :done, s0, 2026-11-30T08:00:00.000, 2026-11-30T08:00:01.000"
    )
