"""``smpipe bundle --upload``'s rules against the moto server's S3: upload once, skip the
same bytes, refuse different bytes under one commit, refuse a dirty tree unless allowed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sagemaker_support import boto_client

from compiler.errors import SmpipeError, UsageError
from pipeline.bundle.build import Bundle
from pipeline.bundle.upload import UploadResult, bundle_target, is_dirty, upload_bundle
from pipeline.sagemaker.session import AwsSettings


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


# ---- the same rules against an in-process fake S3 (each request and refusal in full) ------

SHA = "abc123" + "0" * 34


class FakeS3:
    """HEAD and PUT of one bucket's objects; ``race`` makes the next PUT lose a race."""

    def __init__(self, objects: dict[str, dict[str, Any]] | None = None) -> None:
        self.objects = objects or {}
        self.puts: list[dict[str, Any]] = []
        self.race: dict[str, Any] | None = None
        self.race_code = "PreconditionFailed"
        self.put_error: str | None = None

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if f"{Bucket}/{Key}" not in self.objects:
            raise ClientError({"Error": {"Code": "404"}}, "HeadObject")
        return self.objects[f"{Bucket}/{Key}"]

    def put_object(self, **request: Any) -> None:
        self.puts.append(request)
        if self.put_error:
            raise ClientError({"Error": {"Code": self.put_error}}, "PutObject")
        if self.race is not None:
            self.objects[f"{request['Bucket']}/{request['Key']}"] = self.race
            raise ClientError({"Error": {"Code": self.race_code}}, "PutObject")
        self.objects[f"{request['Bucket']}/{request['Key']}"] = {"Metadata": request["Metadata"]}


class FakeSession:
    def __init__(self, s3: FakeS3) -> None:
        self.s3 = s3
        self.settings = AwsSettings("profile", "eu-west-2")
        self.clients: list[tuple[str, str]] = []

    def client(self, name: str, region_name: str) -> FakeS3:
        self.clients.append((name, region_name))
        return self.s3


def test_put_request_is_create_only_with_the_bundles_sha_and_version(tmp_path: Path) -> None:
    session = FakeSession(FakeS3())
    bundle = make_bundle(tmp_path, SHA, b"bytes")
    result = upload_bundle(bundle, f"s3://b/pipeline/code/{SHA}", session=session)  # type: ignore[arg-type]
    uri = f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz"
    assert (result, result.describe()) == (UploadResult(uri, True), f"uploaded {uri}")
    assert session.clients == [("s3", "eu-west-2")]
    assert session.s3.puts == [
        {
            "Bucket": "b",
            "Key": f"pipeline/code/{SHA}/pipeline_code.tar.gz",
            "Body": b"bytes",
            "ContentType": "application/gzip",
            "Metadata": {"sha256": bundle.sha256, "code-version": SHA},
            "IfNoneMatch": "*",
        }
    ]
    settings = AwsSettings("p", "ap-south-1")
    again = upload_bundle(
        bundle, f"s3://b/pipeline/code/{SHA}/", settings=settings, session=session
    )  # type: ignore[arg-type]
    assert not again.uploaded
    assert session.clients[-1] == ("s3", "ap-south-1")  # given settings win over the session's


