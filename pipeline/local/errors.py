"""The local engine's errors. All are ``SmpipeError``s, so the CLI prints one line."""

from __future__ import annotations

from compiler.errors import SmpipeError


class LocalEngineError(SmpipeError):
    """Something the local engine cannot do (an unknown execution, a bad state)."""


class CannotRunLocally(LocalEngineError):
    """The definition uses a step type, image or entrypoint the local engine cannot run.
    Raised before the execution starts."""


class ExpressionError(LocalEngineError):
    """An expression (Get, Std:Join, Std:JsonGet, a condition) cannot be evaluated."""


class StepFailed(Exception):
    """A step ended in ``Failed``; the message is its FailureReason."""


class StepStopped(Exception):
    """A step ended because the execution was asked to stop."""
