"""What every job step shares: instance settings, the cache policy, the role, and the
execution-scoped output location (the inverse of the helpers in ``compiler.emit.processing``)."""

from __future__ import annotations

from typing import Any

from compiler.importer.context import ImportContext, describe
from compiler.importer.values import execution_scoped, typed_value

RESOURCE_KEYS = {
    "InstanceType": "instance_type",
    "InstanceCount": "instance_count",
    "VolumeSizeInGB": "volume_size_gb",
}


def resources(ctx: ImportContext, config: Any, path: str) -> dict[str, Any]:
    """InstanceType/Count/VolumeSizeInGB -> the step's settings (defaults.py later moves
    the shared ones to ``defaults:``)."""
    found: dict[str, Any] = {}
    if not isinstance(config, dict):
        ctx.unsupported(path, f"expected the instance settings, found {describe(config)}")
        return found
    for key, field in RESOURCE_KEYS.items():
        value = config.get(key)
        expected = str if key == "InstanceType" else int
        if isinstance(value, expected) and not isinstance(value, bool):
            found[field] = value
        elif isinstance(value, dict):  # a pipeline expression, e.g. a parameter
            found[field] = typed_value(ctx, value, f"{path}.{key}")
        elif value is not None:
            ctx.unsupported(
                f"{path}.{key}", f"the spec takes a literal {key}, not {describe(value)}"
            )
    return found


def cache(ctx: ImportContext, step: dict[str, Any], path: str) -> dict[str, Any] | None:
    config = step.get("CacheConfig")
    if config is None:
        return None
    if not isinstance(config, dict) or not isinstance(config.get("Enabled"), bool):
        ctx.unsupported(
            f"{path}.CacheConfig", f"a cache policy the spec cannot express: {describe(config)}"
        )
        return None
    found: dict[str, Any] = {"enabled": config["Enabled"]}
    expire = config.get("ExpireAfter")
    if isinstance(expire, str):
        if not config["Enabled"]:
            ctx.unsupported(
                f"{path}.CacheConfig.ExpireAfter",
                "an expiry on a disabled cache: the spec leaves it out",
            )
        found["expire_after"] = expire
    return found


def role(ctx: ImportContext, value: Any, path: str) -> None:
    if isinstance(value, str):
        ctx.roles[value] += 1
    else:
        ctx.unsupported(path, f"the spec takes one literal role ARN, not {describe(value)}")


def output_location(
    ctx: ImportContext, value: Any, step: str, output: str, path: str, *, scoped: bool = True
) -> None:
    """The compiler writes every output to <artifacts>/<pipeline>/<execution id>/<step>/
    <output> (a tuning step's to <artifacts>/<pipeline>/<step>/model: ``scoped=False``);
    anything else is a place the spec cannot reproduce."""
    found = execution_scoped(value, step, output, scoped=scoped)
    if found is not None:
        ctx.artifacts[found] += 1
        return
    ctx.unsupported(
        path,
        f"output location {describe(value)}: the spec writes every output to "
        "<artifacts>/<pipeline>/<execution id>/<step>/<output>",
    )


def environment(ctx: ImportContext, value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict) and all(isinstance(v, (str, dict)) for v in value.values()):
        return {k: typed_value(ctx, v, f"{path}.{k}") for k, v in value.items()}
    ctx.unsupported(path, f"the spec takes literal environment strings, not {describe(value)}")
    return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}
