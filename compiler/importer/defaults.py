"""``defaults:`` factored out of the job steps: each setting takes the value most job
steps share, and a step keeps only what differs. The cache policy moves only when every
job step has one (a step without a CacheConfig has no spec form under a default policy)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from compiler.importer.fields import spec_fields
from compiler.importer.jobs import RESOURCE_KEYS
from compiler.model import Defaults

SETTINGS = tuple(RESOURCE_KEYS.values())


def factor_defaults(steps: list[dict[str, Any]], job_kinds: set[str]) -> dict[str, Any]:
    """The ``defaults:`` section; the job steps in ``steps`` lose what it holds."""
    all_jobs = [step for step in steps if step["type"] in job_kinds]
    if not all_jobs:
        return {}
    model_defaults = Defaults()
    section: dict[str, Any] = {}
    for setting in SETTINGS:
        # Only the steps whose kind has the setting (a transform has no volume).
        jobs = [step for step in all_jobs if setting in spec_fields(step["type"])]
        if not jobs:
            continue
        # By JSON text: a setting may be a parameter reference (a dict).
        counts = Counter(
            json.dumps(step[setting], sort_keys=True) for step in jobs if setting in step
        )
        missing = sum(1 for step in jobs if setting not in step)
        if missing:  # a step without it takes the model's default, so that one must stay
            section[setting] = getattr(model_defaults, setting)
        elif counts:
            section[setting] = json.loads(counts.most_common(1)[0][0])
        else:
            section[setting] = getattr(model_defaults, setting)
    jobs = all_jobs
    caches = [json.dumps(step.get("cache"), sort_keys=True) for step in jobs]
    if all(step.get("cache") is not None for step in jobs):
        section["cache"] = json.loads(Counter(caches).most_common(1)[0][0])
    for step in jobs:
        for setting, value in section.items():
            if setting in step and step[setting] == value:
                del step[setting]
    return section
