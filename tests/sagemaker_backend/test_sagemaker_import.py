"""``smpipe import --backend sagemaker --pipeline NAME`` against the moto server: the
deployed pipeline (upserted from the Titanic spec) comes back as a spec that compiles to
the same bytes; an SDK-built Spark pipeline's configuration is read from S3."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from sagemaker_support import REGION, ROLE_ARN, boto_client
from sdk_pipelines import spark_golden

ROOT = Path(__file__).resolve().parents[2]
SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]
CONF_AT = "$.Steps[0].Arguments.ProcessingInputs[1].S3Input.S3Uri"


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


def test_import_a_deployed_sdk_spark_pipeline_reads_its_configuration(
    aws_env: dict[str, str], unique: str, tmp_path: Path
) -> None:
    """PySparkProcessor uploaded the configuration beside the definition: importing the
    deployed pipeline reads it from S3 into the spec; before it is there, the spec reads the
    object as its conf input and the report says why."""
    definition, uploads = spark_golden()
    bucket = f"features-{unique}"  # the definition's bucket, fresh on this moto server
    definition = definition.replace("s3://features-bucket/", f"s3://{bucket}/")
    [(uri, data)] = [(u.replace("features-bucket", bucket), d) for u, d in uploads.items()]
    endpoint = aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"]
    name = f"sdk-spark-{unique}"
    boto_client("sagemaker", endpoint).create_pipeline(
        PipelineName=name, PipelineDefinition=definition, RoleArn=ROLE_ARN
    )
    env = {**aws_env, "PYTHONPATH": str(ROOT)}
    (tmp_path / "spec").mkdir()
    args = ["import", "--backend", "sagemaker", "--pipeline", name, "--env", "test"]

    missing = smpipe(env, tmp_path, *args, "-o", "spec/before.yaml")
    assert missing.returncode == 0, missing.stderr
    stated = f"review: {CONF_AT}: the Spark configuration is the object at {uri} "
    assert stated + "(import could not read it: " in missing.stderr, missing.stderr
    before = yaml.safe_load((tmp_path / "spec/before.yaml").read_text())
    assert "configuration" not in before["steps"][0]
    assert before["steps"][0]["inputs"][-1]["name"] == "conf"

    s3 = boto_client("s3", endpoint)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    bucket_key = uri.removeprefix(f"s3://{bucket}/")
    s3.put_object(Bucket=bucket, Key=bucket_key, Body=data)
    done = smpipe(env, tmp_path, *args, "-o", "spec/spark.yaml")
    assert done.returncode == 0, done.stderr
    assert "review:" not in done.stderr
    assert "the spec compiles back to the source definition" in done.stderr
    spec = yaml.safe_load((tmp_path / "spec/spark.yaml").read_text())
    aggregate = spec["steps"][0]
    assert aggregate["configuration"][0] == {
        "classification": "spark-defaults",
        "properties": {"spark.executor.memory": "6g", "spark.executor.cores": "2"},
    }
    assert [i["name"] for i in aggregate["inputs"]] == ["raw"]
    back = smpipe(env, tmp_path, "compile", "spec/spark.yaml", "--env", "test")
    assert back.returncode == 0, back.stderr
    compiled = json.loads(back.stdout)
    source = json.loads(definition)
    assert compiled["Steps"] == source["Steps"]  # the same conf input, location and hash
    assert compiled["Metadata"]["smpipe-spark-conf-Aggregate-0"].encode() == data
