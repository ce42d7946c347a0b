"""``smpipe bundle --upload``: put ``pipeline_code.tar.gz`` at its commit's S3 prefix, once.

A bundle is immutable per commit: the same bytes already there are not uploaded again,
different bytes under the same commit are refused, and so is a tree with uncommitted changes
unless the user allows it. The object carries its SHA-256 as user metadata (``sha256``), so
the check needs only a HEAD; objects uploaded by other tools are compared by their
single-part ETag (the MD5 of the bytes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from compiler.errors import SmpipeError, UsageError
from pipeline.bundle.build import BUNDLE_NAME, Bundle
from pipeline.sagemaker.errors import aws_errors, client_error_code
from pipeline.sagemaker.s3 import head_object, parse_s3_uri
from pipeline.sagemaker.session import AwsSettings, SmpipeBotoSession, open_session

SHA256_METADATA = "sha256"
VERSION_METADATA = "code-version"


@dataclass(frozen=True)
class UploadResult:
    uri: str
    uploaded: bool  # False: the same bytes were already there

    def describe(self) -> str:
        return (
            f"uploaded {self.uri}" if self.uploaded else f"already there: {self.uri} (same bytes)"
        )


def is_dirty(bundle: Bundle) -> bool:
    """Built from uncommitted changes (``<sha>-dirty-...``) or outside git (``nogit-...``)."""
    return "-dirty-" in bundle.version or bundle.version.startswith("nogit-")


def bundle_target(destination: str, bundle: Bundle) -> str:
    """The object URI: ``destination`` is the commit's prefix (``.../pipeline/code/<sha>/``)
    or the full object URI. Its last folder must name the bundle's version."""
    bucket, key = parse_s3_uri(destination)
    if key.endswith(BUNDLE_NAME):
        key = key[: -len(BUNDLE_NAME)]
    key = key.rstrip("/")
    folder = key.rsplit("/", 1)[-1]
    if folder != bundle.version:
        raise UsageError(
            f"{destination} names {folder or 'no version'!r}, but the bundle is of "
            f"{bundle.version}: upload it to s3://{bucket}/pipeline/code/{bundle.version}/"
        )
    return f"s3://{bucket}/{key}/{BUNDLE_NAME}"


def upload_bundle(
    bundle: Bundle,
    destination: str,
    *,
    allow_dirty: bool = False,
    settings: AwsSettings | None = None,
    session: SmpipeBotoSession | None = None,
) -> UploadResult:
    """Upload ``bundle`` unless the same bytes are there; refuse a conflicting object."""
    if is_dirty(bundle) and not allow_dirty:
        raise SmpipeError(
            f"the code under pipeline/code has uncommitted changes (bundle {bundle.version}): "
            "commit them so the bundle is named by its commit, or pass --allow-dirty"
        )
    uri = bundle_target(destination, bundle)
    settings = settings or (session.settings if session else AwsSettings.from_environment())
    # boto3: the SDK's S3 helpers cannot read or write user metadata nor HEAD an object (see
    # pipeline.sagemaker.s3). Resource: the bundle object at `uri` (s3:GetObject,
    # s3:PutObject, s3:ListBucket).
    s3 = (session or open_session(settings)).client("s3", region_name=settings.region)
    data = bundle.path.read_bytes()
    with aws_errors("upload the code bundle to", uri, settings=settings):
        existing = head_object(s3, uri)
        if existing is not None:
            return _same_or_refuse(existing, data, bundle, uri)
        try:
            bucket, key = parse_s3_uri(uri)
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=data,
                ContentType="application/gzip",
                Metadata={SHA256_METADATA: bundle.sha256, VERSION_METADATA: bundle.version},
                # Create-only: two uploads racing for one commit cannot overwrite each other.
                IfNoneMatch="*",
            )
        except ClientError as error:
            if client_error_code(error) not in {"PreconditionFailed", "412"}:
                raise
            found = head_object(s3, uri)
            if found is None:
                raise
            return _same_or_refuse(found, data, bundle, uri)
    return UploadResult(uri, uploaded=True)


def _same_or_refuse(
    existing: dict[str, Any], data: bytes, bundle: Bundle, uri: str
) -> UploadResult:
    stored = (existing.get("Metadata") or {}).get(SHA256_METADATA)
    if stored is not None:
        same = stored == bundle.sha256
        theirs = f"sha256 {stored[:16]}"
    else:
        etag = str(existing.get("ETag", "")).strip('"')
        same = etag == hashlib.md5(data, usedforsecurity=False).hexdigest()
        theirs = f"ETag {etag}"
    if same:
        return UploadResult(uri, uploaded=False)
    raise SmpipeError(
        f"{uri} already holds a different bundle ({theirs}, this one sha256 "
        f"{bundle.sha256[:16]}); a commit's bundle is never overwritten: commit the change "
        "(a new SHA gives a new URI) or delete the old object deliberately"
    )
