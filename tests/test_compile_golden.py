"""Golden definitions: tests/golden/<case>/spec.yaml (+ env/test.yaml) -> definition.json,
and the product's own spec/titanic-modelbuild.yaml --env dev -> titanic-modelbuild-dev.json.
Rewrite with `pytest --update-goldens` and review the diff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.compile import compile_spec_file

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parent.parent
CASES = sorted(p.parent for p in GOLDEN.glob("*/spec.yaml"))
TITANIC = ROOT / "spec" / "titanic-modelbuild.yaml"
TITANIC_GOLDEN = GOLDEN / "titanic-modelbuild-dev.json"


def _check(actual: str, expected_file: Path, update: bool) -> None:
    if update:
        expected_file.write_text(actual)
    assert expected_file.exists(), f"{expected_file} is missing: run pytest --update-goldens"
    assert actual == expected_file.read_text()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_definition(case: Path, update_goldens: bool) -> None:
    result = compile_spec_file(case / "spec.yaml", env="test")
    _check(result.text, case / "definition.json", update_goldens)


EXAMPLES = sorted((ROOT / "spec" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_example_definition(example: Path, update_goldens: bool) -> None:
    """spec/examples/<name>.yaml --env dev -> tests/golden/examples/<name>-dev.json."""
    result = compile_spec_file(example, env="dev")
    _check(result.text, GOLDEN / "examples" / f"{example.stem}-dev.json", update_goldens)


def test_titanic_definition(update_goldens: bool) -> None:
    result = compile_spec_file(TITANIC, env="dev")
    _check(result.text, TITANIC_GOLDEN, update_goldens)


def test_output_format_is_canonical() -> None:
    text = compile_spec_file(TITANIC, env="dev").text
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _compile_in_subprocess(cwd: Path, seed: str, output: Path) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SMPIPE_"))}
    env["PYTHONHASHSEED"] = seed
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from pipeline.cli import main; main()",
            "compile",
            str(TITANIC),
            "--env",
            "dev",
            "-o",
            str(output),
        ],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
    )
    return output.read_bytes()


def test_byte_identical_across_hash_seeds_and_working_directories(tmp_path: Path) -> None:
    first = _compile_in_subprocess(ROOT, "1", tmp_path / "a.json")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    second = _compile_in_subprocess(elsewhere, "4242", tmp_path / "b.json")
    assert first == second == TITANIC_GOLDEN.read_bytes()


def test_changing_a_deploy_variable_changes_only_what_uses_it() -> None:
    base = compile_spec_file(TITANIC, env="dev").definition
    other = compile_spec_file(TITANIC, env="dev", variables={"git_sha": "abc123"}).definition
    assert base["Steps"] == other["Steps"]
    assert compile_spec_file(TITANIC, env="dev", variables={"git_sha": "abc123"}).variables == {
        "account": "111122223333",
        "region": "eu-west-1",
        "data_bucket": "titanic-mlops-artifacts-dev",
        "role_arn": "arn:aws:iam::111122223333:role/SageMakerPipelineExecutionRole",
        "git_sha": "abc123",
    }
    code = {p["Name"]: p for p in other["Parameters"]}["CodeBundleUri"]
    assert (
        code["DefaultValue"]
        == "s3://titanic-mlops-artifacts-dev/pipeline/code/abc123/pipeline_code.tar.gz"
    )
