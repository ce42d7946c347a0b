"""The code bundle: reproducible bytes, named by the commit, marked when dirty; and the
engine's refusal to unpack an unsafe one."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from local_support import BUCKET, make_bundle, score_pipeline, seed_all

from compiler.errors import SmpipeError
from pipeline.bundle.build import build_bundle, bundle_bytes, code_version
from pipeline.local.backend import LocalBackend

SMPIPE = [sys.executable, "-c", "from pipeline.cli import main; main()"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    code = tmp_path / "repo" / "pipeline" / "code"
    code.mkdir(parents=True)
    (code / "preprocess.py").write_text("print('pre')\n")
    (code / "evaluate.py").write_text("print('eval')\n")
    (code / "lib").mkdir()
    (code / "lib" / "util.py").write_text("X = 1\n")
    git(tmp_path / "repo", "init", "-q")
    git(tmp_path / "repo", "add", ".")
    git(tmp_path / "repo", "commit", "-q", "-m", "code")
    return tmp_path / "repo"


def test_same_tree_gives_the_same_bytes(repo: Path) -> None:
    code = repo / "pipeline" / "code"
    first, names = bundle_bytes(code)
    for path in code.rglob("*.py"):
        os.utime(path, (1_000_000, 1_000_000))
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "preprocess.cpython-311.pyc").write_bytes(b"junk")
    (code / "lib" / "util.pyc").write_bytes(b"junk")
    second, _ = bundle_bytes(code)
    assert first == second
    assert names == ("evaluate.py", "lib/util.py", "preprocess.py")


def write_tree(root: Path, umask: int) -> Path:
    """The same three files, written under ``umask``."""
    previous = os.umask(umask)
    try:
        (root / "lib").mkdir(parents=True)
        (root / "preprocess.py").write_text("print('pre')\n")
        (root / "lib" / "util.py").write_text("X = 1\n")
        (root / "run.sh").write_text("#!/bin/sh\n")
        (root / "run.sh").chmod(0o777 & ~umask)
    finally:
        os.umask(previous)
    return root


def test_bytes_do_not_depend_on_file_modes_or_the_umask(tmp_path: Path) -> None:
    loose = write_tree(tmp_path / "loose", 0o000)  # files 0666, run.sh 0777
    strict = write_tree(tmp_path / "strict", 0o077)  # files 0600, run.sh 0700
    assert (loose / "preprocess.py").stat().st_mode & 0o777 == 0o666
    assert (strict / "preprocess.py").stat().st_mode & 0o777 == 0o600
    data, names = bundle_bytes(loose)
    assert bundle_bytes(strict) == (data, names)
    (strict / "lib" / "util.py").chmod(0o640)
    (strict / "run.sh").chmod(0o500)  # executable by its owner only: still 0755
    assert bundle_bytes(strict)[0] == data
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        modes = {m.name: m.mode for m in tar.getmembers()}
    assert modes == {"lib/util.py": 0o644, "preprocess.py": 0o644, "run.sh": 0o755}


def test_entries_are_normalised(repo: Path) -> None:
    data, _ = bundle_bytes(repo / "pipeline" / "code")
    assert data[4:8] == b"\0\0\0\0"  # gzip header time
    assert not data[3] & 0x08  # no file name in the gzip header
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, 0, "", "")}


def test_named_by_commit_and_marked_when_dirty(repo: Path, tmp_path: Path) -> None:
    code = repo / "pipeline" / "code"
    sha = git(repo, "rev-parse", "HEAD")
    clean = build_bundle(code, tmp_path / "out")
    assert clean.version == sha
    assert clean.path == tmp_path / "out" / sha / "pipeline_code.tar.gz"
    assert clean.uri("bucket") == f"s3://bucket/pipeline/code/{sha}/pipeline_code.tar.gz"
    (code / "preprocess.py").write_text("print('changed')\n")
    dirty = build_bundle(code, tmp_path / "out")
    assert dirty.version == f"{sha}-dirty-{dirty.sha256[:8]}"
    assert dirty.sha256 != clean.sha256
    (code / "preprocess.py").write_text("print('pre')\n")
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "x.pyc").write_bytes(b"junk")  # untracked caches are not "dirty"
    assert build_bundle(code, tmp_path / "out").version == sha


def test_outside_git_the_digest_names_it(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "a.py").write_text("a = 1\n")
    assert code_version(code, "0123456789abcdef" * 4) == "nogit-0123456789ab"


@pytest.mark.parametrize(
    ("untracked", "dirty"),
    [
        ("newdir/__pycache__/x.pyc", False),  # inside a new folder: listed file by file
        ("lib/stray.pyc", False),  # a compiled file outside __pycache__
        ("__pycache__/notes.txt", False),  # any file under a skipped folder
        ("newdir/notes.txt", True),
    ],
)
def test_what_counts_as_a_change_of_the_code(repo: Path, untracked: str, dirty: bool) -> None:
    code = repo / "pipeline" / "code"
    sha = git(repo, "rev-parse", "HEAD")
    (code / untracked).parent.mkdir(parents=True, exist_ok=True)
    (code / untracked).write_text("x\n")
    version = code_version(code, "f" * 64)
    assert version == (f"{sha}-dirty-ffffffff" if dirty else sha)


def test_changes_outside_the_code_folder_do_not_count(repo: Path) -> None:
    (repo / "README.md").write_text("not code\n")
    assert code_version(repo / "pipeline" / "code", "f" * 64) == git(repo, "rev-parse", "HEAD")


def test_entry_order_is_by_posix_path_and_files_are_listed(tmp_path: Path) -> None:
    code = tmp_path / "code"
    (code / "lib").mkdir(parents=True)
    (code / "lib" / "util.py").write_text("u\n")
    (code / "lib.py").write_text("l\n")
    bundle = build_bundle(code, tmp_path / "out")
    assert bundle.files == ("lib.py", "lib/util.py")  # "." sorts before "/"


def test_long_paths_stay_plain_ustar(tmp_path: Path) -> None:
    code = tmp_path / "code"
    deep = code / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    (deep / "f.py").write_text("x\n")
    data, names = bundle_bytes(code)
    raw = gzip.decompress(data)
    assert len(names[0]) > 100 and b"PaxHeader" not in raw  # USTAR's prefix field, no PAX


def test_nothing_to_bundle(tmp_path: Path) -> None:
    with pytest.raises(SmpipeError, match=r"^.*missing: no such folder to bundle$"):
        bundle_bytes(tmp_path / "missing")
    (tmp_path / "empty" / "__pycache__").mkdir(parents=True)
    with pytest.raises(SmpipeError, match=r"^.*empty: nothing to bundle$"):
        bundle_bytes(tmp_path / "empty")


def test_bundle_command_prints_the_uri_and_seeds_the_local_store(repo: Path) -> None:
    sha = git(repo, "rev-parse", "HEAD")
    env = {**os.environ, "SMPIPE_STATE_DIR": str(repo / ".smpipe")}
    result = subprocess.run(
        [*SMPIPE, "bundle", "--bucket", "my-bucket", "-q", "--local-store"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    uri = f"s3://my-bucket/pipeline/code/{sha}/pipeline_code.tar.gz"
    assert result.stdout.strip() == uri, result.stderr
    stored = repo / ".smpipe" / "s3" / "my-bucket" / "pipeline" / "code" / sha
    built = repo / "build" / "bundle" / sha / "pipeline_code.tar.gz"
    assert (stored / "pipeline_code.tar.gz").read_bytes() == built.read_bytes()


@pytest.mark.parametrize("member", ["../escape.py", "/abs/evil.py"])
def test_the_engine_refuses_an_unsafe_bundle(tmp_path: Path, member: str) -> None:
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    evil = make_bundle(tmp_path / "evil.tar.gz", {"score.py": "print(1)", member: "x"})
    backend = LocalBackend(state)
    backend.home.store.put_file(evil, f"{BUCKET}/code/evil.tar.gz")
    backend.upsert("toy", score_pipeline(), "role", None)
    arn = backend.start("toy", {"CodeBundleUri": f"{BUCKET}/code/evil.tar.gz"})
    assert backend.wait(arn, timeout=60)
    step = backend.list_steps(arn)[0]
    assert step.status == "Failed"
    assert "unsafe path" in (step.failure_reason or "")
    assert not (tmp_path / "escape.py").exists()


def test_a_cache_folder_at_the_top_of_a_repository_root_bundle(tmp_path: Path) -> None:
    """Code at the repository's root: status paths start with the skipped folder itself."""
    (tmp_path / "a.py").write_text("a = 1\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "code")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "notes.txt").write_text("x\n")
    assert code_version(tmp_path, "f" * 64) == git(tmp_path, "rev-parse", "HEAD")
