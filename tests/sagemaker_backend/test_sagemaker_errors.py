"""AWS failures become one line saying what to check, as the workshop's troubleshooting
table does: never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    DataNotFoundError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    TokenRetrievalError,
)

from compiler.errors import SmpipeError
from pipeline.sagemaker.backend import SageMakerBackend
from pipeline.sagemaker.errors import (
    MAX_DETAIL,
    AwsError,
    aws_errors,
    explain_botocore_error,
    explain_client_error,
    is_missing_pipeline,
    one_line,
)
from pipeline.sagemaker.session import AwsSettings

SETTINGS = AwsSettings("data-science-user", "eu-west-1")


def client_error(code: str, message: str = "detail") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DescribePipeline")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "AccessDenied",
            "cannot upsert pipeline p: access denied (AccessDenied) (profile 'data-science-user', "
            "region eu-west-1). Check the policies of profile 'data-science-user' (s3:GetObject, "
            "s3:ListBucket, s3:PutObject on the bucket; the sagemaker:* pipeline and "
            "model-package actions) and that the pipeline role trusts sagemaker.amazonaws.com",
        ),
        (
            "AccessDeniedException",
            "cannot upsert pipeline p: access denied (AccessDenied)",
        ),
        (
            "ValidationException",
            "SageMaker rejected the request to upsert pipeline p (ValidationException): detail",
        ),
        (
            "ResourceNotFound",
            "cannot upsert pipeline: p does not exist in region eu-west-1 (ResourceNotFound)",
        ),
        (
            "ThrottlingException",
            "cannot upsert pipeline p: AWS is throttling the requests (ThrottlingException)",
        ),
        (
            "ExpiredTokenException",
            "cannot upsert pipeline p: the credentials of profile 'data-science-user' have "
            "expired (ExpiredTokenException); renew them (e.g. `aws sso login --profile "
            "data-science-user`) and retry",
        ),
        (
            "UnrecognizedClientException",
            "cannot upsert pipeline p: AWS does not accept the credentials of profile",
        ),
        ("ConflictException", "cannot upsert pipeline p: ConflictException: detail"),
        ("500", "cannot upsert pipeline p: the service failed (500) even after retries"),
    ],
)
def test_each_aws_error_code_reads_as_one_line(code: str, expected: str) -> None:
    message = explain_client_error(client_error(code), "upsert pipeline", "p", SETTINGS)
    assert message.startswith(expected)
    assert "\n" not in message


def test_an_unknown_profile(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone-else")
    with pytest.raises(SmpipeError) as failed:
        SageMakerBackend().list_executions("titanic-modelbuild-dev")
    assert str(failed.value) == (
        "AWS profile 'someone-else' is not configured; create it (`aws configure --profile "
        "someone-else` or `aws configure sso`) or set AWS_PROFILE to one that exists"
    )


def test_a_profile_without_credentials(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile data-science-user]\nregion = eu-west-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata look-up
    with pytest.raises(SmpipeError, match="no AWS credentials for profile 'data-science-user'"):
        SageMakerBackend().list_model_packages("titanic-survival-xgboost")


def test_an_unreachable_endpoint(aws_env: dict[str, str]) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = AwsSettings(
        "data-science-user", "eu-west-1", f"http://127.0.0.1:{port}", max_attempts=1
    )
    with pytest.raises(SmpipeError) as failed:
        SageMakerBackend(settings).describe_model_package(
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1"
        )
    assert str(failed.value).startswith(
        f"cannot describe model package: http://127.0.0.1:{port} is unreachable "
        "(EndpointConnectionError); check the network"
    )


def test_an_html_error_page_becomes_one_short_line() -> None:
    page = "<!doctype html>\n<html lang=en>\n<title>Bad</title>\n<h1>Bad</h1>\n" + "x" * 500
    message = explain_client_error(client_error("Teapot", page), "start pipeline", "p", SETTINGS)
    assert "\n" not in message and "<" not in message
    assert message.startswith("cannot start pipeline p: Teapot: Bad Bad xxx")
    assert message.endswith("...") and len(message) < 400


def http_error(code: str, status: int, operation: str = "HeadObject") -> ClientError:
    """An error as botocore builds it: HeadObject's has no message, its code the status."""
    return ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


ACCESS = "cannot check the code bundle s3://b/k: access denied (AccessDenied)"
FAILED = "cannot check the code bundle s3://b/k: the service failed"


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("403", 403, ACCESS),  # S3 HeadObject: no body, the status as the code
        ("Forbidden", 403, ACCESS),
        ("AccessDenied", 403, ACCESS),
        ("SomethingNew", 403, ACCESS),  # an unknown code: the status decides
        ("ExpiredToken", 403, "cannot check the code bundle s3://b/k: the credentials"),
        ("SignatureDoesNotMatch", 403, "cannot check the code bundle s3://b/k: AWS does not"),
        ("404", 404, "cannot check the code bundle: s3://b/k does not exist in region eu-west-1"),
        ("NoSuchKey", 404, "cannot check the code bundle: s3://b/k does not exist"),
        ("SlowDown", 503, "cannot check the code bundle s3://b/k: AWS is throttling"),
        ("500", 500, f"{FAILED} (500) even after retries"),
        ("502", 502, f"{FAILED} (502) even after retries"),
        ("503", 503, f"{FAILED} (503) even after retries"),
        ("ServiceUnavailable", 503, f"{FAILED} (ServiceUnavailable) even after retries"),
        ("InternalError", 500, f"{FAILED} (InternalError) even after retries"),
        ("Weird", 504, f"{FAILED} (504 Weird) even after retries"),
        ("Weird", 400, "cannot check the code bundle s3://b/k: Weird"),
    ],
)
def test_errors_by_http_status(code: str, status: int, expected: str) -> None:
    error = http_error(code, status)
    message = explain_client_error(error, "check the code bundle", "s3://b/k", SETTINGS)
    assert message.startswith(expected), message
    with pytest.raises(AwsError) as raised, aws_errors("check the code bundle", "s3://b/k"):
        raise error
    assert raised.value.code == code


