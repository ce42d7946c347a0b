"""The user's path: build the sdist and the wheel, install the wheel in a clean venv, and
from a folder outside the checkout run validate, compile, graph, diff, schema, bundle
(--code-dir), init and a local run of the generated pipeline with its own step code.

Slow (a build and an install), so out of the default run: scripts/test-dist.sh runs it
(SMPIPE_DIST=1, and $UV, the installer of scripts/uv.sh); CI does, after scripts/test.sh.
With SMPIPE_DIST_DIR the files already built there are tested (the release workflow).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TITANIC_GOLDEN = ROOT / "tests" / "golden" / "titanic-modelbuild-dev.json"

pytestmark = pytest.mark.skipif(
    os.environ.get("SMPIPE_DIST") != "1", reason="slow: run with scripts/test-dist.sh"
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    env: dict[str, str]

    def smpipe(self, *args: str, cwd: Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.venv / "bin" / "smpipe"), *args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == expect, f"smpipe {' '.join(args)}:\n{done.stdout}{done.stderr}"
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
        return done


def _run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "needs uv: run scripts/test-dist.sh (it sets $UV)"
    base = tmp_path_factory.mktemp("dist")
    prebuilt = os.environ.get("SMPIPE_DIST_DIR")  # the release tests the files it publishes
    dist = (ROOT / prebuilt) if prebuilt else base / "dist"
    if not prebuilt:
        # uv build: the sdist, then the wheel built from the sdist (so the sdist is complete).
        _run(uv, "build", "--quiet", "--out-dir", dist, ROOT)
    (wheel,) = dist.glob("smpipe-*.whl")
    (sdist,) = dist.glob("smpipe-*.tar.gz")
    # The exact versions of uv.lock for the wheel's `local` extra, as constraints.
    constraints = base / "constraints.txt"
    locked = _run(
        uv, "export", "--frozen", "--quiet", "--no-emit-project", "--no-hashes",
        "--extra", "local", "--format", "requirements-txt", "--project", ROOT,
    )  # fmt: skip
    constraints.write_text(locked)
    venv = base / "venv"
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    _run(
        uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python",
        f"{wheel}[local]", "--constraint", constraints,
    )  # fmt: skip
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
        and not k.startswith(("AWS_", "SMPIPE_"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return Installed(wheel=wheel, sdist=sdist, venv=venv, env=env)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working folder outside the checkout."""
    assert not tmp_path.resolve().is_relative_to(ROOT)
    return tmp_path


def test_wheel_and_sdist_hold_what_the_package_reads(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for shipped in (
        "compiler/data/pipeline-definition.schema.json",
        "compiler/data/sagemaker_limits.json",
        "compiler/data/images.json",
        "pipeline/scaffold/template/spec/pipeline.yaml",
        "pipeline/scaffold/template/workflow.yml",
        "pipeline/scaffold/template/code/evaluate.py",
    ):
        assert shipped in names
    assert not [n for n in names if n.startswith(("tests/", "schemas/", "scripts/", "spec/"))]
    with tarfile.open(installed.sdist) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    assert {"pyproject.toml", "compiler/data/pipeline-definition.schema.json"} <= members


def test_the_package_runs_from_site_packages(installed: Installed, outside: Path) -> None:
    python = installed.venv / "bin" / "python"
    done = subprocess.run(
        [python, "-c", "import compiler, pipeline; print(compiler.__file__, pipeline.__file__)"],
        cwd=outside,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all("site-packages" in p and str(ROOT) not in p for p in done.stdout.split())
    version = installed.smpipe("--version", cwd=outside).stdout
    assert "reads pipeline spec format version 1" in version


def test_validate_compile_graph_diff_schema_outside_the_checkout(
    installed: Installed, outside: Path
) -> None:
    shutil.copytree(ROOT / "spec", outside / "spec")
    spec = "spec/titanic-modelbuild.yaml"
    installed.smpipe("validate", spec, "--env", "dev", cwd=outside)
    installed.smpipe("compile", spec, "--env", "dev", "-o", "def.json", cwd=outside)
    assert (outside / "def.json").read_bytes() == TITANIC_GOLDEN.read_bytes()
    graph = installed.smpipe("graph", spec, "--env", "dev", cwd=outside).stdout
    assert "DataPreProcessing" in graph and "RegisterModel" in graph
    changed = outside / "spec" / "changed.yaml"
    changed.write_text((outside / spec).read_text().replace("default: 0.78", "default: 0.8"))
    diff = installed.smpipe("diff", spec, str(changed), "--env", "dev", cwd=outside, expect=1)
    assert "AccuracyThreshold" in diff.stdout
    schema = installed.smpipe("schema", cwd=outside).stdout
    assert schema == (ROOT / "schemas" / "pipeline-spec.schema.json").read_text()
    # A broken spec: a positioned error and exit 1, from the installed package too.
    broken = outside / "spec" / "broken.yaml"
    broken.write_text((outside / spec).read_text().replace("image: sklearn", "image: skleran"))
    error = installed.smpipe("validate", str(broken), "--env", "dev", cwd=outside, expect=1)
    assert "spec/broken.yaml:" in error.stdout and "skleran" in error.stdout


def test_bundle_of_a_code_dir_outside_the_checkout(installed: Installed, outside: Path) -> None:
    (outside / "mycode").mkdir()
    (outside / "mycode" / "step.py").write_text("print('hello')\n")
    (outside / "mycode" / "lib").mkdir()
    (outside / "mycode" / "lib" / "util.py").write_text("X = 1\n")
    uri = installed.smpipe(
        "bundle", "--code-dir", "mycode", "--bucket", "my-bucket", "-o", "out", "-q", cwd=outside
    ).stdout.strip()
    assert uri.startswith("s3://my-bucket/pipeline/code/nogit-")
    (archive,) = (outside / "out").glob("*/pipeline_code.tar.gz")
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["lib/util.py", "step.py"]


def test_init_then_a_local_run_of_the_generated_pipeline(
    installed: Installed, outside: Path
) -> None:
    installed.smpipe("init", "fraud", "--region", "eu-west-1", "--bucket", "fraud-dev", cwd=outside)
    project = outside / "fraud"
    installed.smpipe("validate", "spec/fraud.yaml", "--env", "dev", cwd=project)
    definition = installed.smpipe("compile", "spec/fraud.yaml", "--env", "dev", cwd=project)
    assert json.loads(definition.stdout)["Version"] == "2020-12-01"
    # The README's run line, exactly as generated.
    line = (project / "README.md").read_text().splitlines()[2]
    command = line.split("`")[1]
    assert command.startswith("smpipe put ")
    done = subprocess.run(
        ["bash", "-c", f"set -euo pipefail; {command}"],
        cwd=project,
        env=installed.env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fraud: Succeeded" in done.stdout
    assert "model-package/fraud/1" in done.stdout
    again = installed.smpipe("init", "fraud", cwd=outside, expect=1)
    assert "never overwrites" in again.stderr
