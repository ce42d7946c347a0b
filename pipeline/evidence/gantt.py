"""Step timings as a Mermaid Gantt chart (GitHub renders ```mermaid blocks in Markdown).

One bar per step that started, from its start to its end, in start order, tagged by how
it ended (done, crit for Failed or Stopped, active while it still runs); a cache hit is a
milestone. Deterministic: only the records' own times, never the clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone

from pipeline.backends.interface import StepRecord

_TAGS = {"Succeeded": "done", "Failed": "crit", "Stopped": "crit", "Stopping": "crit"}
# Gantt task names end at ":" and "#" starts an entity: keep names readable and safe.
_UNSAFE = re.compile(r"[:#;]")


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _start(step: StepRecord) -> datetime:
    return step.started or datetime.min.replace(tzinfo=timezone.utc)


def step_gantt(steps: Sequence[StepRecord], title: str = "Step timings (UTC)") -> str:
    """The ``gantt`` text (no fence), or "" when no step has started."""
    started = sorted((s for s in steps if s.started is not None), key=_start)
    if not started:
        return ""
    lines = [
        "gantt",
        f"  title {title}",
        "  dateFormat YYYY-MM-DDTHH:mm:ss.SSS",
        "  axisFormat %H:%M:%S",
    ]
    for index, step in enumerate(started):
        assert step.started is not None
        name = _UNSAFE.sub("_", step.name)
        label = f"{name} ({step.status}{', cache hit' if step.cache_source_execution else ''})"
        end = step.ended or step.started
        tag = _TAGS.get(step.status, "active")
        if step.cache_source_execution or end <= step.started:
            tag += ", milestone"
        lines.append(f"  {label} :{tag}, s{index}, {_when(step.started)}, {_when(end)}")
    return "\n".join(lines) + "\n"
