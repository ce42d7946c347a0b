"""What the importer knows while it reads a definition: the steps by name, the declared
parameters, the outputs and property files a reference may name, and the notes it makes.

Every note carries the JSON path of the place in the source definition it is about
(``$.Steps[2].Arguments.AppSpecification.ContainerEntrypoint``), so the report points at
the definition the user has, not at the spec they do not have yet.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import SmpipeError

PLACEHOLDER_PREFIX = "IMPORT-TODO: "


@dataclass(frozen=True, order=True)
class Note:
    """A place the spec cannot reproduce (``blocking``) or a reviewer should look at."""

    path: str
    message: str
    blocking: bool = True


@dataclass(frozen=True)
class ScriptUse:
    """A script a processing step runs, and where the definition takes it from."""

    step: str
    script: str
    source: str  # an S3 URI, or "parameter NAME" for a code bundle


class DefinitionError(SmpipeError):
    """The source is not a definition smpipe can read: not JSON, a wrong version, an unknown
    step type, a reference to something the definition does not declare."""

    def __init__(self, label: str, problems: list[Note]) -> None:
        self.problems = sorted(problems)
        lines = "\n".join(f"  {p.path}: {p.message}" for p in self.problems)
        count = len(self.problems)
        super().__init__(
            f"{label}: cannot import: {count} problem{'s' if count != 1 else ''}:\n{lines}"
        )


class UnreadableObject(Exception):
    """An object reader could not read an object; the message says why, in plain words."""


# s3:// URI -> the object's bytes, raising UnreadableObject; given only where import may
# read the definition's surroundings (``--backend sagemaker --pipeline NAME``).
ObjectReader = Callable[[str], bytes]
# (pipeline name, artifacts prefix, spec steps by name): a decision a step kind makes once
# every step is read and the pipeline's name and artifacts prefix are chosen.
LaterDecision = Callable[[str, str, dict[str, dict[str, Any]]], None]


@dataclass
class StepPlace:
    path: str
    step: dict[str, Any]


@dataclass
class ImportContext:
    label: str
    parameters: dict[str, str] = field(default_factory=dict)  # name -> type
    steps: dict[str, StepPlace] = field(default_factory=dict)
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)  # property -> (step, out)
    property_files: set[tuple[str, str]] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)
    errors: list[Note] = field(default_factory=list)
    scripts: list[ScriptUse] = field(default_factory=list)
    # Evidence gathered from the steps, decided on once every step is read.
    roles: Counter[str] = field(default_factory=Counter)
    artifacts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (prefix, pipeline)
    code_bundles: Counter[str] = field(default_factory=Counter)
    image_keys: dict[str, str] = field(default_factory=dict)  # image URI -> images: key
    step_comments: dict[str, list[str]] = field(default_factory=dict)  # step -> review lines
    metadata: dict[str, Any] = field(default_factory=dict)  # the definition's Metadata
    read_object: ObjectReader | None = None  # None: a bare definition, nothing around it
    later: list[LaterDecision] = field(default_factory=list)

    def unsupported(self, path: str, message: str) -> None:
        self.notes.append(Note(path, message, True))

    def review(self, step: str, path: str, message: str) -> None:
        """A decision for a human that does not change the definition."""
        self.notes.append(Note(path, message, False))
        self.step_comments.setdefault(step, []).append(message)

    def error(self, path: str, message: str) -> None:
        self.errors.append(Note(path, message, True))

    def image(self, uri: Any, path: str) -> str:
        """The ``images:`` key standing for this URI (keys are named later, in images.py)."""
        if not isinstance(uri, str) or not uri:
            self.unsupported(path, f"the image is {describe(uri)}, not a URI string")
            uri = placeholder(uri)
        return self.image_keys.setdefault(uri, f"image{len(self.image_keys)}")


def describe(value: Any, limit: int = 80) -> str:
    """A JSON value in a message, cut to ``limit`` characters."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def placeholder(value: Any) -> str:
    """What the spec holds where it cannot express the definition's value: the value
    itself as JSON text, marked, so a reviewer finds it (and the round trip reports it)."""
    return PLACEHOLDER_PREFIX + json.dumps(value, sort_keys=True, ensure_ascii=False)


def mapping(ctx: ImportContext, value: Any, path: str) -> dict[str, Any]:
    """A JSON object expected at ``path``; anything else is a malformed definition."""
    if isinstance(value, dict):
        return value
    ctx.error(path, f"expected a JSON object, found {describe(value)}")
    return {}


def sequence(ctx: ImportContext, value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    ctx.error(path, f"expected a JSON list, found {describe(value)}")
    return []
