"""Pick an engine by name: ``local`` (embedded, the default) or ``sagemaker``.

Both are imported lazily: the SageMaker one needs the ``aws``/``sdk`` extras, the local one
pulls in nothing heavy until a step runs.
"""

from __future__ import annotations

from pathlib import Path

from compiler.errors import UsageError
from pipeline.backends.interface import Backend

BACKENDS = ("local", "sagemaker")


def get_backend(
    name: str,
    *,
    state_dir: Path | None = None,
    inline: bool = True,
    max_parallel: int | None = None,
) -> Backend:
    """The backend called ``name``. ``state_dir``, ``inline`` and ``max_parallel`` only matter
    to ``local``."""
    if name == "local":
        from pipeline.local.backend import LocalBackend

        return LocalBackend(state_dir, inline=inline, max_parallel=max_parallel)
    if name == "sagemaker":
        try:
            from pipeline.sagemaker.backend import (  # type: ignore[import-not-found,unused-ignore]
                SageMakerBackend,
            )
        except ImportError as error:
            raise UsageError(
                f"the sagemaker backend is not available ({error}); install the aws extras "
                "(pip install 'smpipe[aws]') or use --backend local"
            ) from error
        backend: Backend = SageMakerBackend()
        return backend
    raise UsageError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
