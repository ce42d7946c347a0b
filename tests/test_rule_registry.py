"""The rule registry: @rule registers a check under its id, area and description and hands
the function back unchanged; declare lists an id some other stage reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from compiler.rules import registry
from compiler.rules.registry import RULES, Rule, declare, rule


@pytest.fixture
def restored() -> Iterator[None]:
    before = list(RULES)
    yield
    RULES[:] = before


def test_rule_registers_the_check_and_returns_it(restored: None) -> None:
    def check(ctx: object) -> list[object]:
        return []

    count = len(RULES)
    returned = rule("some-id", "some-area", "What it catches.")(check)  # type: ignore[arg-type]
    assert returned is check
    assert RULES[count:] == [Rule("some-id", "some-area", "What it catches.", check)]  # type: ignore[arg-type]


def test_declare_lists_a_rule_without_a_check(restored: None) -> None:
    count = len(RULES)
    declare("other-id", "parse", "Reported by the loader.")
    assert RULES[count:] == [Rule("other-id", "parse", "Reported by the loader.")]
    assert RULES[-1].check is None


def test_the_registry_list_is_the_one_the_rules_use() -> None:
    import compiler.rules

    assert compiler.rules.RULES is registry.RULES
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)), "a rule id is registered twice"
