"""'Did you mean' hints for names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    candidates = sorted(set(known))
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return f'; did you mean "{close[0]}"?'
    if candidates:
        shown = ", ".join(f'"{c}"' for c in candidates[:8])
        return f" (known: {shown}{', ...' if len(candidates) > 8 else ''})"
    return " (none are declared)"
