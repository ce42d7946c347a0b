"""The few S3 calls smpipe makes: HEAD an object, read a small one, write one conditionally.

boto3, not the SDK: SDK v3's S3 helpers (``sagemaker.core.s3.S3Uploader``/``S3Downloader``)
need a full ``sagemaker`` Session and have no HEAD or user-metadata call, which the code
bundle's existence check and its skip/refuse-overwrite rule rest on.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from compiler.errors import UsageError
from pipeline.sagemaker.errors import client_error_code

MISSING = {"404", "NoSuchKey", "NotFound"}
MAX_REPORT_BYTES = 1_000_000


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); anything else is a usage error."""
    if not uri.startswith("s3://"):
        raise UsageError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise UsageError(f"{uri!r} names no bucket")
    return bucket, key


def head_object(s3: Any, uri: str) -> dict[str, Any] | None:
    """The object's HEAD response, or None when there is no such object (404/NoSuchKey).

    Resource: the object at ``uri`` (s3:GetObject; s3:ListBucket makes a missing key a 404
    rather than a 403)."""
    bucket, key = parse_s3_uri(uri)
    try:
        response: dict[str, Any] = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if client_error_code(error) in MISSING:
            return None
        raise
    return response


def read_small_object(s3: Any, uri: str) -> bytes:
    """A small object's bytes (a metrics report); resource: the object at ``uri``."""
    bucket, key = parse_s3_uri(uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    data: bytes = body.read(MAX_REPORT_BYTES)
    return data
