"""Facts for the local engine that the definition has no field for travel in its top-level
``Metadata`` under ``smpipe-*`` keys, which SageMaker stores and ignores. SageMaker's
Pipelines quotas bound a Metadata value to 1,024 characters (and a key to 128, of
``[A-Za-z0-9-_]``), so a longer text goes as numbered pieces ``<prefix>0``, ``<prefix>1``, ...

Entries so far: ``smpipe-lambda-<step>`` (compiler.emit.handoff), ``smpipe-spark-conf-<step>-<n>``
(compiler.emit.spark) and ``smpipe-property-paths-<step>-<n>`` (the JSON paths a step's
property files promise, compiler.emit.processing; checked by pipeline.local.promises).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

METADATA_PIECE = 1024  # SageMaker's limit on one Metadata value


def pieces(prefix: str, text: str) -> dict[str, str]:
    """``text`` cut into Metadata values under ``<prefix>0``, ``<prefix>1``, ..."""
    return {
        f"{prefix}{index // METADATA_PIECE}": text[index : index + METADATA_PIECE]
        for index in range(0, len(text), METADATA_PIECE)
    }


def joined(metadata: Mapping[str, Any], prefix: str) -> str | None:
    """The text ``pieces`` cut (``<prefix>0`` onwards, while they follow), or None."""
    found: list[str] = []
    while isinstance(piece := metadata.get(f"{prefix}{len(found)}"), str):
        found.append(piece)
    return "".join(found) if found else None
