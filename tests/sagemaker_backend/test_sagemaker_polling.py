"""Polling SageMaker with backoff: the delays, and the pacer the backend puts in front of
its describe/list calls so that any loop over them backs off."""

from __future__ import annotations

from itertools import islice

import pytest

from pipeline.sagemaker.polling import PollPacer, backoff_delays


def test_backoff_grows_then_stays_at_the_cap() -> None:
    assert list(islice(backoff_delays(2, 1.5, 10), 7)) == [2, 3, 4.5, 6.75, 10, 10, 10]


def test_backoff_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        next(backoff_delays(0))


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_the_pacer_backs_off_while_nothing_changes_and_resets_on_change() -> None:
    fake = FakeTime()
    pacer = PollPacer(2, 2, 8, clock=fake.clock, sleep=fake.sleep)
    key = ("steps", "arn")
    answers = ["Executing", "Executing", "Executing", "Executing", "Executing", "Succeeded", "x"]
    for answer in answers:
        pacer.before(key)
        pacer.after(key, answer)
    # first poll at once; then 2, 4, 8, 8, 8 while unchanged; the change resets it to 2
    assert fake.slept == [2, 4, 8, 8, 8, 2]


def test_the_pacer_does_not_wait_when_the_caller_was_slow_anyway() -> None:
    fake = FakeTime()
    pacer = PollPacer(2, 2, 8, clock=fake.clock, sleep=fake.sleep)
    pacer.before("k")
    pacer.after("k", 1)
    fake.now += 5  # the caller did other things for 5 s
    pacer.before("k")
    assert fake.slept == []
    pacer.after("k", 1)
    fake.now += 1
    pacer.before("k")
    assert fake.slept == [3]  # 4 s after the previous poll, 1 s already gone


def test_keys_are_paced_separately() -> None:
    fake = FakeTime()
    pacer = PollPacer(2, 2, 8, clock=fake.clock, sleep=fake.sleep)
    pacer.before("a")
    pacer.after("a", 1)
    pacer.before("b")
    assert fake.slept == []
