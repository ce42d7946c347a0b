"""``smpipe bundle --upload``'s rules against the moto server's S3: upload once, skip the
same bytes, refuse different bytes under one commit, refuse a dirty tree unless allowed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sagemaker_support import boto_client

from compiler.errors import SmpipeError, UsageError
from pipeline.bundle.build import Bundle
from pipeline.bundle.upload import upload_bundle


def make_bundle(folder: Path, version: str, data: bytes) -> Bundle:
    path = folder / version / "pipeline_code.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Bundle(path, version, hashlib.sha256(data).hexdigest(), ("preprocess.py",))


def test_upload_then_skip_then_refuse_a_different_bundle(
    aws_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    prefix = f"s3://{bucket}/pipeline/code/abc123/"
    bundle = make_bundle(tmp_path / "a", "abc123", b"bundle bytes")
    first = upload_bundle(bundle, prefix)
    assert (first.uri, first.uploaded) == (f"{prefix}pipeline_code.tar.gz", True)
    s3 = boto_client("s3", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    stored = s3.get_object(Bucket=bucket, Key="pipeline/code/abc123/pipeline_code.tar.gz")
    assert stored["Body"].read() == b"bundle bytes"
    assert stored["Metadata"]["sha256"] == bundle.sha256

    again = upload_bundle(bundle, f"{prefix}pipeline_code.tar.gz")
    assert (again.uploaded, again.describe()) == (False, f"already there: {first.uri} (same bytes)")

    other = make_bundle(tmp_path / "b", "abc123", b"other bytes")
    with pytest.raises(SmpipeError, match="already holds a different bundle"):
        upload_bundle(other, prefix)
    body = s3.get_object(Bucket=bucket, Key="pipeline/code/abc123/pipeline_code.tar.gz")["Body"]
    assert body.read() == b"bundle bytes"  # untouched


def test_an_object_uploaded_by_another_tool_is_compared_by_etag(
    aws_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    s3 = boto_client("s3", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    s3.put_object(Bucket=bucket, Key="pipeline/code/def456/pipeline_code.tar.gz", Body=b"same")
    prefix = f"s3://{bucket}/pipeline/code/def456/"
    assert not upload_bundle(make_bundle(tmp_path / "a", "def456", b"same"), prefix).uploaded
    with pytest.raises(SmpipeError, match="ETag"):
        upload_bundle(make_bundle(tmp_path / "b", "def456", b"changed"), prefix)


def test_a_dirty_tree_is_refused_unless_allowed(
    aws_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    version = "abc123-dirty-0f0f0f0f"
    dirty = make_bundle(tmp_path, version, b"work in progress")
    prefix = f"s3://{bucket}/pipeline/code/{version}/"
    with pytest.raises(SmpipeError, match=r"uncommitted changes .* pass --allow-dirty"):
        upload_bundle(dirty, prefix)
    assert upload_bundle(dirty, prefix, allow_dirty=True).uploaded


def test_the_prefix_must_name_the_bundles_commit(aws_env: dict[str, str], tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, "abc123", b"x")
    with pytest.raises(UsageError, match="names 'def456', but the bundle is of abc123"):
        upload_bundle(bundle, "s3://bucket/pipeline/code/def456/")
    with pytest.raises(UsageError, match="is not an s3:// URI"):
        upload_bundle(bundle, "bucket/pipeline/code/abc123/")


def test_a_missing_bucket_is_one_clear_line(aws_env: dict[str, str], tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, "abc123", b"x")
    with pytest.raises(SmpipeError) as failed:
        upload_bundle(bundle, "s3://no-such-bucket-smpipe/pipeline/code/abc123/")
    assert "\n" not in str(failed.value)
    assert "upload the code bundle to s3://no-such-bucket-smpipe/" in str(failed.value)
