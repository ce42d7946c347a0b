"""Errors that end a command with a clear one-line message instead of a traceback."""

from __future__ import annotations


class SmpipeError(Exception):
    """A failure the user can act on. ``exit_code`` follows the CLI's convention:
    1 for problems found in the user's input, 2 for usage errors."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(SmpipeError):
    """The command was called wrongly (a missing file, a bad option value)."""

    exit_code = 2
