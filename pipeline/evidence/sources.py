"""What the evidence report needs beyond the ``Backend`` protocol, one small class per backend.

Three facts differ by backend: proof that an object exists (the local object store's file,
hashed; or S3's HeadObject), the definition an execution ran, and the property files its
steps wrote (the evaluation report). Everything else comes through ``Backend``. Read-only:
nothing here writes state, S3 or SageMaker.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from compiler.errors import SmpipeError
from pipeline.backends.interface import Backend

if TYPE_CHECKING:
    from pipeline.local.backend import LocalBackend

PropertyReport = tuple[str, str, Any]  # (step, file path, JSON document)


@dataclass(frozen=True)
class ObjectProof:
    """Whether ``uri`` exists, and its size and digest where it was checked."""

    uri: str
    exists: bool | None  # None: could not be checked (the reason is in ``note``)
    where: str  # "local object store `...`" or "S3 HeadObject"
    size: int | None = None
    sha256: str | None = None
    etag: str | None = None
    note: str | None = None


class EvidenceSource(Protocol):
    backend: Backend

    def object_proof(self, uri: str) -> ObjectProof: ...

    def executed_definition(self, execution_arn: str) -> dict[str, Any] | None:
        """The pipeline definition the execution ran, or None when it cannot be read."""
        ...

    def property_reports(self, execution_arn: str) -> list[PropertyReport]: ...

    def show_path(self, path: str) -> str:
        """A local path as the report shows it (never an absolute machine path if avoidable)."""
        ...


def shown_path(path: Path, root: Path, root_label: str, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when under it, else ``<root_label>/...`` under ``root``."""
    resolved = path.resolve()
    for base, label in ((cwd.resolve(), None), (root.resolve(), root_label)):
        try:
            relative = resolved.relative_to(base).as_posix()
        except ValueError:
            continue
        return relative if label is None else f"{label}/{relative}"
    return str(path)


class LocalSource:
    """The local engine: the object store's files, the SQLite state's definitions."""

    def __init__(self, backend: LocalBackend, cwd: Path | None = None) -> None:
        self.backend: Backend = backend
        self.local = backend
        self.cwd = cwd or Path.cwd()
        self.state_label = shown_path(backend.home.root, backend.home.root, "<state dir>", self.cwd)
        if self.state_label.startswith("<state dir>"):
            self.state_label = "<state dir>"

    def object_proof(self, uri: str) -> ObjectProof:
        try:
            path = self.local.home.store.path_for(uri)
        except SmpipeError as error:
            return ObjectProof(uri, False, "local object store", note=str(error))
        where = f"local object store `{self.show_path(str(path))}`"
        if not path.is_file():
            return ObjectProof(uri, False, where)
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        return ObjectProof(uri, True, where, size=path.stat().st_size, sha256=digest.hexdigest())

    def executed_definition(self, execution_arn: str) -> dict[str, Any] | None:
        state = self.local.home.state
        row = state.execution(execution_arn)
        text = state.definition(str(row["pipeline_name"]), int(row["pipeline_version"]))
        document = json.loads(text)
        return document if isinstance(document, dict) else None

    def property_reports(self, execution_arn: str) -> list[PropertyReport]:
        return self.local.property_file_reports(execution_arn)

    def show_path(self, path: str) -> str:
        return shown_path(Path(path), self.local.home.root, self.state_label, self.cwd)


class SageMakerSource:
    """SageMaker: S3 HeadObject, DescribePipelineDefinitionForExecution, and the backend's
    own ``property_file_reports`` (the evaluation job's output)."""

    def __init__(self, backend: Any) -> None:
        self.backend: Backend = backend
        self.settings = backend.settings
        self._session: Any = None

    @property
    def session(self) -> Any:
        """smpipe's boto3 session for the backend's profile/region/endpoint, opened once."""
        if self._session is None:
            from pipeline.sagemaker.session import open_session

            self._session = open_session(self.settings)
        return self._session

    def object_proof(self, uri: str) -> ObjectProof:
        from pipeline.sagemaker.errors import aws_errors
        from pipeline.sagemaker.s3 import head_object

        where = "S3 HeadObject"
        try:
            # boto3: the SDK v3 has no S3 HEAD call (see pipeline.sagemaker.s3). Resource:
            # the code bundle object (s3:GetObject).
            with aws_errors("check the object", uri, settings=self.settings):
                s3 = self.session.client("s3", region_name=self.settings.region)
                found = head_object(s3, uri)
        except SmpipeError as error:
            return ObjectProof(uri, None, where, note=str(error))
        if found is None:
            return ObjectProof(uri, False, where)
        checksum = found.get("ChecksumSHA256")
        return ObjectProof(
            uri,
            True,
            where,
            size=int(found.get("ContentLength") or 0),
            etag=str(found.get("ETag", "")).strip('"') or None,
            sha256=str(checksum) if checksum else None,
        )

    def executed_definition(self, execution_arn: str) -> dict[str, Any] | None:
        from pipeline.sagemaker.sdk import sdk_resources

        try:
            execution = sdk_resources().PipelineExecution(pipeline_execution_arn=execution_arn)
            response = execution.get_pipeline_definition(
                session=self.session, region=self.settings.region
            )
            document = json.loads(str(getattr(response, "pipeline_definition", "") or ""))
        except Exception:  # AWS, SDK or JSON failure: the report says "could not be read"
            return None
        return document if isinstance(document, dict) else None

    def property_reports(self, execution_arn: str) -> list[PropertyReport]:
        reports = getattr(self.backend, "property_file_reports", None)
        if reports is None:
            return []
        try:
            found: list[PropertyReport] = reports(execution_arn)
        except SmpipeError:  # unreadable reports: the metrics show as unknown
            return []
        return found

    def show_path(self, path: str) -> str:
        return path


def evidence_source(backend: Backend, cwd: Path | None = None) -> EvidenceSource:
    """The source that matches ``backend`` (by its ``name``)."""
    if backend.name == "local":
        from pipeline.local.backend import LocalBackend

        assert isinstance(backend, LocalBackend)
        return LocalSource(backend, cwd)
    return SageMakerSource(backend)
