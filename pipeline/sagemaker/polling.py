"""Polling SageMaker politely: exponential backoff, capped, so watching never gets throttled."""

from __future__ import annotations

from collections.abc import Iterator

FIRST_DELAY_SECONDS = 2.0
BACKOFF_FACTOR = 1.5
MAX_DELAY_SECONDS = 30.0


def backoff_delays(
    first: float = FIRST_DELAY_SECONDS,
    factor: float = BACKOFF_FACTOR,
    cap: float = MAX_DELAY_SECONDS,
) -> Iterator[float]:
    """2, 3, 4.5, 6.75 ... seconds, never more than ``cap``: endless, the caller stops."""
    if first <= 0 or factor < 1 or cap < first:
        raise ValueError("backoff needs first > 0, factor >= 1 and cap >= first")
    delay = first
    while True:
        yield delay
        delay = min(delay * factor, cap)
