"""``smpipe init``: the files of a new pipeline repository, what they hold, the refusals,
and a local end-to-end run of the generated pipeline (the installed wheel does the same in
tests/test_dist.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from test_workflows import load, problems

from compiler.commands.schema import spec_json_schema_text
from compiler.compile import compile_spec_file
from pipeline.cli import cli
from pipeline.scaffold.sample_data import sample_csv

EXPECTED = [
    ".github/workflows/smpipe.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "code/evaluate.py",
    "code/preprocess.py",
    "data/train.csv",
    "schemas/pipeline-spec.schema.json",
    "spec/churn-model.yaml",
    "spec/env/dev.yaml",
]
OPTIONS = [
    "--region",
    "eu-central-1",
    "--bucket",
    "acme-ml-dev",
    "--role",
    "arn:aws:iam::444455556666:role/PipelineRole",
]


def init(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["init", *args])
    return result.exit_code, result.output


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "Churn_Model"
    code, output = init(str(target), "--name", "churn-model", *OPTIONS)
    assert code == 0, output
    return target


def test_init_writes_a_pipeline_repository(project: Path) -> None:
    assert files_under(project) == EXPECTED
    spec = project / "spec" / "churn-model.yaml"
    assert spec.read_text().splitlines()[0] == (
        "# yaml-language-server: $schema=../schemas/pipeline-spec.schema.json"
    )
    assert (project / "schemas" / "pipeline-spec.schema.json").read_text() == (
        spec_json_schema_text()
    )
    env = yaml.safe_load((project / "spec" / "env" / "dev.yaml").read_text())
    assert env == {
        "account": "444455556666",
        "region": "eu-central-1",
        "data_bucket": "acme-ml-dev",
        "role_arn": "arn:aws:iam::444455556666:role/PipelineRole",
        "git_sha": "unversioned",
    }
    assert len((project / "README.md").read_text().splitlines()) == 3
    assert (project / "data" / "train.csv").read_text() == sample_csv()
    # Every placeholder filled (GitHub's own ${{ ... }} expressions stay).
    assert not [
        name for name in EXPECTED if re.search(r"\{\{\w+\}\}", (project / name).read_text())
    ]


def test_generated_spec_compiles_for_the_chosen_region(project: Path) -> None:
    result = compile_spec_file(project / "spec" / "churn-model.yaml", env="dev")
    definition = json.loads(result.text)
    names = [step["Name"] for step in definition["Steps"]]
    assert names == ["Preprocess", "Train", "Evaluate", "AccuracyGate"]
    images = {
        step["Arguments"]["AppSpecification"]["ImageUri"]
        for step in definition["Steps"]
        if step["Type"] == "Processing"
    }
    assert images and all(".eu-central-1." in image for image in images)
    assert result.text.count("arn:aws:iam::444455556666:role/PipelineRole") == 3


def test_generated_workflow_and_pre_commit_config(project: Path) -> None:
    workflow = load((project / ".github" / "workflows" / "smpipe.yml").read_text())
    assert problems(workflow) == []
    script = "\n".join(s.get("run", "") for s in workflow["jobs"]["spec"]["steps"])
    for command in ("smpipe validate", "smpipe compile", "smpipe diff"):
        assert command in script
    assert workflow["jobs"]["spec"]["env"]["SPEC"] == "spec/churn-model.yaml"
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert hooks[0]["entry"] == "smpipe validate spec/churn-model.yaml --env dev"


def test_name_defaults_to_the_folder_and_bucket_to_name_dev(tmp_path: Path) -> None:
    code, output = init(str(tmp_path / "Fraud Scoring_v2"))
    assert code == 0, output
    env = yaml.safe_load((tmp_path / "Fraud Scoring_v2" / "spec" / "env" / "dev.yaml").read_text())
    assert env["data_bucket"] == "fraud-scoring-v2-dev"
    assert (tmp_path / "Fraud Scoring_v2" / "spec" / "fraud-scoring-v2.yaml").is_file()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    (target / "code").mkdir(parents=True)
    (target / "code" / "evaluate.py").write_text("mine\n")
    (target / "notes.txt").write_text("kept\n")
    code, output = init(str(target), "--name", "repo")
    assert code == 1
    assert "never overwrites" in output and "evaluate.py" in output and "Traceback" not in output
    assert files_under(target) == ["code/evaluate.py", "notes.txt"]
    assert (target / "code" / "evaluate.py").read_text() == "mine\n"


def test_init_twice_refuses_the_second_time(project: Path) -> None:
    before = {name: (project / name).read_bytes() for name in EXPECTED}
    code, output = init(str(project), "--name", "churn-model", *OPTIONS)
    assert code == 1 and "never overwrites" in output
    assert {name: (project / name).read_bytes() for name in EXPECTED} == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "mars-north-1"], "--region 'mars-north-1': SageMaker has no sklearn"),
        (["--bucket", "Bad_Bucket"], "--bucket 'Bad_Bucket': an S3 bucket name"),
        (["--role", "not-an-arn"], "--role 'not-an-arn'"),
        (["--name", "bad name!"], "--name 'bad name!'"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = init(str(tmp_path / "x"), *args)
    assert code == 2, output
    assert message in output and "Traceback" not in output
    assert not (tmp_path / "x").exists()


def test_generated_pipeline_runs_locally_end_to_end(project: Path) -> None:
    """The README's run line, as generated: put the data, bundle code/, run the spec."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SMPIPE_"))}
    smpipe = [sys.executable, "-c", "from pipeline.cli import main; main()"]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*smpipe, *args], cwd=project, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("put", "data/train.csv", "s3://acme-ml-dev/data/train.csv")
    bundle = run("bundle", "--code-dir", "code", "--local-store", "-q").strip()
    assert bundle.startswith("s3://acme-ml-dev/pipeline/code/")
    output = run(
        "run", "spec/churn-model.yaml", "--env", "dev", "--param", f"CodeBundleUri={bundle}"
    )
    assert "churn-model: Succeeded" in output
    assert "model-package/churn-model/1" in output
    readme = (project / "README.md").read_text().splitlines()[2]
    assert "smpipe put data/train.csv s3://acme-ml-dev/data/train.csv" in readme
    assert "--param CodeBundleUri=$(smpipe bundle --code-dir code --local-store -q)" in readme
