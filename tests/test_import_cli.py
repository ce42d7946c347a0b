"""``smpipe import`` as a user types it: a file, standard input, a DescribePipeline
response; the env file written or extended; nothing written when the round trip fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from import_support import ROOT

SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]
GOLDEN = ROOT / "tests/golden/titanic-modelbuild-dev.json"
SEED = ROOT / "tests/fixtures/sdk-v3-titanic-definition.json"


def smpipe(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMPIPE, *args], cwd=cwd, capture_output=True, text=True, input=stdin, timeout=120
    )


def test_import_writes_a_spec_and_env_that_compile_to_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    done = smpipe(tmp_path, "import", str(GOLDEN), "-o", "spec/titanic.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "wrote spec/titanic.yaml and spec/env/dev.yaml: the spec compiles back" in done.stderr
    env = (tmp_path / "spec/env/dev.yaml").read_text()
    assert "role_arn: arn:aws:iam::111122223333:role/SageMakerPipelineExecutionRole" in env
    assert "data_bucket: titanic-mlops-artifacts-dev" in env and "region: eu-west-1" in env
    spec = (tmp_path / "spec/titanic.yaml").read_text()
    assert "role: ${role_arn}" in spec and "sklearn: {framework: sklearn" in spec
    back = smpipe(tmp_path, "compile", "spec/titanic.yaml", "--env", "dev")
    assert back.returncode == 0, back.stderr
    assert back.stdout == GOLDEN.read_text()


def test_stdin_and_an_existing_env_file_are_reused(tmp_path: Path) -> None:
    (tmp_path / "spec/env").mkdir(parents=True)
    env_file = tmp_path / "spec/env/dev.yaml"
    env_file.write_text("bucket: titanic-mlops-artifacts-dev\nteam: ml\n")
    done = smpipe(tmp_path, "import", "-", "-o", "spec/t.yaml", stdin=GOLDEN.read_text())
    assert done.returncode == 0, done.stderr
    spec = (tmp_path / "spec/t.yaml").read_text()
    assert "artifacts: s3://${bucket}/pipeline/runtime" in spec  # the existing name is kept
    text = env_file.read_text()
    assert text.startswith("bucket: titanic-mlops-artifacts-dev\nteam: ml\n# Added by smpipe")
    assert "data_bucket" not in text
    back = smpipe(tmp_path, "compile", "spec/t.yaml", "--env", "dev")
    assert back.stdout == GOLDEN.read_text()


def test_a_conflicting_env_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "spec/env").mkdir(parents=True)
    (tmp_path / "spec/env/dev.yaml").write_text("region: us-east-1\n")
    done = smpipe(tmp_path, "import", str(GOLDEN), "-o", "spec/t.yaml")
    assert done.returncode == 2
    assert "region is 'us-east-1' there, the pipeline has 'eu-west-1'" in done.stderr
    assert "--env NAME" in done.stderr
    assert not (tmp_path / "spec/t.yaml").exists()


def test_a_failed_round_trip_writes_nothing_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    refused = smpipe(tmp_path, "import", str(SEED), "-o", "spec/seed.yaml")
    assert refused.returncode == 1
    assert "not reproduced: $.Steps[0].Arguments.AppSpecification.ContainerEntrypoint" in (
        refused.stderr
    )
    assert "nothing written (--force writes it anyway)" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "spec/seed.yaml").exists() and not (tmp_path / "spec/env").exists()
    forced = smpipe(tmp_path, "import", str(SEED), "-o", "spec/seed.yaml", "--force")
    assert forced.returncode == 1
    assert "does NOT compile back" in forced.stderr
    assert (tmp_path / "spec/seed.yaml").is_file()
    exists = smpipe(tmp_path, "import", str(GOLDEN), "-o", "spec/seed.yaml")
    assert exists.returncode == 2 and "exists; give --force" in exists.stderr


def test_malformed_input_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(
        '{"Version": "2020-12-01", "Steps": [{"Name": "A", "Type": "Teleport"}]}'
    )
    done = smpipe(tmp_path, "import", "bad.json", "-o", "a.yaml")
    assert done.returncode == 1
    assert done.stderr.startswith("smpipe: error: bad.json: cannot import: 1 problem:\n")
    assert '$.Steps[0].Type: step "A" has unknown step type "Teleport"' in done.stderr
    missing = smpipe(tmp_path, "import", "nope.json", "-o", "a.yaml")
    assert missing.returncode == 2 and "nope.json: no such file" in missing.stderr
    local = smpipe(tmp_path, "import", "--pipeline", "p", "-o", "a.yaml")
    assert local.returncode == 2 and "add --backend sagemaker" in local.stderr
    response = json.dumps({"PipelineDefinition": "not json"})
    (tmp_path / "described.json").write_text(response)
    described = smpipe(tmp_path, "import", "described.json", "-o", "a.yaml")
    assert described.returncode == 1
    assert "described.json (PipelineDefinition): cannot import" in described.stderr
