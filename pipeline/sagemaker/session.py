"""Where the SageMaker backend connects: AWS profile, region and an optional endpoint URL.

The profile comes from ``AWS_PROFILE`` (default ``data-science-user``, the workshop's base
identity), the region from ``AWS_REGION`` (default ``eu-west-1``). ``SMPIPE_SAGEMAKER_ENDPOINT_URL``
sends every call (SageMaker, S3) to another endpoint, e.g. a moto server in the tests;
botocore also honours ``AWS_ENDPOINT_URL`` itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_PROFILE = "data-science-user"
DEFAULT_REGION = "eu-west-1"
ENDPOINT_ENV = "SMPIPE_SAGEMAKER_ENDPOINT_URL"

# Standard-mode retries absorb throttling and transient 5xx; short connect timeouts make an
# unreachable endpoint fail in seconds, not minutes.
MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class AwsSettings:
    profile: str
    region: str
    endpoint_url: str | None = None
    max_attempts: int = MAX_ATTEMPTS

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> AwsSettings:
        """Explicit arguments first, then the environment, then the workshop defaults."""
        env = os.environ if environ is None else environ
        return cls(
            profile=profile or env.get("AWS_PROFILE") or DEFAULT_PROFILE,
            region=region or env.get("AWS_REGION") or DEFAULT_REGION,
            endpoint_url=endpoint_url or env.get(ENDPOINT_ENV) or None,
        )

    def describe(self) -> str:
        """``profile X, region Y`` (and the endpoint when one is set), for messages."""
        where = f"profile {self.profile!r}, region {self.region}"
        return where + (f", endpoint {self.endpoint_url}" if self.endpoint_url else "")


class SmpipeBotoSession(boto3.Session):  # type: ignore[misc]  # boto3 ships no types
    """A boto3 session whose clients all get smpipe's retry/timeout config and endpoint.

    The SDK's resource classes (``sagemaker.core.resources``) create their clients from the
    session they are given, so passing this session routes them too.
    """

    def __init__(self, settings: AwsSettings) -> None:
        super().__init__(profile_name=settings.profile, region_name=settings.region)
        self.settings = settings
        self.client_config = Config(
            retries={"max_attempts": settings.max_attempts, "mode": "standard"},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
        )

    def client(self, *args: Any, **kwargs: Any) -> Any:
        config = kwargs.get("config")
        mine = self.client_config
        kwargs["config"] = config.merge(mine) if config is not None else mine
        if self.settings.endpoint_url and not kwargs.get("endpoint_url"):
            kwargs["endpoint_url"] = self.settings.endpoint_url
        return super().client(*args, **kwargs)


def open_session(settings: AwsSettings) -> SmpipeBotoSession:
    """The session for ``settings``; an unknown profile becomes a clear SmpipeError."""
    from pipeline.sagemaker.errors import aws_errors

    with aws_errors("open the AWS session", settings=settings):
        return SmpipeBotoSession(settings)
