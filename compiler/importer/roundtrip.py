"""The round trip: compile the imported spec and compare it with the source definition,
value by value, after the documented normalisations (docs/import.md):

1. keys whose value is null are left out (the SDK writes ``"MlflowConfig": null``;
   SageMaker reads a missing key as null, and the compiler leaves unset keys out);
2. key order and white space do not count (the compiler's text is canonical);
3. ``Metadata`` entries named ``smpipe-*`` that the source does not have are left out of
   the compiled side: the compiler's notes for its local engine and for upsert (a Lambda
   step's local handler, a Spark step's configuration bytes), which SageMaker stores and
   ignores.

Everything else must be equal, JSON types included (``1`` is not ``1.0``, ``true`` is
not ``1``). Each difference is reported at its JSON path in the source definition.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from compiler.compile import SpecProblems, compile_document
from compiler.importer.context import Note, describe
from compiler.loader import load_text

_STEP_PLACE = re.compile(r"\.(Steps|IfSteps|ElseSteps)\[[0-9]+\]$")


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


LOCAL_METADATA_PREFIX = "smpipe-"


def without_local_notes(compiled: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """Normalisation 3: the compiled definition without the smpipe-* Metadata entries the
    source lacks."""
    metadata = compiled.get("Metadata")
    if not isinstance(metadata, dict):
        return compiled
    theirs = source.get("Metadata")
    theirs = theirs if isinstance(theirs, dict) else {}
    kept = {
        key: value
        for key, value in metadata.items()
        if not key.startswith(LOCAL_METADATA_PREFIX) or key in theirs
    }
    return {**compiled, "Metadata": kept}


def compile_imported(
    text: str, spec_path: Path, variables: dict[str, str]
) -> tuple[dict[str, Any] | None, str | None, list[Note]]:
    """(definition, canonical text, problems): the spec compiled with its deploy variables."""
    document = load_text(text, str(spec_path))
    try:
        result = compile_document(document, spec_path, None, variables)
    except SpecProblems as problems:
        return (
            None,
            None,
            [
                Note("$", f"the imported spec does not compile: {d.message} [{d.rule}]")
                for d in problems.result.errors
            ],
        )
    return result.definition, result.text, []


def differences(source: Any, compiled: Any, path: str = "$") -> list[Note]:
    """Where ``compiled`` differs from ``source``, in plain words, by JSON path."""
    if isinstance(source, dict) and isinstance(compiled, dict):
        is_step = _STEP_PLACE.search(path) is not None and isinstance(source.get("Name"), str)
        step = f'step "{source["Name"]}": ' if is_step else ""
        found = []
        for key in source:
            where = f"{path}.{key}" if _plain(key) else f"{path}[{json.dumps(key)}]"
            if key not in compiled:
                found.append(
                    Note(
                        where,
                        f"{step}the definition sets {key} to "
                        f"{describe(source[key])}; the imported spec cannot express it",
                    )
                )
            else:
                found.extend(_prefixed(differences(source[key], compiled[key], where), step))
        for key in compiled:
            if key not in source:
                where = f"{path}.{key}" if _plain(key) else f"{path}[{json.dumps(key)}]"
                found.append(
                    Note(
                        where,
                        f"{step}the imported spec adds {key} = "
                        f"{describe(compiled[key])}, which the definition does not have",
                    )
                )
        return found
    if (
        isinstance(source, list)
        and isinstance(compiled, list)
        and all(isinstance(item, (dict, list)) for item in source + compiled)
    ):
        found = []
        for index in range(max(len(source), len(compiled))):
            where = f"{path}[{index}]"
            if index >= len(compiled):
                found.append(
                    Note(
                        where,
                        f"the definition has {describe(source[index])} "
                        "here; the imported spec leaves it out",
                    )
                )
            elif index >= len(source):
                found.append(Note(where, f"the imported spec adds {describe(compiled[index])}"))
            else:
                found.extend(differences(source[index], compiled[index], where))
        return found
    if _canonical(source) == _canonical(compiled):
        return []
    return [
        Note(
            path,
            f"the definition has {describe(source)}; the imported spec compiles to "
            f"{describe(compiled)}",
        )
    ]


def _prefixed(notes: list[Note], step: str) -> list[Note]:
    if not step:
        return notes
    return [n if n.message.startswith("step ") else Note(n.path, step + n.message) for n in notes]


def _plain(key: str) -> bool:
    return key.replace("_", "").replace(":", "").isalnum() and ":" not in key


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
