"""Step property paths (``BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value``,
``FinalMetricDataList['validation:auc'].Value``) checked against the Describe* response
shapes SageMaker Pipelines exposes for each step type (``compiler/data/describe_shapes.json``,
generated from botocore by ``scripts/sync_describe_shapes.py``; loaded only when a spec
uses a ``{property: ...}`` reference)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).parent / "data" / "describe_shapes.json"
_TOKEN = re.compile(r"""\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[(?:'([^']*)'|"([^"]*)")\]""")
NUMBER_TYPES = ("integer", "long", "float", "double")
# What a spec step kind's properties are, as a pipeline step type.
STEP_TYPES = {
    "processing": "Processing",
    "training": "Training",
    "tuning": "Tuning",
    "model": "Model",
    "transform": "Transform",
    "register": "RegisterModel",
}


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_DATA.read_text())
    return data


Token = str | int  # a member name, a list index, or a ['key'] (kept as "'key'")


def parse(path: str) -> list[Token] | None:
    """The path's parts, or None if it is not a property path."""
    tokens: list[Token] = []
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if not match or (match.group(0).startswith(".") and not tokens):
            return None
        name, index, single, double = match.groups()
        if name is not None:
            tokens.append(name)
        elif index is not None:
            tokens.append(int(index))
        else:
            tokens.append(f"'{single if single is not None else double}'")
        position = match.end()
    return (
        tokens if tokens and isinstance(tokens[0], str) and not tokens[0].startswith("'") else None
    )


def render(tokens: list[Token]) -> str:
    """The canonical text, as the SDK writes a Get: ``A.B[0].C['key']``."""
    out = ""
    for token in tokens:
        if isinstance(token, int) or token.startswith("'"):
            out += f"[{token}]"
        else:
            out += f".{token}" if out else token
    return out


@dataclass(frozen=True)
class Resolved:
    type: str | None  # the leaf's type (string, integer, structure...), None when not found
    problem: str = ""  # why it was not found
    choices: tuple[str, ...] = ()  # the members where it failed


def resolve(step_type: str, tokens: list[Token]) -> Resolved:
    data = _data()
    roots = data["roots"].get(step_type)
    if roots is None:
        return Resolved(None, f"{step_type} steps have no properties")
    shapes = data["shapes"]
    first = tokens[0]
    current = next(
        (shapes[r]["members"][first] for r in roots if first in shapes[r]["members"]), None
    )
    if current is None:
        members = tuple(m for r in roots for m in shapes[r]["members"])
        return Resolved(None, f'{step_type} step properties have no "{first}"', members)
    walked: list[Token] = [first]
    for token in tokens[1:]:
        shape = shapes[current]
        kind = shape["type"]
        if kind == "structure":
            if not isinstance(token, str) or token.startswith("'") or token not in shape["members"]:
                members = tuple(shape["members"])
                where = f"{render(walked)} ({current})"
                return Resolved(None, f'{where} has no member "{render([token])}"', members)
            current = shape["members"][token]
        elif kind == "list":
            if isinstance(token, str) and not token.startswith("'"):
                return Resolved(None, f"{render(walked)} is a list: index it with [N] or ['name']")
            current = shape["member"]
        elif kind == "map":
            if not (isinstance(token, str) and token.startswith("'")):
                return Resolved(None, f"{render(walked)} is a map: index it with ['key']")
            current = shape["value"]
        else:
            return Resolved(None, f"{render(walked)} is a {kind}: it has no {render([token])}")
        walked.append(token)
    leaf = shapes[current]
    if leaf["type"] in ("structure", "list", "map"):
        inside = tuple(leaf.get("members", ()))
        return Resolved(
            None, f"{render(walked)} is a {leaf['type']} ({current}), not a value", inside
        )
    return Resolved(leaf["type"])