def test_an_error_without_a_code_or_a_body() -> None:
    bare = ClientError({"ResponseMetadata": {"HTTPStatusCode": 503}}, "HeadObject")
    message = explain_client_error(bare, "check the code bundle", "s3://b/k", SETTINGS)
    assert message.startswith(f"{FAILED} (503) even after retries")
    nothing = ClientError({}, "HeadObject")
    assert explain_client_error(nothing, "x", None, None) == "cannot x: AWS error"


@pytest.mark.parametrize(
    ("code", "message", "missing"),
    [
        ("ResourceNotFound", "", True),
        ("ResourceNotFoundException", "", True),
        ("ValidationException", "Could not find pipeline p", True),  # moto
        ("ValidationException", "Pipeline p does not exist", True),
        ("ValidationException", "Pipeline definition is invalid", False),
        ("AccessDenied", "Could not find pipeline p", False),
        ("NoSuchKey", "", False),
    ],
)
def test_is_missing_pipeline(code: str, message: str, missing: bool) -> None:
    assert is_missing_pipeline(client_error(code, message)) is missing


def test_is_missing_pipeline_without_an_error_body() -> None:
    assert is_missing_pipeline(ClientError({}, "DescribePipeline")) is False
    no_message = {"Error": {"Code": "ValidationException"}}
    assert is_missing_pipeline(ClientError(no_message, "DescribePipeline")) is False  # type: ignore[arg-type]


# Whole messages without settings (the words a user reads, each branch once).
AWS_LATER = "try again later (an emulator such as moto answers 500 for calls it does not implement)"
CHECK_NETWORK = (
    "check the network, the region (AWS_REGION) and SMPIPE_SAGEMAKER_ENDPOINT_URL/AWS_ENDPOINT_URL"
)


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        (
            "ThrottlingException",
            None,
            "cannot act: AWS is throttling the requests (ThrottlingException) even after "
            "retries; wait a minute and run the command again (watch polls with backoff)",
        ),
        (
            "ExpiredToken",
            None,
            "cannot act: the credentials of profile '$AWS_PROFILE' have expired (ExpiredToken); "
            "renew them (e.g. `aws sso login --profile $AWS_PROFILE`) and retry",
        ),
        (
            "ResourceNotFound",
            None,
            "cannot act: the resource does not exist (ResourceNotFound); check the name or ARN, "
            "the region and the profile",
        ),
        (
            "InternalError",
            None,
            f"cannot act: the service failed (InternalError) even after retries; {AWS_LATER}",
        ),
        (
            "Weird",
            500,
            f"cannot act: the service failed (500 Weird) even after retries; {AWS_LATER}",
        ),
        ("Weird", 499, "cannot act: Weird: detail"),
        (
            "ValidationException",
            400,
            "SageMaker rejected the request to act (ValidationException): detail",
        ),
    ],
)
def test_whole_messages_without_settings(code: str, status: int | None, expected: str) -> None:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "detail"}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    assert explain_client_error(ClientError(response, "Op"), "act", None, None) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            ProfileNotFound(profile="p"),
            "AWS profile '$AWS_PROFILE' is not configured; create it (`aws configure --profile "
            "$AWS_PROFILE` or `aws configure sso`) or set AWS_PROFILE to one that exists",
        ),
        (
            NoCredentialsError(),
            "cannot act: no AWS credentials for profile '$AWS_PROFILE'; configure the profile or "
            "log in (`aws sso login`)",
        ),
        (
            TokenRetrievalError(provider="sso", error_msg="x"),
            "cannot act: the SSO session of profile '$AWS_PROFILE' has expired; run `aws sso "
            "login --profile $AWS_PROFILE`",
        ),
        (
            EndpointConnectionError(endpoint_url="http://x"),
            f"cannot act: AWS is unreachable (EndpointConnectionError); {CHECK_NETWORK}",
        ),
        (
            ConnectTimeoutError(endpoint_url="http://x"),
            f"cannot act: AWS is unreachable (ConnectTimeoutError); {CHECK_NETWORK}",
        ),
        (NoRegionError(), "cannot act: no AWS region; set AWS_REGION"),
        (
            DataNotFoundError(data_path="x"),
            "cannot act: DataNotFoundError: Unable to load data for: x",
        ),
    ],
)
def test_botocore_failures_without_settings(error: BotoCoreError, expected: str) -> None:
    assert explain_botocore_error(error, "act", None) == expected


@pytest.mark.parametrize(
    ("length", "shown"),
    [(MAX_DETAIL, MAX_DETAIL), (MAX_DETAIL + 1, MAX_DETAIL)],
)
def test_one_line_cuts_only_past_the_limit(length: int, shown: int) -> None:
    text = one_line("y" * length)
    assert len(text) == shown
    assert text.endswith("...") is (length > MAX_DETAIL)
