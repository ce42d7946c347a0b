"""``smpipe import --backend sagemaker --pipeline NAME`` against the moto server: the
deployed pipeline (upserted from the Titanic spec) comes back as a spec that compiles to
the same bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]


def smpipe(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMPIPE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_import_a_deployed_pipeline(aws_env: dict[str, str], unique: str, tmp_path: Path) -> None:
    env = {**aws_env, "PYTHONPATH": str(ROOT)}
    name = f"imported-{unique}"
    upserted = smpipe(env, ROOT, "upsert", "spec/titanic-modelbuild.yaml", "--env", "dev",
                      "--name", name, "--backend", "sagemaker")  # fmt: skip
    assert upserted.returncode == 0, upserted.stderr
    (tmp_path / "spec").mkdir()
    done = smpipe(env, tmp_path, "import", "--backend", "sagemaker", "--pipeline", name,
                  "-o", "spec/deployed.yaml", "--env", "prod")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "the spec compiles back to the source definition" in done.stderr
    spec = (tmp_path / "spec/deployed.yaml").read_text()
    assert f"Imported by `smpipe import` from pipeline {name} (PipelineDefinition)." in spec
    assert f"Deployed as {name}" in spec  # the outputs still say titanic-modelbuild-dev
    assert "description: Titanic survival ModelBuild" in spec
    back = smpipe(env, tmp_path, "compile", "spec/deployed.yaml", "--env", "prod")
    assert back.returncode == 0, back.stderr
    assert back.stdout == (ROOT / "tests/golden/titanic-modelbuild-dev.json").read_text()
    missing = smpipe(env, tmp_path, "import", "--backend", "sagemaker", "--pipeline",
                     f"nope-{unique}", "-o", "spec/x.yaml")  # fmt: skip
    assert missing.returncode == 2, missing.stderr
    assert f"no pipeline 'nope-{unique}'" in missing.stderr
