"""Polling SageMaker politely: exponential backoff, capped, so watching never gets throttled."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator

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


class PollPacer:
    """Spaces repeated polls of the same thing: the first call goes at once, each repeat
    waits ``first`` seconds after the previous one, growing by ``factor`` up to ``cap``
    while the answer stays the same, back to ``first`` when it changes.

    The backend paces its own describe/list calls, so any caller that loops (``watch``,
    ``run``, ``stop --wait``) polls SageMaker with backoff however fast it asks."""

    def __init__(
        self,
        first: float = FIRST_DELAY_SECONDS,
        factor: float = BACKOFF_FACTOR,
        cap: float = MAX_DELAY_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if first < 0 or factor < 1 or cap < first:
            raise ValueError("pacing needs first >= 0, factor >= 1 and cap >= first")
        self.first, self.factor, self.cap = first, factor, cap
        self.clock, self.sleep = clock, sleep
        self._last: dict[Hashable, tuple[float, float, Hashable]] = {}

    def before(self, key: Hashable) -> None:
        """Wait, if needed, before polling ``key`` again."""
        state = self._last.get(key)
        if state is not None:
            remaining = state[0] + state[1] - self.clock()
            if remaining > 0:
                self.sleep(remaining)

    def after(self, key: Hashable, answer: Hashable) -> None:
        """Record the poll of ``key`` and what it answered."""
        previous = self._last.get(key)
        if previous is None or previous[2] != answer:
            delay = self.first
        else:
            delay = min(previous[1] * self.factor, self.cap)
        self._last[key] = (self.clock(), delay, answer)

    def forget(self, key: Hashable) -> None:
        """Stop pacing ``key`` (its answer will not change any more)."""
        self._last.pop(key, None)
