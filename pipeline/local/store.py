"""The local object store: ``s3://bucket/key`` is the file ``<state dir>/s3/bucket/key``.

Inputs may also be plain local paths (or ``file://`` URIs), so a run can read a CSV that was
never copied into the store. Outputs are always S3 URIs. Copies are atomic per object
(written beside the target, then renamed), so a killed run never leaves half an object.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pipeline.local.errors import LocalEngineError


class ObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    # ---- addressing ----
    def path_for(self, uri: str) -> Path:
        """The local file an URI names (``s3://`` in the store, else a local path)."""
        if uri.startswith("s3://"):
            parsed = urlparse(uri)
            key = parsed.path.lstrip("/")
            if not parsed.netloc or ".." in Path(key).parts:
                raise LocalEngineError(f"not a valid S3 URI: {uri}")
            return self.root / parsed.netloc / key
        if uri.startswith("file://"):
            return Path(urlparse(uri).path)
        if "://" in uri:
            raise LocalEngineError(f"the local engine reads s3:// URIs and local paths, not {uri}")
        return Path(uri).expanduser().resolve()

    def exists(self, uri: str) -> bool:
        return bool(self.objects(uri))

    def objects(self, prefix_uri: str) -> list[tuple[Path, str]]:
        """Every object under an S3 prefix (S3 semantics: a key prefix, not only a folder),
        as (file, path relative to where SageMaker would place it under the LocalPath)."""
        target = self.path_for(prefix_uri)
        if target.is_file():
            return [(target, target.name)]
        if target.is_dir():
            return [
                (path, path.relative_to(target).as_posix())
                for path in sorted(target.rglob("*"))
                if path.is_file() and not path.name.startswith(".smpipe-part-")
            ]
        parent = target.parent
        if not parent.is_dir():
            return []
        found: list[tuple[Path, str]] = []
        for sibling in sorted(parent.iterdir()):
            if not sibling.name.startswith(target.name):
                continue
            if sibling.is_file():
                found.append((sibling, sibling.name))
            elif sibling.is_dir():
                found += [
                    (path, path.relative_to(parent).as_posix())
                    for path in sorted(sibling.rglob("*"))
                    if path.is_file()
                ]
        return found

    # ---- transfers ----
    def download(self, uri: str, destination: Path, data_type: str = "S3Prefix") -> int:
        """Copy the objects at ``uri`` into the folder ``destination``; return how many."""
        if data_type == "S3Object":
            source = self.path_for(uri)
            entries = [(source, source.name)] if source.is_file() else []
        elif data_type == "S3Prefix":
            entries = self.objects(uri)
        else:
            raise LocalEngineError(f"S3DataType {data_type} is not supported locally")
        if not entries:
            raise LocalEngineError(f"no object found at {uri} ({self.path_for(uri)})")
        destination.mkdir(parents=True, exist_ok=True)
        for source, relative in entries:
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return len(entries)

    def upload_dir(self, source: Path, prefix_uri: str) -> list[str]:
        """Copy every file under ``source`` to ``prefix_uri/<relative path>``; return the URIs."""
        if not prefix_uri.startswith("s3://"):
            raise LocalEngineError(f"outputs must go to an s3:// URI, not {prefix_uri}")
        uploaded = []
        for path in sorted(source.rglob("*")) if source.is_dir() else []:
            if path.is_file():
                relative = path.relative_to(source).as_posix()
                uri = f"{prefix_uri.rstrip('/')}/{relative}"
                self.put_file(path, uri)
                uploaded.append(uri)
        return uploaded

    def put_file(self, source: Path, uri: str) -> Path:
        target = self.path_for(uri)
        if not uri.startswith("s3://"):
            raise LocalEngineError(f"can only put objects at s3:// URIs, not {uri}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".smpipe-part-{target.name}-{os.getpid()}")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        return target

    def put_bytes(self, uri: str, data: bytes) -> Path:
        if not uri.startswith("s3://"):
            raise LocalEngineError(f"can only put objects at s3:// URIs, not {uri}")
        target = self.path_for(uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".smpipe-part-{target.name}-{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, target)
        return target

    def read_json(self, uri: str) -> Any:
        path = self.path_for(uri)
        return json.loads(path.read_text(encoding="utf-8"))
