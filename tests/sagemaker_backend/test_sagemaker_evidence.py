"""``smpipe evidence``'s SageMaker side against the moto server: the code bundle's HeadObject
proof and the definition an execution ran. (moto has no ListPipelineExecutionSteps, so the
whole report is tested with a SageMaker-shaped fake in tests/test_evidence.py.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sagemaker_support import ROLE_ARN, boto_client, write_definition

from pipeline.evidence.sources import SageMakerSource
from pipeline.sagemaker.backend import SageMakerBackend

BODY = b"the code bundle's bytes"


def started(aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str) -> tuple[str, str]:
    """An execution of a small pipeline whose CodeBundleUri object exists: (ARN, bundle)."""
    backend = SageMakerBackend()
    name = f"evidence-{unique}"
    backend.upsert(name, write_definition(tmp_path, bucket).read_text(), ROLE_ARN, None)
    uri = f"s3://{bucket}/pipeline/code/{'b' * 40}/pipeline_code.tar.gz"
    key = uri.split("/", 3)[3]
    s3 = boto_client("s3", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    s3.put_object(Bucket=bucket, Key=key, Body=BODY)
    return backend.start(name, {"CodeBundleUri": uri}), uri


def test_head_object_proof_and_executed_definition(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str
) -> None:
    arn, uri = started(aws_env, tmp_path, bucket, unique)
    source = SageMakerSource(SageMakerBackend())
    proof = source.object_proof(uri)
    assert (proof.exists, proof.size, proof.where) == (True, len(BODY), "S3 HeadObject")
    assert proof.etag == hashlib.md5(BODY).hexdigest()  # single-part upload: ETag = MD5
    missing = source.object_proof(uri.replace("b" * 40, "c" * 40))
    assert missing.exists is False
    definition = source.executed_definition(arn)
    assert definition == json.loads(write_definition(tmp_path, bucket).read_text())
