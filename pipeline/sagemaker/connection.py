"""One connection to AWS for the SageMaker backend: the session, clients, error lines.

Every SDK resource call takes ``**aws.where()`` (the session and region), every boto3
client comes from ``aws.client``, and every call runs inside ``aws.errors(...)``.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any

from pipeline.sagemaker.errors import AwsError, aws_errors
from pipeline.sagemaker.s3 import read_small_object
from pipeline.sagemaker.session import AwsSettings, SmpipeBotoSession, open_session


class AwsConnection:
    def __init__(
        self, settings: AwsSettings | None = None, session: SmpipeBotoSession | None = None
    ) -> None:
        self.settings = settings or (
            session.settings if session else AwsSettings.from_environment()
        )
        self._session = session

    @property
    def session(self) -> SmpipeBotoSession:
        """Opened on first use, so building a backend never fails on a bad profile."""
        if self._session is None:
            self._session = open_session(self.settings)
        return self._session

    def where(self) -> dict[str, Any]:
        """The ``session``/``region`` keywords every SDK resource call takes."""
        return {"session": self.session, "region": self.settings.region}

    def client(self, service: str) -> Any:
        with aws_errors(f"create the {service} client", settings=self.settings):
            return self.session.client(service, region_name=self.settings.region)

    def errors(self, action: str, resource: str | None = None) -> AbstractContextManager[None]:
        return aws_errors(action, resource, settings=self.settings)

    @staticmethod
    def api(obj: Any) -> dict[str, Any]:
        """An SDK object as the API's PascalCase dict (what ``records`` reads)."""
        from sagemaker.core.utils.utils import serialize

        result: dict[str, Any] = serialize(obj) or {}
        return result

    def read_json(self, uri: str) -> Any | None:
        """A small JSON object from S3 (a metrics report), or None when unreadable.

        boto3: the SDK's ``S3Downloader`` needs a full ``sagemaker`` Session. Resource: the
        object at ``uri`` (s3:GetObject)."""
        try:
            with self.errors("read", uri):
                data = read_small_object(self.client("s3"), uri)
            return json.loads(data)
        except (AwsError, ValueError):
            return None
