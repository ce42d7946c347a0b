"""Each tests/errors/<case>.yaml breaks one rule; <case>.out is the exact expected output of
`smpipe validate <case> --env test` (plus the exit status; a usage error, exit 2, shows its
standard error). A case may start with `# args: ...` for extra CLI arguments. Rewrite with
`pytest --update-goldens`."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.rules import RULES
from pipeline.cli import cli

ERRORS = Path(__file__).resolve().parent / "errors"
CASES = sorted(ERRORS.glob("*.yaml"))


def _extra_args(case: Path) -> list[str]:
    first = case.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    return shlex.split(first.removeprefix("# args:")) if first.startswith("# args:") else []


def run_case(case: Path) -> str:
    relative = str(case.relative_to(ERRORS.parent.parent))
    args = ["validate", relative, "--env", "test", *_extra_args(case)]
    result = CliRunner().invoke(cli, args)
    shown = result.stdout + (result.stderr if result.exit_code == 2 else "")
    return shown + f"[exit {result.exit_code}]\n"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_error_case(case: Path, repo_root: Path, update_goldens: bool) -> None:
    actual = run_case(case)
    expected_file = case.with_suffix(".out")
    if update_goldens:
        expected_file.write_text(actual)
    assert expected_file.exists(), f"{expected_file} is missing: run pytest --update-goldens"
    assert actual == expected_file.read_text()
    # Problems in the spec exit 1; a --var naming no deploy variable is a usage error.
    assert actual.endswith("[exit 2]\n" if case.stem == "deploy-variable-unknown" else "[exit 1]\n")


def test_every_rule_has_an_error_case() -> None:
    outputs = "".join(
        case.with_suffix(".out").read_text() for case in CASES if case.with_suffix(".out").exists()
    )
    # definition-size needs a >1 MiB definition: tests/test_cli_compile.py generates one.
    untested = [r.id for r in RULES if f"[{r.id}]" not in outputs and r.id != "definition-size"]
    assert untested == []
