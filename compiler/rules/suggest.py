"""'Did you mean' hints for names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    candidates = sorted(set(known))
    # A close spelling ("stpes", "stages") or a prefix ("param"); sharing a few letters
    # ("tags" and "images") is not a hint.
    close = (
        difflib.get_close_matches(name, candidates, n=1, cutoff=0.7)
        or [
            c
            for c in difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
            if c.startswith(name) or name.startswith(c)
        ][:1]
    )
    if close:
        return f'; did you mean "{close[0]}"?'
    if candidates:
        shown = ", ".join(f'"{c}"' for c in candidates[:8])
        return f" (known: {shown}{', ...' if len(candidates) > 8 else ''})"
    return " (none are declared)"
