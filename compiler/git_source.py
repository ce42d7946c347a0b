"""Reading a file as it is at a git revision: ``REV:path`` (``main:spec/x.yaml``).

A path that exists on disk is always the file, never a revision, so ``C:odd`` style names
and files with a colon keep working. Git's own errors become one-line usage errors.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from compiler.errors import UsageError


@dataclass(frozen=True)
class GitRef:
    """``revision:path`` as git reads it (the path relative to the repository's top, or
    to the current folder when it starts with ``./`` or ``../``)."""

    revision: str
    path: str

    @property
    def spelling(self) -> str:
        return f"{self.revision}:{self.path}"


def parse_git_ref(argument: str) -> GitRef | None:
    """The revision reference ``argument`` names, or None when it is a plain path."""
    if Path(argument).exists():
        return None
    revision, colon, path = argument.partition(":")
    if not colon or not revision or not path:
        return None
    return GitRef(revision, path)


def read_git_file(ref: GitRef, cwd: Path | None = None) -> bytes:
    """The file's bytes at that revision; a :class:`UsageError` naming what is wrong."""
    kind = _git(["cat-file", "-t", ref.spelling], ref, cwd)
    if kind.returncode != 0:
        raise UsageError(_explain(ref, kind.stderr, cwd))
    if kind.stdout.strip() != b"blob":
        raise UsageError(f"{ref.spelling}: is a {kind.stdout.decode().strip()} in git, not a file")
    content = _git(["cat-file", "blob", ref.spelling], ref, cwd)
    if content.returncode != 0:
        raise UsageError(_explain(ref, content.stderr, cwd))
    return content.stdout


def working_tree_path(ref: GitRef, cwd: Path | None = None) -> Path:
    """Where ``ref.path`` is in the working tree (for files read beside it, e.g. spec/env/)."""
    if ref.path.startswith(("./", "../")):
        return (cwd or Path.cwd()) / ref.path
    top = _git(["rev-parse", "--show-toplevel"], ref, cwd)
    if top.returncode != 0:
        raise UsageError(_explain(ref, top.stderr, cwd))
    return Path(top.stdout.decode().strip()) / PurePosixPath(ref.path)


def _git(arguments: list[str], ref: GitRef, cwd: Path | None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *arguments], cwd=cwd, capture_output=True, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise UsageError(
            f"{ref.spelling}: reading a git revision needs git, which is not installed"
        ) from None


def _explain(ref: GitRef, stderr: bytes, cwd: Path | None) -> str:
    """Git's complaint as one line, made specific: unknown revision or missing path."""
    message = stderr.decode(errors="replace").strip().splitlines()
    detail = message[-1].removeprefix("fatal: ") if message else "git failed"
    if "not a git repository" in detail:
        return f"{ref.spelling}: not inside a git repository (and no such file exists)"
    revision = _git(["rev-parse", "--verify", "--quiet", f"{ref.revision}^{{tree}}"], ref, cwd)
    if revision.returncode != 0:
        return f'{ref.spelling}: git knows no revision "{ref.revision}" (and no such file exists)'
    if "does not exist" in detail or "exists on disk" in detail:
        return f'{ref.spelling}: no file "{ref.path}" at revision {ref.revision}'
    return f"{ref.spelling}: {detail}"
