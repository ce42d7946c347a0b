"""AWS failures as one line that says what happened and what to check (never a traceback).

The advice follows the workshop's troubleshooting table: a missing code bundle means the
bundle was not uploaded for that commit; AccessDenied means a policy; throttling means wait.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from compiler.errors import SmpipeError

if TYPE_CHECKING:
    from pipeline.sagemaker.session import AwsSettings


class AwsError(SmpipeError):
    """An AWS call failed; ``code`` is AWS's error code (``AccessDenied``...) when it gave one."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "403", "Forbidden"}
NOT_FOUND = {"ResourceNotFound", "ResourceNotFoundException", "NoSuchKey", "404", "NotFound"}
THROTTLED = {
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
}
EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
BAD_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "AuthFailure",
}


SERVER_FAILURES = {"InternalFailure", "InternalServerError", "ServiceUnavailable", "InternalError"}
MAX_DETAIL = 300


def client_error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code") or "")


def http_status(error: ClientError) -> int | None:
    """The HTTP status of AWS's answer (HeadObject's error has no code but this)."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


def is_missing_pipeline(error: ClientError) -> bool:
    """DescribePipeline of an unknown name: ResourceNotFound on AWS, ValidationException
    "Could not find pipeline" from moto."""
    code = client_error_code(error)
    message = str(error.response.get("Error", {}).get("Message", "")).lower()
    return code in {"ResourceNotFound", "ResourceNotFoundException"} or (
        code == "ValidationException"
        and ("could not find" in message or "does not exist" in message)
    )


def one_line(text: str) -> str:
    """AWS's message on one line: tags dropped (an HTML error page), spaces collapsed, cut."""
    plain = " ".join(re.sub(r"<[^>]*>", " ", text).split())
    return plain if len(plain) <= MAX_DETAIL else plain[: MAX_DETAIL - 3] + "..."


def explain_client_error(
    error: ClientError, action: str, resource: str | None, settings: AwsSettings | None
) -> str:
    """The one-line message for an error AWS returned: by its code, and for a code not known
    here by its HTTP status (403 access denied, 5xx the service failed; a 404's own code,
    e.g. NoSuchBucket, says more than "not found")."""
    code = client_error_code(error)
    status = http_status(error)
    known = ACCESS_DENIED | THROTTLED | EXPIRED | BAD_CREDENTIALS | NOT_FOUND | SERVER_FAILURES
    if code not in known and status is not None:
        code = "AccessDenied" if status == 403 else code
        if status >= 500 and not code.startswith("5"):
            code = f"{status} {code}".strip()
    detail = one_line(str(error.response.get("Error", {}).get("Message") or ""))
    target = f" {resource}" if resource else ""
    who = f" ({settings.describe()})" if settings else ""
    profile = settings.profile if settings else "$AWS_PROFILE"
    if code in ACCESS_DENIED:
        return (
            f"cannot {action}{target}: access denied (AccessDenied){who}. Check the policies of "
            f"profile {profile!r} (s3:GetObject, s3:ListBucket, s3:PutObject on the bucket; the "
            "sagemaker:* pipeline and model-package actions) and that the pipeline role trusts "
            "sagemaker.amazonaws.com"
        )
    if code in THROTTLED:
        return (
            f"cannot {action}{target}: AWS is throttling the requests ({code}) even after "
            "retries; wait a minute and run the command again (watch polls with backoff)"
        )
    if code in EXPIRED:
        return (
            f"cannot {action}{target}: the credentials of profile {profile!r} have expired "
            f"({code}); renew them (e.g. `aws sso login --profile {profile}`) and retry"
        )
    if code in BAD_CREDENTIALS:
        return (
            f"cannot {action}{target}: AWS does not accept the credentials of profile "
            f"{profile!r} ({code}); check the keys or SSO session of that profile"
        )
    if code == "ValidationException":
        return f"SageMaker rejected the request to {action}{target} (ValidationException): {detail}"
    if code in NOT_FOUND:
        region = f" in region {settings.region}" if settings else ""
        return (
            f"cannot {action}: {resource or 'the resource'} does not exist{region} ({code}); "
            f"check the name or ARN, the region and the profile{who}"
        )
    if code in SERVER_FAILURES or code[:1] == "5":
        return (
            f"cannot {action}{target}: the service failed ({code}) even after retries; try "
            "again later (an emulator such as moto answers 500 for calls it does not implement)"
        )
    text = f": {detail}" if detail else ""
    return f"cannot {action}{target}: {code or 'AWS error'}{text}"


def explain_botocore_error(error: BotoCoreError, action: str, settings: AwsSettings | None) -> str:
    """The one-line message for a failure before or around the request (config, network)."""
    profile = settings.profile if settings else "$AWS_PROFILE"
    if isinstance(error, ProfileNotFound):
        return (
            f"AWS profile {profile!r} is not configured; create it (`aws configure --profile "
            f"{profile}` or `aws configure sso`) or set AWS_PROFILE to one that exists"
        )
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return (
            f"cannot {action}: no AWS credentials for profile {profile!r}; configure the profile "
            "or log in (`aws sso login`)"
        )
    if isinstance(error, (TokenRetrievalError, UnauthorizedSSOTokenError)):
        return (
            f"cannot {action}: the SSO session of profile {profile!r} has expired; "
            f"run `aws sso login --profile {profile}`"
        )
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        if settings is None:
            where = "AWS"
        else:
            where = settings.endpoint_url or f"the SageMaker endpoint of {settings.region}"
        return (
            f"cannot {action}: {where} is unreachable ({type(error).__name__}); check the "
            "network, the region (AWS_REGION) and SMPIPE_SAGEMAKER_ENDPOINT_URL/AWS_ENDPOINT_URL"
        )
    if isinstance(error, NoRegionError):
        return f"cannot {action}: no AWS region; set AWS_REGION"
    return f"cannot {action}: {type(error).__name__}: {error}"


@contextmanager
def aws_errors(
    action: str, resource: str | None = None, *, settings: AwsSettings | None = None
) -> Iterator[None]:
    """Turn AWS/botocore failures inside the block into one AwsError line."""
    try:
        yield
    except ClientError as error:
        code = client_error_code(error)
        raise AwsError(explain_client_error(error, action, resource, settings), code=code) from None
    except BotoCoreError as error:
        raise AwsError(explain_botocore_error(error, action, settings)) from None
