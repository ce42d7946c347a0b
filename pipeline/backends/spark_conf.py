"""The Spark configuration files a definition's Spark steps read (their ``conf`` input),
recovered from the definition's ``Metadata`` (``smpipe-spark-conf-<step>-<n>`` pieces, as
``compiler.emit.spark`` writes them). ``upsert`` puts each at its URI on either backend,
where SDK v3's PySparkProcessor uploads it when it builds the definition."""

from __future__ import annotations

import json
from typing import Any

from compiler.emit.metadata import joined
from pipeline.definition_steps import iter_steps

PREFIX = "smpipe-spark-conf-"


def configuration_objects(definition: str) -> dict[str, bytes]:
    """URI -> bytes of every Spark configuration the definition carries."""
    try:
        document = json.loads(definition)
    except ValueError:
        return {}
    metadata = document.get("Metadata") or {} if isinstance(document, dict) else {}
    found: dict[str, bytes] = {}
    for step in iter_steps(document):
        name = step.get("Name")
        text = joined(metadata, f"{PREFIX}{name}-")
        if text is None:
            continue
        for item in (step.get("Arguments") or {}).get("ProcessingInputs") or []:
            uri = (item.get("S3Input") or {}).get("S3Uri")
            if item.get("InputName") == "conf" and isinstance(uri, str):
                found[uri] = text.encode("utf-8")
    return found


def stage(definition: str, put: Any) -> list[str]:
    """``put(uri, data)`` for every configuration; returns the URIs."""
    objects = configuration_objects(definition)
    for uri, data in objects.items():
        put(uri, data)
    return sorted(objects)
