"""Bounded parsing of untrusted specs: alias bombs, deep nesting, recursive aliases and
oversized files end in one positioned [yaml-limit] error, never in an expansion. The time
and memory this takes are measured by bench/alias_bomb.py, not here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.loader import load_file, load_text
from compiler.yaml_limits import DEFAULT_LIMITS, Limits
from pipeline.cli import cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from hostile import (
    alias_bomb,
    deep_nesting,
    long_line,
    merge_bomb,
    recursive_alias,
)


def only_problem(text: str, limits: Limits = DEFAULT_LIMITS) -> tuple[int, int, str, str]:
    document = load_text(text, "bomb.yaml", limits)
    assert document.data is None
    assert len(document.problems) == 1, document.problems
    found = document.problems[0]
    return found.line, found.col, found.rule, found.message


# The first level past 200,000 values: 9**6 items (line 8) or 9 keys of 9 keys... (line 7).
@pytest.mark.parametrize(
    ("make", "line"), [(alias_bomb, 8), (merge_bomb, 7)], ids=["aliases", "merge-keys"]
)
@pytest.mark.parametrize("depth", [6, 7, 9, 12, 20, 40, 100])
def test_alias_bombs_of_any_depth_end_in_a_clean_error(make: object, line: int, depth: int) -> None:
    assert callable(make)
    found_line, col, rule, message = only_problem(make(depth))
    assert rule == "yaml-limit"
    assert found_line == line and col > 1
    assert "past 200,000 values" in message and "--parse-limit max-nodes=N" in message


@pytest.mark.parametrize("depth", [1, 3, 5])
def test_small_alias_structures_load(depth: int) -> None:
    document = load_text(alias_bomb(depth), "ok.yaml")
    assert document.problems == []
    assert document.data[f"lol{depth}"][0] == document.data[f"lol{depth - 1}"]


def test_merge_bomb_below_the_limit_loads_expanded() -> None:
    document = load_text(merge_bomb(2), "ok.yaml")
    assert document.problems == []
    assert document.data["m2"]["k8"]["k0"] == {"a": 1, "b": 2}


def test_too_many_aliases() -> None:
    text = "version: 1\na: &a x\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    line, _col, rule, message = only_problem(text)
    assert (line, rule) == (3, "yaml-limit")
    assert "more than 1,000 aliases" in message and "max-aliases" in message
    assert load_text(text, "ok.yaml", Limits(max_aliases=2000)).problems == []


@pytest.mark.parametrize("flow", [True, False])
def test_nesting_deeper_than_the_limit(flow: bool) -> None:
    line, col, rule, message = only_problem(deep_nesting(10_000 if flow else 500, flow))
    assert rule == "yaml-limit" and "nests more than 64 levels deep" in message
    assert (line, col) == ((2, 67) if flow else (66, 129))
    assert load_text(deep_nesting(60, flow), "ok.yaml").problems == []


def test_a_recursive_alias_is_refused() -> None:
    assert only_problem(recursive_alias()) == (
        2,
        15,
        "yaml-limit",
        'alias "*loop" refers to "&loop" from inside it: a recursive structure has no end',
    )


def test_a_file_over_the_size_limit_is_not_read_whole(tmp_path: Path) -> None:
    spec = tmp_path / "big.yaml"
    spec.write_text(long_line(2_000_000))
    document = load_file(spec, "big.yaml")
    assert [(p.line, p.rule) for p in document.problems] == [(3, "yaml-limit")]
    assert "the spec is 2,000,037 bytes" in document.problems[0].message
    assert load_file(spec, "big.yaml", Limits(max_bytes=3_000_000)).problems == []


def test_the_cli_raises_a_limit_and_refuses_a_bad_one(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(deep_nesting(70))
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1 and "[yaml-limit]" in result.stdout
    result = runner.invoke(cli, ["validate", str(spec), "--parse-limit", "max-depth=100"])
    assert "[yaml-limit]" not in result.stdout and "[schema]" in result.stdout
    result = runner.invoke(cli, ["compile", str(spec), "--parse-limit", "depth=100"])
    assert result.exit_code == 2 and "--parse-limit expects NAME=N" in result.stderr


def test_a_merge_key_override_is_not_a_duplicate() -> None:
    text = "base: &base {a: 1, b: 2}\nderived:\n  <<: *base\n  b: 3\n  c: 4\n"
    document = load_text(text, "merge.yaml")
    assert document.problems == []
    assert document.data["derived"] == {"a": 1, "b": 3, "c": 4}
    # Positions: the override points at its own line, the merged key at the anchor's.
    assert document.positions.find(("derived", "b")) == (4, 6)
    assert document.positions.find(("derived", "a")) == (1, 17)
    # Two written keys are still a duplicate, merge or not.
    twice = load_text(text + "  c: 5\n", "merge.yaml")
    assert [(p.line, p.rule) for p in twice.problems] == [(6, "yaml-duplicate-key")]


def test_earlier_merge_sources_win_as_yaml_says() -> None:
    text = "x: &x {a: 1}\ny: &y {a: 2, b: 2}\nz:\n  <<: [*x, *y]\n"
    assert load_text(text, "merge.yaml").data["z"] == {"a": 1, "b": 2}
