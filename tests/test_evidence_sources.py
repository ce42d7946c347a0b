"""Where the evidence report's facts come from, per backend: object proofs, the definition an
execution ran, its property files and how paths are shown (no run, no AWS: a fresh local
state and a fake S3 client)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pipeline.evidence.sources import (
    LocalSource,
    ObjectProof,
    SageMakerSource,
    evidence_source,
    shown_path,
)
from pipeline.local.backend import LocalBackend
from pipeline.sagemaker.session import AwsSettings


def test_shown_path_prefers_the_working_directory_then_the_labelled_root(tmp_path: Path) -> None:
    cwd, root = tmp_path / "work", tmp_path / "state"
    assert shown_path(cwd / "a" / "b.txt", root, "<state dir>", cwd) == "a/b.txt"
    assert shown_path(root / "s3" / "x", root, "<state dir>", cwd) == "<state dir>/s3/x"
    assert shown_path(Path("/elsewhere/x"), root, "<state dir>", cwd) == "/elsewhere/x"
    inside = cwd / "state"  # a state dir under the working directory: shown relative
    assert shown_path(inside / "x", inside, "<state dir>", cwd) == "state/x"


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    return LocalBackend(tmp_path / "state")


def test_local_object_proof(backend: LocalBackend, tmp_path: Path) -> None:
    source = LocalSource(backend, cwd=tmp_path / "elsewhere")
    assert source.state_label == "<state dir>"
    data = b"x" * ((1 << 20) + 5)  # more than one read's chunk
    path = backend.home.store.path_for("s3://b/code/bundle.tar.gz")
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    assert source.object_proof("s3://b/code/bundle.tar.gz") == ObjectProof(
        "s3://b/code/bundle.tar.gz",
        True,
        "local object store `<state dir>/s3/b/code/bundle.tar.gz`",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert source.object_proof("s3://b/code/absent") == ObjectProof(
        "s3://b/code/absent", False, "local object store `<state dir>/s3/b/code/absent`"
    )
    assert source.object_proof("s3:///no-bucket") == ObjectProof(
        "s3:///no-bucket", False, "local object store", note="not a valid S3 URI: s3:///no-bucket"
    )


def test_local_paths_under_the_working_directory_are_relative(
    backend: LocalBackend, tmp_path: Path
) -> None:
    source = LocalSource(backend, cwd=tmp_path)
    assert source.state_label == "state"
    assert source.show_path(str(tmp_path / "state" / "logs" / "x.log")) == "state/logs/x.log"


def test_local_executed_definition_and_property_reports(backend: LocalBackend) -> None:
    source = LocalSource(backend)
    state = backend.home.state
    state.upsert_pipeline("p", json.dumps({"Version": "1", "Steps": []}), None, None)
    state.upsert_pipeline("p", json.dumps({"Version": "2", "Steps": []}), None, None)
    arn = state.create_execution("p", 1, {}, None)
    assert source.executed_definition(arn) == {"Version": "1", "Steps": []}
    state.upsert_pipeline("q", "[1, 2]", None, None)
    assert source.executed_definition(state.create_execution("q", 1, {}, None)) is None
    assert source.property_reports(arn) == []
    chosen = evidence_source(backend, cwd=Path("/somewhere"))
    assert isinstance(chosen, LocalSource) and chosen.cwd == Path("/somewhere")


class FakeS3:
    def __init__(self, response: dict[str, Any] | None, code: str = "404") -> None:
        self.response, self.code = response, code

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        assert (Bucket, Key) == ("b", "k/x.tar.gz")
        if self.response is None:
            raise ClientError({"Error": {"Code": self.code}}, "HeadObject")
        return self.response


class FakeSession:
    def __init__(self, s3: FakeS3) -> None:
        self.s3 = s3
        self.clients: list[tuple[str, str]] = []

    def client(self, name: str, region_name: str) -> FakeS3:
        self.clients.append((name, region_name))
        return self.s3


class FakeSageMakerBackend:
    name = "sagemaker"
    settings = AwsSettings("profile", "eu-west-2")

    def __init__(self, reports: Any = None) -> None:
        if reports is not None:
            self.property_file_reports = reports


def sagemaker_source(s3: FakeS3, backend: Any = None) -> SageMakerSource:
    source = SageMakerSource(backend or FakeSageMakerBackend())
    source._session = FakeSession(s3)
    return source


@pytest.mark.parametrize(
    ("response", "proof"),
    [
        (
            {"ContentLength": 42, "ETag": '"Xabc"', "ChecksumSHA256": "c2hh"},
            ObjectProof("s3://b/k/x.tar.gz", True, "S3 HeadObject", 42, "c2hh", "Xabc"),
        ),
        ({}, ObjectProof("s3://b/k/x.tar.gz", True, "S3 HeadObject", 0, None, None)),
        (None, ObjectProof("s3://b/k/x.tar.gz", False, "S3 HeadObject")),
    ],
)
def test_sagemaker_object_proof(response: dict[str, Any] | None, proof: ObjectProof) -> None:
    source = sagemaker_source(FakeS3(response))
    assert source.object_proof("s3://b/k/x.tar.gz") == proof
    assert source.session.clients == [("s3", "eu-west-2")]
    assert source.show_path("/abs/path") == "/abs/path"


def test_sagemaker_object_proof_that_cannot_be_checked() -> None:
    proof = sagemaker_source(FakeS3(None, "AccessDenied")).object_proof("s3://b/k/x.tar.gz")
    assert (proof.uri, proof.exists, proof.where, proof.size) == (
        "s3://b/k/x.tar.gz",
        None,
        "S3 HeadObject",
        None,
    )
    assert proof.note is not None and "check the object s3://b/k/x.tar.gz" in proof.note
    assert "(AccessDenied) (profile 'profile', region eu-west-2)" in proof.note


def test_sagemaker_property_reports() -> None:
    found = [("Eval", "evaluation.json", {"metrics": {}})]
    reports = {"arn:x": found}
    backend = FakeSageMakerBackend(lambda arn: reports[arn])
    assert sagemaker_source(FakeS3({}), backend).property_reports("arn:x") == found
    assert sagemaker_source(FakeS3({})).property_reports("arn") == []

    def unreadable(arn: str) -> Any:
        from compiler.errors import SmpipeError

        raise SmpipeError("no access")

    backend = FakeSageMakerBackend(unreadable)
    assert sagemaker_source(FakeS3({}), backend).property_reports("arn") == []


class FakeExecution:
    def __init__(self, text: str | None, calls: list[Any]) -> None:
        self.text, self.calls = text, calls

    def get_pipeline_definition(self, session: Any, region: str) -> Any:
        self.calls.append((session, region))
        if self.text is None:
            raise RuntimeError("AccessDenied")
        return type("Response", (), {"pipeline_definition": self.text})()


@pytest.mark.parametrize(
    ("text", "expected"),
    [('{"Steps": []}', {"Steps": []}), ("[1]", None), ("not json", None), (None, None), ("", None)],
)
def test_sagemaker_executed_definition(
    monkeypatch: pytest.MonkeyPatch, text: str | None, expected: Any
) -> None:
    calls: list[Any] = []
    arns: list[str] = []

    class Resources:
        @staticmethod
        def PipelineExecution(pipeline_execution_arn: str) -> FakeExecution:
            arns.append(pipeline_execution_arn)
            return FakeExecution(text, calls)

    monkeypatch.setattr("pipeline.sagemaker.sdk.sdk_resources", lambda: Resources)
    source = sagemaker_source(FakeS3({}))
    assert source.executed_definition("arn:x") == expected
    assert arns == ["arn:x"]
    assert calls == [(source.session, "eu-west-2")]


def test_the_sagemaker_session_is_opened_once(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[AwsSettings] = []

    def open_session(settings: AwsSettings) -> object:
        opened.append(settings)
        return object()

    monkeypatch.setattr("pipeline.sagemaker.session.open_session", open_session)
    source = SageMakerSource(FakeSageMakerBackend())
    assert source.session is source.session
    assert opened == [FakeSageMakerBackend.settings]
    assert evidence_source(FakeSageMakerBackend()).__class__ is SageMakerSource  # type: ignore[arg-type]
