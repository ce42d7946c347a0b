"""Pause Python's cyclic garbage collector while a spec is loaded, checked and emitted.

Compiling builds many long-lived objects (YAML nodes, models, the definition) and makes few
reference cycles; the collector, triggered by allocation counts, walks all of them again and
again while they pile up: a third of a 1,000-step compile's time. Refcounting still frees
everything as usual; cycles made meanwhile are collected once the collector runs again.
(Mercurial pauses it the same way around its bulk loads.)
"""

from __future__ import annotations

import atexit
import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def gc_paused(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with the cyclic collector paused (nesting and threads are fine: the
    outermost call that paused it resumes it)."""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused


_EXIT_FREEZE_REGISTERED = False


def skip_exit_collection() -> None:
    """Let this process exit without the collector's final walk over every object.

    At shutdown the interpreter collects cycles across the whole heap (all the models,
    validators and modules compile loaded): about 45 ms of a short command's run for
    garbage the operating system frees anyway. ``gc.freeze()`` at exit puts every object out
    of that walk. For short-lived commands that hold nothing to finalize (compile, validate);
    registered once per process."""
    global _EXIT_FREEZE_REGISTERED
    if not _EXIT_FREEZE_REGISTERED:
        atexit.register(gc.freeze)
        _EXIT_FREEZE_REGISTERED = True
