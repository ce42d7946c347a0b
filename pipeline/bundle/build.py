"""The code bundle: ``pipeline_code.tar.gz`` built reproducibly from ``pipeline/code/``.

Same tree, same bytes: entries sorted, mtime 0, owner 0:0 without names, fixed modes, a gzip
header without name or time, no ``__pycache__``. The bundle is named by the commit that holds
the code; a tree with uncommitted changes under the code folder gets ``<sha>-dirty-<digest>``
(the bytes' digest, so an edit changes the URI and so invalidates the step caches).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from compiler.errors import SmpipeError

BUNDLE_NAME = "pipeline_code.tar.gz"
SKIPPED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Bundle:
    path: Path
    version: str  # the git SHA, <sha>-dirty-<digest>, or nogit-<digest>
    sha256: str
    files: tuple[str, ...]

    def uri(self, bucket: str) -> str:
        return bundle_uri(bucket, self.version)


def bundle_uri(bucket: str, version: str) -> str:
    return f"s3://{bucket}/pipeline/code/{version}/{BUNDLE_NAME}"


def bundle_files(code_dir: Path) -> list[Path]:
    if not code_dir.is_dir():
        raise SmpipeError(f"{code_dir}: no such folder to bundle")
    files = []
    for path in code_dir.rglob("*"):
        relative = path.relative_to(code_dir)
        if any(part in SKIPPED_DIRS for part in relative.parts):
            continue
        if path.is_file() and not path.name.endswith(SKIPPED_SUFFIXES):
            files.append(path)
    if not files:
        raise SmpipeError(f"{code_dir}: nothing to bundle")
    return sorted(files, key=lambda path: path.relative_to(code_dir).as_posix())


def bundle_bytes(code_dir: Path) -> tuple[bytes, tuple[str, ...]]:
    """The bundle's bytes and its entry names."""
    names = []
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in bundle_files(code_dir):
            name = path.relative_to(code_dir).as_posix()
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            tar.addfile(info, io.BytesIO(data))
            names.append(name)
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue(), tuple(names)


def code_version(code_dir: Path, digest: str) -> str:
    """The commit SHA, marked ``-dirty-<digest>`` when the code folder has local changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=code_dir, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        sha = git("rev-parse", "HEAD")
        changes = git("status", "--porcelain", "--untracked-files=all", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return f"nogit-{digest[:12]}"
    relevant = [
        line
        for line in changes.splitlines()
        if not any(f"/{skipped}/" in f"/{line[3:]}" for skipped in SKIPPED_DIRS)
        and not line.endswith(SKIPPED_SUFFIXES)
    ]
    return f"{sha}-dirty-{digest[:8]}" if relevant else sha


def build_bundle(code_dir: Path, out_dir: Path) -> Bundle:
    """Write ``<out_dir>/<version>/pipeline_code.tar.gz`` and describe it."""
    data, names = bundle_bytes(code_dir)
    digest = hashlib.sha256(data).hexdigest()
    version = code_version(code_dir, digest)
    target = out_dir / version / BUNDLE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return Bundle(path=target, version=version, sha256=digest, files=names)
