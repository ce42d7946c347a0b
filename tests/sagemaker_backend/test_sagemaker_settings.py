"""The pipeline's settings beside its definition on SageMaker (moto server): upsert sends
ParallelismConfiguration and Tags, start sends a ParallelismConfiguration override, and the
execution's summary reads it back (`smpipe steps` shows it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sagemaker_support import ROLE_ARN, boto_client, write_definition

from pipeline.sagemaker.backend import SageMakerBackend

SETTINGS = {
    "ParallelismConfiguration": {"MaxParallelExecutionSteps": 3},
    "Tags": [{"Key": "team", "Value": "ml-platform"}],
}


def test_upsert_sends_parallelism_and_tags(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str
) -> None:
    backend = SageMakerBackend()
    name = f"settings-{unique}"
    definition = write_definition(tmp_path, bucket).read_text(encoding="utf-8")
    arn = backend.upsert(name, definition, ROLE_ARN, None, SETTINGS)
    sagemaker = boto_client("sagemaker", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    described = sagemaker.describe_pipeline(PipelineName=name)
    assert described["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 3}
    tags = sagemaker.list_tags(ResourceArn=arn)["Tags"]
    assert {"Key": "team", "Value": "ml-platform"} in tags

    # An update changes the parallelism and adds the tags (UpdatePipeline takes none).
    changed: dict[str, Any] = {
        "ParallelismConfiguration": {"MaxParallelExecutionSteps": 5},
        "Tags": [{"Key": "stage", "Value": "dev"}],
    }
    assert backend.upsert(name, definition, ROLE_ARN, None, changed) == arn
    described = sagemaker.describe_pipeline(PipelineName=name)
    assert described["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 5}
    assert {"Key": "stage", "Value": "dev"} in sagemaker.list_tags(ResourceArn=arn)["Tags"]


def test_start_sends_a_parallelism_override(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str
) -> None:
    endpoint = aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"]
    backend = SageMakerBackend()
    name = f"settings-{unique}"
    backend.upsert(name, write_definition(tmp_path, bucket).read_text(), ROLE_ARN, None, SETTINGS)
    bundle = f"s3://{bucket}/pipeline/code/abc123/pipeline_code.tar.gz"
    boto_client("s3", endpoint).put_object(Bucket=bucket, Key=bundle.split("/", 3)[3], Body=b"b")
    arn = backend.start(name, {}, None, max_parallel_steps=2)
    described = boto_client("sagemaker", endpoint).describe_pipeline_execution(
        PipelineExecutionArn=arn
    )
    assert described["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 2}
    assert backend.describe_execution(arn).max_parallel == 2
