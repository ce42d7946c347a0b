"""A reviewed ``terraform plan`` in a few lines: what it adds, changes and destroys.

Reads either the human-readable plan (the output of ``terraform plan`` or ``terraform show
tfplan``, colours or not) or ``terraform show -json tfplan``. Pure: text in, summary out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.errors import UsageError

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# "Plan: 5 to add, 1 to change, 0 to destroy." (newer versions may add ", 1 to import").
PLAN_TOTALS = re.compile(
    r"Plan:\s+(?P<add>\d+) to add,\s+(?P<change>\d+) to change,\s+(?P<destroy>\d+) to destroy"
)
NO_CHANGES = re.compile(r"No changes\.")
# "  # aws_iam_role.pipeline_execution will be created" / "must be replaced" / ...
RESOURCE_LINE = re.compile(r"^\s*#\s+(?P<address>\S+)\s+(?P<what>will be|must be)\s+(?P<how>.+)$")
TEXT_ACTIONS = {
    "created": "create",
    "updated in-place": "update",
    "destroyed": "delete",
    "replaced": "replace",
    "read during apply": "read",
}
JSON_ACTIONS = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("read",): "read",
}


@dataclass(frozen=True)
class PlanSummary:
    """Counts as Terraform states them, and each resource's planned action."""

    source: str  # the file as given
    add: int
    change: int
    destroy: int
    resources: list[tuple[str, str]] = field(default_factory=list)  # (address, action)

    @property
    def headline(self) -> str:
        if not (self.add or self.change or self.destroy):
            return "No changes: the infrastructure matches the configuration."
        return f"Plan: {self.add} to add, {self.change} to change, {self.destroy} to destroy."


def read_plan(path: Path, display: str | None = None) -> PlanSummary:
    """Summarise the plan in ``path``; a file that is not a plan is a usage error."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{shown}: no such terraform plan file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{shown}: cannot read the terraform plan ({error})") from None
    return summarise_plan(text, shown)


def summarise_plan(text: str, source: str) -> PlanSummary:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except ValueError as error:
            raise UsageError(f"{source}: not valid JSON ({error})") from None
        if isinstance(document, dict) and (
            "resource_changes" in document or "planned_values" in document
        ):
            return _from_json(document, source)
        raise UsageError(f"{source}: JSON without resource_changes; not `terraform show -json`")
    return _from_text(ANSI_ESCAPE.sub("", text), source)


def _from_text(text: str, source: str) -> PlanSummary:
    resources = []
    for line in text.splitlines():
        match = RESOURCE_LINE.match(line)
        if match:
            how = match["how"].strip().rstrip(".")
            action = next((a for key, a in TEXT_ACTIONS.items() if how.startswith(key)), how)
            resources.append((match["address"], action))
    totals = PLAN_TOTALS.search(text)
    if totals:
        return PlanSummary(
            source, int(totals["add"]), int(totals["change"]), int(totals["destroy"]), resources
        )
    if NO_CHANGES.search(text):
        return PlanSummary(source, 0, 0, 0, resources)
    raise UsageError(
        f"{source}: no 'Plan: N to add, N to change, N to destroy.' or 'No changes.' line; "
        "give the output of `terraform show -no-color tfplan` (or `terraform show -json tfplan`)"
    )


def _from_json(document: dict[str, Any], source: str) -> PlanSummary:
    resources = []
    counts = {"add": 0, "change": 0, "destroy": 0}
    for item in document.get("resource_changes") or []:
        actions = tuple((item.get("change") or {}).get("actions") or ())
        action = JSON_ACTIONS.get(actions)
        if action is None:
            continue  # no-op
        resources.append((str(item.get("address", "?")), action))
        if action in ("create", "replace"):
            counts["add"] += 1
        if action == "update":
            counts["change"] += 1
        if action in ("delete", "replace"):
            counts["destroy"] += 1
    return PlanSummary(source, counts["add"], counts["change"], counts["destroy"], resources)
