"""The pipeline's settings beside its definition: CreatePipeline's ParallelismConfiguration
and Tags. Not part of the definition (so the definition's bytes do not change with them);
``smpipe compile --settings-out FILE`` writes them for Terraform, upsert and start send them,
and the local engine reads the parallelism from what upsert stored."""

from __future__ import annotations

import json
from typing import Any

from compiler.model import Spec


def pipeline_settings(spec: Spec) -> dict[str, Any]:
    """``{"ParallelismConfiguration": {...}, "Tags": [...]}``, each only when set."""
    settings: dict[str, Any] = {}
    if spec.pipeline.max_parallel_steps is not None:
        settings["ParallelismConfiguration"] = {
            "MaxParallelExecutionSteps": spec.pipeline.max_parallel_steps
        }
    if spec.pipeline.tags:
        settings["Tags"] = [{"Key": k, "Value": v} for k, v in spec.pipeline.tags.items()]
    return settings


def dumps_settings(settings: dict[str, Any]) -> str:
    return json.dumps(settings, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
