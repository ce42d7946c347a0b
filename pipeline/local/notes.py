"""What a definition asks for that has no effect on this machine, said once per execution:
VPC and network settings, KMS keys, managed spot training (``smpipe steps`` prints it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pipeline.definition_steps import iter_steps

# (what, where in a step's Arguments): the first path present marks the step.
_LOCAL_NO_OPS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    (
        "VPC and network settings (the jobs use this machine's network)",
        (
            ("VpcConfig",),
            ("NetworkConfig", "VpcConfig"),
            ("EnableNetworkIsolation",),
            ("NetworkConfig", "EnableNetworkIsolation"),
            ("EnableInterContainerTrafficEncryption",),
            ("NetworkConfig", "EnableInterContainerTrafficEncryption"),
        ),
    ),
    (
        "KMS keys (volumes and outputs here are not encrypted with them)",
        (
            ("ProcessingResources", "ClusterConfig", "VolumeKmsKeyId"),
            ("ProcessingOutputConfig", "KmsKeyId"),
            ("ResourceConfig", "VolumeKmsKeyId"),
            ("OutputDataConfig", "KmsKeyId"),
        ),
    ),
    (
        "managed spot training (jobs run at once, never interrupted)",
        (("EnableManagedSpotTraining",),),
    ),
)


def _has(arguments: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(arguments, Mapping) or arguments.get(key) in (None, False):
            return False
        arguments = arguments[key]
    return True


def local_notes(definition: str) -> list[str]:
    """One line per kind of setting the local engine does not apply, naming the steps."""
    try:
        steps = list(iter_steps(json.loads(definition)))
    except ValueError:
        return []
    notes = []
    for what, paths in _LOCAL_NO_OPS:
        names = [
            str(step.get("Name"))
            for step in steps
            if any(_has(step.get("Arguments"), path) for path in paths)
        ]
        if names:
            notes.append(f"{what}: no effect locally (steps {', '.join(names)})")
    return notes
