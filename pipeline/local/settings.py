"""The pipeline settings that live beside a definition (not in it): CreatePipeline's
``ParallelismConfiguration`` and ``Tags``, as ``upsert`` stored them, and a start's
``ParallelismConfiguration`` override.

Stored as JSON in the local home, ``settings/pipelines/<name>.json`` (the pipeline's, last
upsert wins, as on SageMaker) and ``settings/executions/<execution id>.json`` (a start's
override), so the state database's schema is untouched. The engine asks
:func:`max_parallel_steps` how many steps an execution may run at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.local.home import LocalHome


def _pipeline_file(home: LocalHome, pipeline_name: str) -> Path:
    return home.root / "settings" / "pipelines" / f"{pipeline_name}.json"


def _execution_file(home: LocalHome, execution_id: str) -> Path:
    return home.root / "settings" / "executions" / f"{execution_id}.json"


def _write(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(dict(data), indent=2, sort_keys=True) + "\n")
    temporary.replace(path)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_pipeline_settings(
    home: LocalHome, pipeline_name: str, settings: Mapping[str, Any]
) -> None:
    """What upsert was given: ``{"ParallelismConfiguration": {...}, "Tags": [...]}``."""
    _write(_pipeline_file(home, pipeline_name), settings)


def pipeline_settings(home: LocalHome, pipeline_name: str) -> dict[str, Any]:
    return _read(_pipeline_file(home, pipeline_name))


def save_execution_parallelism(home: LocalHome, execution_id: str, steps: int) -> None:
    _write(
        _execution_file(home, execution_id),
        {"ParallelismConfiguration": {"MaxParallelExecutionSteps": steps}},
    )


def max_parallel_steps(home: LocalHome, pipeline_name: str, execution_id: str) -> int | None:
    """MaxParallelExecutionSteps for this execution: its start's override, else the
    pipeline's, else None (the pipeline sets no cap; the engine's own limit applies)."""
    for data in (
        _read(_execution_file(home, execution_id)),
        pipeline_settings(home, pipeline_name),
    ):
        value = (data.get("ParallelismConfiguration") or {}).get("MaxParallelExecutionSteps")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
    return None
