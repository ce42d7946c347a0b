"""The one explicit list of rules: id, area, what it catches, and the function that checks.

Ids are stable (they appear in diagnostics, in CI logs and in docs/rules.md, which
``scripts/gen_rules_doc.py`` generates from this list). Some ids are reported by the loader
or the compiler rather than by a check function; they are listed here all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compiler.diagnostics import Diagnostic
from compiler.rules.context import SpecContext

Check = Callable[[SpecContext], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    id: str
    area: str
    description: str
    check: Check | None = None  # None: reported by the loader, the models or the emitter


RULES: list[Rule] = []


def rule(rule_id: str, area: str, description: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, area, description, check))
        return check

    return register


def declare(rule_id: str, area: str, description: str) -> None:
    RULES.append(Rule(rule_id, area, description))
