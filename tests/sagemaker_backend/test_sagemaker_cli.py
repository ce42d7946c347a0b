"""The commands as a user types them, against the moto server: bundle --upload, upsert of
the Titanic spec, start, executions, params, registry list/approve/reject."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from sagemaker_support import boto_client

from compiler.compile import compile_spec_file

ROOT = Path(__file__).resolve().parents[2]
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]


def smpipe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMPIPE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_bundle_upsert_start_executions_params(
    aws_env: dict[str, str], bucket: str, unique: str, tmp_path: Path
) -> None:
    code = tmp_path / "code"  # outside git: the bundle is named nogit-<digest>
    shutil.copytree(ROOT / "pipeline" / "code", code, ignore=shutil.ignore_patterns("__pycache__"))
    built = smpipe(aws_env, "bundle", "--code-dir", str(code), "-o", str(tmp_path / "out"),
                   "--bucket", bucket, "-q")  # fmt: skip
    assert built.returncode == 0, built.stderr
    bundle_uri = built.stdout.strip()
    prefix = bundle_uri.rsplit("/", 1)[0] + "/"
    version = prefix.rstrip("/").rsplit("/", 1)[1]

    refused = smpipe(aws_env, "bundle", "--code-dir", str(code), "-o", str(tmp_path / "out"),
                     "--bucket", bucket, "--upload", prefix)  # fmt: skip
    assert refused.returncode == 1
    assert refused.stderr.startswith("smpipe: error: the code under pipeline/code has uncommitted")
    uploaded = smpipe(aws_env, "bundle", "--code-dir", str(code), "-o", str(tmp_path / "out"),
                      "--bucket", bucket, "--upload", prefix, "--allow-dirty")  # fmt: skip
    assert uploaded.returncode == 0, uploaded.stderr
    assert uploaded.stdout.startswith(f"uploaded {bundle_uri}\n")
    again = smpipe(aws_env, "bundle", "--code-dir", str(code), "-o", str(tmp_path / "out"),
                   "--bucket", bucket, "--upload", prefix, "--allow-dirty")  # fmt: skip
    assert again.stdout.startswith(f"already there: {bundle_uri} (same bytes)\n")

    name = f"titanic-{unique}"
    spec_args = ["spec/titanic-modelbuild.yaml", "--env", "dev", "--var", f"data_bucket={bucket}",
                 "--var", f"git_sha={version}"]  # fmt: skip
    upserted = smpipe(aws_env, "upsert", *spec_args, "--name", name, "--backend", "sagemaker")
    assert upserted.returncode == 0, upserted.stderr
    assert upserted.stderr == ""  # no SDK log lines or warnings
    assert upserted.stdout.strip().endswith(f":pipeline/{name}")
    compiled = compile_spec_file(
        ROOT / "spec/titanic-modelbuild.yaml", "dev", {"data_bucket": bucket, "git_sha": version}
    )
    sagemaker = boto_client("sagemaker", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    stored = sagemaker.describe_pipeline(PipelineName=name)["PipelineDefinition"]
    assert stored == compiled.text  # the compiled bytes, unchanged
    assert json.loads(stored)["Parameters"][0]["DefaultValue"] == bundle_uri

    started = smpipe(aws_env, "start", name, "--param", "AccuracyThreshold=0.8",
                     "--description", "from the CLI test", "--backend", "sagemaker")  # fmt: skip
    assert (started.returncode, started.stderr) == (0, "")
    arn = started.stdout.strip()
    assert arn.startswith(f"arn:aws:sagemaker:eu-west-1:123456789012:pipeline/{name}/execution/")

    listed = smpipe(aws_env, "executions", "--pipeline", name, "--backend", "sagemaker")
    assert (listed.returncode, listed.stderr) == (0, "")
    row = next(line for line in listed.stdout.splitlines() if arn.rsplit("/", 1)[1] in line)
    assert name in row and "Succeeded" in row

    params = smpipe(aws_env, "params", arn, "--backend", "sagemaker")
    assert params.returncode == 0, params.stderr
    assert "AccuracyThreshold  0.8" in params.stdout

    missing = f"s3://{bucket}/pipeline/code/0000000/pipeline_code.tar.gz"
    no_bundle = smpipe(aws_env, "start", name, "--param", f"CodeBundleUri={missing}",
                       "--backend", "sagemaker")  # fmt: skip
    assert no_bundle.returncode == 1
    assert no_bundle.stdout == ""
    assert no_bundle.stderr == (
        f"smpipe: error: code bundle {missing} does not exist (NoSuchKey): upload it with "
        f"`smpipe bundle --upload s3://{bucket}/pipeline/code/0000000/` from the commit it "
        "names, or start with the exact URI of an uploaded bundle "
        "(--param CodeBundleUri=s3://...)\n"
    )


def test_registry_list_approve_reject(aws_env: dict[str, str], bucket: str, unique: str) -> None:
    sagemaker = boto_client("sagemaker", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    group = f"titanic-survival-{unique}"
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    for _ in range(2):
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus="PendingManualApproval",
            InferenceSpecification={
                "Containers": [{"Image": "xgboost", "ModelDataUrl": f"s3://{bucket}/model.tgz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )
    listed = smpipe(aws_env, "registry", "list", group, "--backend", "sagemaker")
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    assert rows[0].split()[:3] == ["VERSION", "STATUS", "CREATED"]
    assert [row.split()[:2] for row in rows[1:]] == [
        ["2", "PendingManualApproval"],
        ["1", "PendingManualApproval"],
    ]
    approved = smpipe(aws_env, "registry", "approve", f"{group}/latest", "--description",
                      "accuracy reviewed", "--backend", "sagemaker")  # fmt: skip
    assert (approved.returncode, approved.stderr) == (0, "")
    assert approved.stdout.strip().endswith(f"model-package/{group}/2: Approved")
    rejected = smpipe(aws_env, "registry", "reject", f"{group}/1", "--backend", "sagemaker")
    assert rejected.stdout.strip().endswith(f"model-package/{group}/1: Rejected")
    described = smpipe(aws_env, "registry", "describe", f"{group}/2", "--backend", "sagemaker")
    assert "approval status:  Approved" in described.stdout
    assert "approval note:    accuracy reviewed" in described.stdout


def test_an_unknown_profile_is_one_line_without_traceback(aws_env: dict[str, str]) -> None:
    env = {**aws_env, "AWS_PROFILE": "nobody"}
    result = smpipe(env, "registry", "list", "titanic-survival-xgboost", "--backend", "sagemaker")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "smpipe: error: AWS profile 'nobody' is not configured; create it (`aws configure "
        "--profile nobody` or `aws configure sso`) or set AWS_PROFILE to one that exists\n"
    )
