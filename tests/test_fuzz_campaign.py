"""A seeded sample of the fuzzing campaign (scripts/fuzz_specs.py runs 10,000 cases with a
time and memory bound per case): mutated Titanic and golden specs, trees and texts, are
checked, compiled and rendered without an exception, every diagnostic positioned."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import fuzz_specs

SEEDS = fuzz_specs.seeds()
SAMPLE = 300


@pytest.mark.parametrize("block", range(10))
def test_seeded_fuzz_sample(block: int) -> None:
    for number in range(block, SAMPLE, 10):
        base, text = fuzz_specs.make_case(SEEDS, 11, number)
        try:
            fuzz_specs.check_case(base, text)
        except Exception as error:  # the case number reproduces it: scripts/fuzz_specs.py
            raise AssertionError(f"fuzz case 11:{number} ({base.path.name}): {error!r}") from error


def test_the_generator_is_deterministic_and_varied() -> None:
    first = [fuzz_specs.make_case(SEEDS, 11, n)[1] for n in range(30)]
    assert first == [fuzz_specs.make_case(SEEDS, 11, n)[1] for n in range(30)]
    assert len(set(first)) == 30
