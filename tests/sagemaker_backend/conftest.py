"""A moto server on 127.0.0.1 for the SageMaker backend's tests, and the AWS environment.

The server runs in a thread of the test session (moto's ThreadedMotoServer on a free port)
and is stopped at the end. The environment points every AWS call at it through
SMPIPE_SAGEMAKER_ENDPOINT_URL, with a throwaway AWS config that defines the workshop's
``data-science-user`` profile (fake keys), so the backend's real profile path is exercised.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sagemaker_support import REGION, boto_client

CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_S3",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "SMPIPE_SAGEMAKER_ENDPOINT_URL",
)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """``http://127.0.0.1:<free port>`` of a moto server living for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aws_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An AWS config and credentials file defining only ``data-science-user`` (fake keys)."""
    folder = tmp_path_factory.mktemp("aws")
    config = folder / "config"
    credentials = folder / "credentials"
    config.write_text(f"[profile data-science-user]\nregion = {REGION}\n", encoding="utf-8")
    credentials.write_text(
        "[data-science-user]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        encoding="utf-8",
    )
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}


@pytest.fixture
def aws_env(
    monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, aws_files: dict[str, str]
) -> dict[str, str]:
    """This test's environment: the moto endpoint, the fake profile, no real AWS variables.
    Returns the full environment, for commands run as subprocesses."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    values = {**aws_files, "SMPIPE_SAGEMAKER_ENDPOINT_URL": moto_endpoint}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)


@pytest.fixture
def unique() -> str:
    """A suffix that keeps names apart: the moto server's state lives for the session."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def bucket(aws_env: dict[str, str], unique: str) -> str:
    """A fresh bucket on the moto server."""
    name = f"smpipe-test-{unique}"
    s3 = boto_client("s3", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name
