"""The formats this smpipe reads and writes, for ``smpipe --version`` and tooling."""

from __future__ import annotations

from typing import get_args

from compiler import __version__


def spec_format_versions() -> tuple[int, ...]:
    """The spec ``version:`` values the models accept."""
    from compiler.model import Spec

    return tuple(sorted(get_args(Spec.model_fields["version"].annotation)))


def version_text() -> str:
    from compiler.emit.definition import DEFINITION_VERSION

    versions = ", ".join(str(v) for v in spec_format_versions())
    return (
        f"smpipe, version {__version__}\n"
        f"reads pipeline spec format version {versions} (`version:` in a spec)\n"
        f"writes SageMaker pipeline definition version {DEFINITION_VERSION}"
    )
