"""What aws_sagemaker_pipeline sends is byte for byte what `smpipe compile --env dev` writes.

Terraform evaluates the module's own `local.pipeline_definition` expression (taken from
infra/terraform/sagemaker.tf) with its variables (variables.tf) in `terraform console`,
which needs no provider; the hash of the value it would send is compared with the file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from compiler.compile import compile_spec_file

ROOT = Path(__file__).resolve().parent.parent
TF_DIR = ROOT / "infra" / "terraform"
TERRAFORM = shutil.which("terraform")
pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")


def _definition_expression() -> str:
    with (TF_DIR / "sagemaker.tf").open(encoding="utf-8") as handle:
        locals_block = hcl2.load(handle)["locals"][0]
    expression = locals_block["pipeline_definition"]
    assert expression.startswith("${") and expression.endswith("}")
    return expression[2:-1]


def _terraform_value(tmp_path: Path, definition_file: Path, expression: str) -> str:
    shutil.copy(TF_DIR / "variables.tf", tmp_path / "variables.tf")
    (tmp_path / "main.tf").write_text(
        f"locals {{\n  pipeline_definition = {_definition_expression()}\n}}\n", encoding="utf-8"
    )
    result = subprocess.run(
        [str(TERRAFORM), "console", f"-var=pipeline_definition_path={definition_file}"],
        input=expression,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return str(json.loads(result.stdout.strip().splitlines()[-1]))


def test_terraform_sends_the_compiled_definition_byte_for_byte(tmp_path: Path) -> None:
    compiled = compile_spec_file(ROOT / "spec" / "titanic-modelbuild.yaml", env="dev")
    definition_file = tmp_path / "titanic-modelbuild-dev.json"
    definition_file.write_bytes(compiled.text.encode("utf-8"))
    workdir = tmp_path / "tf"
    workdir.mkdir()
    sent = _terraform_value(workdir, definition_file, "sha256(local.pipeline_definition)")
    assert sent == hashlib.sha256(compiled.text.encode("utf-8")).hexdigest()


def test_the_comparison_notices_a_changed_file(tmp_path: Path) -> None:
    definition_file = tmp_path / "d.json"
    definition_file.write_text('{"Version": "2020-12-01"}\n', encoding="utf-8")
    workdir = tmp_path / "tf"
    workdir.mkdir()
    sent = _terraform_value(workdir, definition_file, "sha256(local.pipeline_definition)")
    compiled = compile_spec_file(ROOT / "spec" / "titanic-modelbuild.yaml", env="dev").text
    assert sent != hashlib.sha256(compiled.encode("utf-8")).hexdigest()


SETTINGS_LOCALS = ("pipeline_settings", "max_parallel_steps", "pipeline_tags")
TYPED = ROOT / "tests" / "golden" / "typed-parameters" / "spec.yaml"


def _settings_value(tmp_path: Path, settings_file: Path) -> object:
    """[max_parallel_steps, pipeline_tags] as the module's own locals compute them."""
    with (TF_DIR / "sagemaker.tf").open(encoding="utf-8") as handle:
        locals_block = hcl2.load(handle)["locals"][0]
    lines = [f"  {name} = {locals_block[name][2:-1]}" for name in SETTINGS_LOCALS]
    shutil.copy(TF_DIR / "variables.tf", tmp_path / "variables.tf")
    (tmp_path / "main.tf").write_text("locals {\n" + "\n".join(lines) + "\n}\n", encoding="utf-8")
    result = subprocess.run(
        [str(TERRAFORM), "console", f"-var=pipeline_settings_path={settings_file}"],
        input="jsonencode([local.max_parallel_steps, local.pipeline_tags])",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(json.loads(result.stdout.strip().splitlines()[-1]))


def test_terraform_sets_the_spec_parallelism_and_tags_on_the_pipeline(tmp_path: Path) -> None:
    compiled = compile_spec_file(TYPED, env="test")
    settings_file = tmp_path / "typed.settings.json"
    settings_file.write_text(json.dumps(compiled.settings), encoding="utf-8")
    workdir = tmp_path / "tf"
    workdir.mkdir()
    assert _settings_value(workdir, settings_file) == [
        4,
        {"team": "ml-platform", "cost-center": "1234"},
    ]
    # Without the file (a spec without settings): no cap, no tags of the spec's own.
    assert _settings_value(workdir, tmp_path / "missing.json") == [None, {}]