@pytest.mark.parametrize("code", ["PreconditionFailed", "412"])
def test_a_race_lost_to_the_same_bytes_is_not_an_error_and_to_others_is(
    tmp_path: Path, code: str
) -> None:
    bundle = make_bundle(tmp_path, SHA, b"bytes")
    s3 = FakeS3()
    s3.race, s3.race_code = {"Metadata": {"sha256": bundle.sha256}}, code
    result = upload_bundle(bundle, f"s3://b/pipeline/code/{SHA}/", session=FakeSession(s3))  # type: ignore[arg-type]
    assert result == UploadResult(f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz", False)
    s3 = FakeS3()
    s3.race, s3.race_code = {"Metadata": {"sha256": bundle.sha256}}, "AccessDenied"
    with pytest.raises(SmpipeError, match="AccessDenied"):
        upload_bundle(bundle, f"s3://b/pipeline/code/{SHA}/", session=FakeSession(s3))  # type: ignore[arg-type]
    s3 = FakeS3()
    s3.race = {"Metadata": {"sha256": "f" * 64}}
    with pytest.raises(SmpipeError) as raised:
        upload_bundle(bundle, f"s3://b/pipeline/code/{SHA}/", session=FakeSession(s3))  # type: ignore[arg-type]
    assert str(raised.value) == (
        f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz already holds a different bundle "
        f"(sha256 {'f' * 16}, this one sha256 {bundle.sha256[:16]}); a commit's bundle is "
        "never overwritten: commit the change (a new SHA gives a new URI) or delete the old "
        "object deliberately"
    )


@pytest.mark.parametrize("code", ["412", "AccessDenied"])
def test_a_failed_put_without_an_object_after_it_is_an_aws_error(tmp_path: Path, code: str) -> None:
    s3 = FakeS3()
    s3.put_error = code
    bundle = make_bundle(tmp_path, SHA, b"bytes")
    with pytest.raises(SmpipeError) as raised:
        upload_bundle(bundle, f"s3://b/pipeline/code/{SHA}/", session=FakeSession(s3))  # type: ignore[arg-type]
    assert f"upload the code bundle to s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz" in str(
        raised.value
    )
    assert len(s3.puts) == 1
    if code == "AccessDenied":  # the message names the profile and region it used
        assert "(AccessDenied) (profile 'profile', region eu-west-2)" in str(raised.value)


def test_a_race_lost_to_an_object_of_another_tool_with_the_same_bytes(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, SHA, b"bytes")
    s3 = FakeS3()
    s3.race = {"ETag": f'"{hashlib.md5(b"bytes", usedforsecurity=False).hexdigest()}"'}
    assert not upload_bundle(
        bundle, f"s3://b/pipeline/code/{SHA}/", session=FakeSession(s3)
    ).uploaded  # type: ignore[arg-type]


def test_an_object_of_another_tool_is_compared_by_its_quoted_etag(tmp_path: Path) -> None:
    data = b"bytes"
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    key = f"b/pipeline/code/{SHA}/pipeline_code.tar.gz"
    bundle = make_bundle(tmp_path, SHA, data)
    for metadata in (None, {}):
        s3 = FakeS3({key: {"ETag": f'"{md5}"', "Metadata": metadata}})
        assert not upload_bundle(bundle, f"s3://{key}", session=FakeSession(s3)).uploaded  # type: ignore[arg-type]
        assert s3.puts == []
    s3 = FakeS3({key: {"ETag": '"X0123X"'}})
    with pytest.raises(SmpipeError) as raised:
        upload_bundle(bundle, f"s3://{key}", session=FakeSession(s3))  # type: ignore[arg-type]
    assert str(raised.value).startswith(
        f"s3://{key} already holds a different bundle (ETag X0123X,"
    )
    s3 = FakeS3({key: {}})
    with pytest.raises(SmpipeError, match=r"\(ETag , this one"):
        upload_bundle(bundle, f"s3://{key}", session=FakeSession(s3))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("version", "dirty"),
    [
        (SHA, False),
        (f"{SHA}-dirty-0f0f0f0f", True),
        ("nogit-0f0f0f0f", True),
        ("xnogit-0f0f", False),
        (f"{SHA}-dirtyish", False),
    ],
)
def test_what_counts_as_dirty(tmp_path: Path, version: str, dirty: bool) -> None:
    assert is_dirty(make_bundle(tmp_path, version, b"x")) is dirty


def test_a_dirty_bundle_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    s3 = FakeS3()
    session = FakeSession(s3)
    bundle = make_bundle(tmp_path, "nogit-0f0f", b"x")
    with pytest.raises(SmpipeError) as raised:
        upload_bundle(bundle, "s3://b/pipeline/code/nogit-0f0f/", session=session)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "the code under pipeline/code has uncommitted changes (bundle nogit-0f0f): commit them "
        "so the bundle is named by its commit, or pass --allow-dirty"
    )
    assert session.clients == []
    upload_bundle(bundle, "s3://b/pipeline/code/nogit-0f0f/", allow_dirty=True, session=session)  # type: ignore[arg-type]
    assert len(s3.puts) == 1


@pytest.mark.parametrize(
    ("destination", "target"),
    [
        (f"s3://b/pipeline/code/{SHA}", f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz"),
        (f"s3://b/pipeline/code/{SHA}//", f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz"),
        (
            f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz",
            f"s3://b/pipeline/code/{SHA}/pipeline_code.tar.gz",
        ),
        (f"s3://b/{SHA}/", f"s3://b/{SHA}/pipeline_code.tar.gz"),
    ],
)
def test_bundle_target(tmp_path: Path, destination: str, target: str) -> None:
    assert bundle_target(destination, make_bundle(tmp_path, SHA, b"x")) == target
    # the last folder is the version whatever it ends with
    bundle = make_bundle(tmp_path, "nogit-X", b"x")
    assert (
        bundle_target("s3://b/code/nogit-X/", bundle) == "s3://b/code/nogit-X/pipeline_code.tar.gz"
    )


@pytest.mark.parametrize(
    ("destination", "named"),
    [
        ("s3://b/pipeline/code/def456/", "'def456'"),
        ("s3://b/", "'no version'"),
        ("s3://b/pipeline/code/pipeline_code.tar.gz", "'code'"),
    ],
)
def test_bundle_target_refusals(tmp_path: Path, destination: str, named: str) -> None:
    with pytest.raises(UsageError) as raised:
        bundle_target(destination, make_bundle(tmp_path, SHA, b"x"))
    assert str(raised.value) == (
        f"{destination} names {named}, but the bundle is of {SHA}: upload it to "
        f"s3://b/pipeline/code/{SHA}/"
    )
