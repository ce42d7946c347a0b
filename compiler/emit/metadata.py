"""Facts for the local engine that the definition has no field for travel in its top-level
``Metadata`` under ``smpipe-*`` keys, which SageMaker stores and ignores. SageMaker's
Pipelines quotas bound a Metadata value to 1,024 characters (and a key to 128, of
``[A-Za-z0-9-_]``), so a longer text goes as numbered pieces ``<prefix>0``, ``<prefix>1``, ...

Entries so far: ``smpipe-lambda-<step>`` (compiler.emit.handoff), ``smpipe-spark-conf-<step>-<n>``
(compiler.emit.spark) and ``smpipe-property-paths-<step>-<n>`` (the JSON paths a step's
property files promise, compiler.emit.processing; checked by pipeline.local.promises).
Light on purpose (no spec models): the local engine and the backends read these too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

METADATA_PIECE = 1024  # SageMaker's limit on one Metadata value
PROMISED_PATHS_PREFIX = "smpipe-property-paths-"


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


def promised_paths(metadata: Mapping[str, Any], step: str) -> dict[str, list[str]]:
    """What ``compiler.emit.processing.promised_paths_metadata`` wrote for ``step``
    (property file -> paths), read back from a definition's Metadata; {} when there is
    none. Raises ValueError when the pieces do not join into JSON."""
    text = joined(metadata, f"{PROMISED_PATHS_PREFIX}{step}-")
    found = json.loads(text) if text is not None else {}
    if not isinstance(found, dict):
        return {}
    return {
        str(name): [str(path) for path in paths]
        for name, paths in found.items()
        if isinstance(paths, list)
    }
