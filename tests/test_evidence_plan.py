"""The terraform plan summary of the evidence report: each action, count and refusal, from
plan text or JSON given in the test (no terraform)."""

from __future__ import annotations

import json
import locale
from pathlib import Path
from typing import Any

import pytest

from compiler.errors import UsageError
from pipeline.evidence.terraform_plan import PlanSummary, read_plan, summarise_plan


def usage_error(text: str, source: str = "plan.txt") -> str:
    with pytest.raises(UsageError) as raised:
        summarise_plan(text, source)
    return str(raised.value)


def test_each_text_action_and_the_totals() -> None:
    text = "\n".join(
        [
            "  # aws_iam_role.a will be created",
            "  # aws_iam_role.b will be updated in-place",
            "  # aws_iam_role.c will be destroyed",
            "  # aws_iam_role.d must be replaced",
            "  # data.aws_iam_policy.e will be read during apply",
            "  # aws_iam_role.f has moved to aws_iam_role.g",  # neither will be nor must be
            "  # aws_iam_role.h will be moved to BOX.",
            "#aws_iam_role.i will be created",  # no space after #
            "\x1b[1mPlan:\x1b[0m 2 to add, 1 to change, 2 to destroy.",
        ]
    )
    summary = summarise_plan(text, "plan.txt")
    assert summary == PlanSummary(
        "plan.txt",
        2,
        1,
        2,
        [
            ("aws_iam_role.a", "create"),
            ("aws_iam_role.b", "update"),
            ("aws_iam_role.c", "delete"),
            ("aws_iam_role.d", "replace"),
            ("data.aws_iam_policy.e", "read"),
            ("aws_iam_role.h", "moved to BOX"),
        ],
    )
    assert summary.headline == "Plan: 2 to add, 1 to change, 2 to destroy."


def test_newer_totals_with_imports_and_no_changes() -> None:
    newer = summarise_plan("Plan: 1 to add, 0 to change, 0 to destroy, 1 to import.\n", "p")
    assert (newer.add, newer.change, newer.destroy, newer.resources) == (1, 0, 0, [])
    read = summarise_plan(
        " # data.aws_caller_identity.me will be read during apply\nNo changes.", "p"
    )
    assert read.resources == [("data.aws_caller_identity.me", "read")]
    for text in ("No changes. Your infrastructure matches the configuration.", "\n\nNo changes.\n"):
        quiet = summarise_plan(text, "p")
        assert quiet == PlanSummary("p", 0, 0, 0, [])
        assert quiet.headline == "No changes: the infrastructure matches the configuration."


@pytest.mark.parametrize(
    ("counts", "headline"),
    [
        ((1, 0, 0), "Plan: 1 to add, 0 to change, 0 to destroy."),
        ((0, 3, 0), "Plan: 0 to add, 3 to change, 0 to destroy."),
        ((0, 0, 2), "Plan: 0 to add, 0 to change, 2 to destroy."),
    ],
)
def test_headline_names_any_nonzero_count(counts: tuple[int, int, int], headline: str) -> None:
    assert PlanSummary("p", *counts).headline == headline


def json_plan(*actions: Any, **extra: Any) -> str:
    changes = [{"address": f"r.{i}", "change": {"actions": a}} for i, a in enumerate(actions)]
    return "  \n" + json.dumps({"resource_changes": changes, **extra})


def test_each_json_action_counts_as_terraform_counts_it() -> None:
    summary = summarise_plan(
        json_plan(
            ["no-op"],
            [],
            ["create"],
            ["update"],
            ["update"],
            ["delete"],
            ["delete", "create"],
            ["create", "delete"],
            ["read"],
            ["create"],
        ),
        "plan.json",
    )
    assert summary == PlanSummary(
        "plan.json",
        4,
        2,
        3,
        [
            ("r.2", "create"),
            ("r.3", "update"),
            ("r.4", "update"),
            ("r.5", "delete"),
            ("r.6", "replace"),
            ("r.7", "replace"),
            ("r.8", "read"),
            ("r.9", "create"),
        ],
    )


def test_json_items_without_address_change_or_changes() -> None:
    document = {"resource_changes": [{"change": {"actions": ["create"]}}, {"address": "x"}]}
    assert summarise_plan(json.dumps(document), "p").resources == [("?", "create")]
    empty = summarise_plan(json.dumps({"planned_values": {}}), "p")
    assert empty == PlanSummary("p", 0, 0, 0, [])
    nulls = summarise_plan(json.dumps({"resource_changes": None}), "p")
    assert nulls == PlanSummary("p", 0, 0, 0, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{not json",
            "plan.txt: not valid JSON (Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1))",
        ),
        ("{}", "plan.txt: JSON without resource_changes; not `terraform show -json`"),
        (
            "[1]",
            "plan.txt: no 'Plan: N to add, N to change, N to destroy.' or 'No changes.' line; "
            "give the output of `terraform show -no-color tfplan` (or `terraform show -json tfplan`)",
        ),
        (
            "hello\n",
            "plan.txt: no 'Plan: N to add, N to change, N to destroy.' or 'No changes.' line; "
            "give the output of `terraform show -no-color tfplan` (or `terraform show -json tfplan`)",
        ),
    ],
)
def test_what_is_not_a_plan(text: str, message: str) -> None:
    assert usage_error(text) == message


def test_read_plan_names_the_file_as_given(tmp_path: Path) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text("Plan: 1 to add, 0 to change, 0 to destroy.\n", encoding="utf-8")
    assert read_plan(plan).source == str(plan)
    assert read_plan(plan, "infra/plan.txt").source == "infra/plan.txt"
    with pytest.raises(UsageError) as raised:
        read_plan(tmp_path / "absent.txt", "absent.txt")
    assert str(raised.value) == "absent.txt: no such terraform plan file"
    with pytest.raises(UsageError) as raised:
        read_plan(tmp_path / "absent.txt")
    assert str(raised.value) == f"{tmp_path / 'absent.txt'}: no such terraform plan file"
    binary = tmp_path / "plan.bin"
    binary.write_bytes(b"\xff\xfe plan")
    with pytest.raises(UsageError) as raised:
        read_plan(binary, "plan.bin")
    assert str(raised.value).startswith("plan.bin: cannot read the terraform plan ('utf-8' codec")
    with pytest.raises(UsageError) as raised:
        read_plan(tmp_path, "folder")
    assert str(raised.value).startswith("folder: cannot read the terraform plan ([Errno 21]")


def test_a_plan_is_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """Terraform writes UTF-8 (descriptions, box drawing); a C locale must not change that."""
    plan = tmp_path / "plan.txt"
    plan.write_text(
        "  # aws_iam_role.é will be created\nPlan: 1 to add, 0 to change, 0 to destroy.\n",
        encoding="utf-8",
    )
    before = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")
        summary = read_plan(plan, "plan.txt")
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert summary.resources == [("aws_iam_role.é", "create")]
