"""Files shipped inside the installed package, found through ``importlib.resources``.

Nothing at run time reads a path relative to the checkout: a wheel installed anywhere finds
its data files (``compiler/data/``) here. The committed ``schemas/`` copies are for editors
and reviewers; tests keep them equal to what the package ships.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def data_text(name: str) -> str:
    """The text of ``compiler/data/<name>``."""
    return files("compiler").joinpath("data", name).read_text(encoding="utf-8")


def data_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(data_text(name))
    return data
