"""The collector pauses while a spec is compiled and resumes after, even on failure; the
exit freeze is registered once per process."""

from __future__ import annotations

import atexit
import gc
from pathlib import Path

import pytest

import compiler.compile as compile_module
from compiler import gc_pause
from compiler.compile import compile_spec_file
from compiler.gc_pause import gc_paused, skip_exit_collection

ROOT = Path(__file__).resolve().parent.parent
TITANIC = ROOT / "spec" / "titanic-modelbuild.yaml"


def test_compile_runs_with_the_collector_paused_and_resumes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    real_check = compile_module._check

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real_check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compile_module, "_check", spy)
    assert gc.isenabled()
    compile_spec_file(TITANIC, env="dev")
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_resumes_after_an_error_and_nesting_keeps_the_outer_pause() -> None:
    @gc_paused
    def inner() -> bool:
        return gc.isenabled()

    @gc_paused
    def outer() -> tuple[bool, bool]:
        during = inner()
        return during, gc.isenabled()

    @gc_paused
    def failing() -> None:
        raise ValueError("boom")

    assert outer() == (False, False)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        failing()
    assert gc.isenabled()


def test_a_caller_that_disabled_the_collector_keeps_it_disabled() -> None:
    gc.disable()
    try:
        gc_paused(lambda: None)()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_exit_freeze_is_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[object] = []
    monkeypatch.setattr(gc_pause, "_EXIT_FREEZE_REGISTERED", False)
    monkeypatch.setattr(atexit, "register", registered.append)
    skip_exit_collection()
    skip_exit_collection()
    assert registered == [gc.freeze]
