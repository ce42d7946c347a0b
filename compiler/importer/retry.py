"""A step's ``RetryPolicies`` -> its ``retry:`` list; the inverse of ``compiler.emit.retry``.
Policies stay on each step (``defaults.retry`` would need every step to inherit the same,
and a register step inherits only the Step.* types)."""

from __future__ import annotations

from typing import Any

from compiler.importer.context import ImportContext, describe, mapping, sequence

_FIELDS = {
    "ExceptionType": "exceptions",
    "IntervalSeconds": "interval_seconds",
    "BackoffRate": "backoff_rate",
    "MaxAttempts": "max_attempts",
    "ExpireAfterMin": "expire_after_minutes",
}


def retry_policies(ctx: ImportContext, value: Any, path: str) -> list[dict[str, Any]]:
    policies = []
    for index, item in enumerate(sequence(ctx, value, path)):
        where = f"{path}[{index}]"
        item = mapping(ctx, item, where)
        policy: dict[str, Any] = {}
        for key, item_value in item.items():
            field = _FIELDS.get(key)
            if field is None:
                ctx.unsupported(f"{where}.{key}", f"retry policy field {key} has no spec form")
            elif isinstance(item_value, (dict, list)) and field != "exceptions":
                ctx.unsupported(
                    f"{where}.{key}", f"a literal is expected, not {describe(item_value)}"
                )
            else:
                policy[field] = item_value
        policies.append(policy)
    return policies
