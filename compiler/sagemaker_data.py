"""SageMaker facts copied from botocore and the SDK (see scripts/sync_sagemaker_data.py):
API limits and the ECR registries of SageMaker's framework and algorithm images."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from compiler.package_data import data_json


@cache
def limits() -> dict[str, Any]:
    return data_json("sagemaker_limits.json")


@cache
def image_config() -> dict[str, Any]:
    return data_json("images.json")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _python_pattern(pattern: str) -> str | None:
    r"""botocore's Java-style pattern for Python's re. Python has no \p{...} classes; the
    tag patterns' \p{L} (letters), \p{Z} (separators) and \p{N} (numbers) are mapped. None
    for other classes (descriptions' \p{M}, \p{S}, \p{P}: checked for length only)."""
    if re.search(r"\\p\{[^LZN]\}", pattern):
        return None
    if "\\p{" not in pattern:
        return pattern
    # In botocore's patterns these classes sit inside one [...]: letters are "not a non-word,
    # not a digit, not _"; the rest of the class stays a class.
    inner = re.search(r"\[([^\]]*)\]", pattern)
    if inner is None:
        return None
    body = inner.group(1)
    letters = "[^\\W\\d_]|" if "\\p{L}" in body else ""
    body = body.replace("\\p{L}", "").replace("\\p{Z}", "\\s").replace("\\p{N}", "\\d")
    return f"{pattern[: inner.start()]}(?:{letters}[{body}]){pattern[inner.end() :]}"


def check_name(kind: str, value: str) -> str | None:
    """Why ``value`` is not a valid ``kind`` for SageMaker, or None."""
    limit = limits()[kind]
    low, high = limit.get("min", 0), limit.get("max")
    if len(value) < low:
        return f"must have at least {low} character{'s' if low > 1 else ''}"
    if high is not None and len(value) > high:
        return f"is {len(value)} characters long; SageMaker allows at most {high}"
    pattern = limit.get("pattern")
    python = _python_pattern(pattern) if pattern else None
    if python and not _compiled(python).fullmatch(value):
        return f"does not match SageMaker's pattern {pattern}"
    return None


def resolve_image(framework: str, version: str, region: str) -> str:
    """The image URI, as ``sagemaker.core.image_uris.retrieve`` gives it for training scope.
    Raises KeyError naming what is unknown: 'framework', 'version' or 'region'."""
    config = image_config()
    if framework not in config or framework.startswith("_"):
        raise KeyError("framework")
    entry = config[framework]
    version = entry["aliases"].get(version, version)
    if version not in entry["versions"]:
        raise KeyError("version")
    image = entry["versions"][version]
    account = image["registries"].get(region)
    if account is None:
        raise KeyError("region")
    host = config["_ecr_hosts"].get(region, f"ecr.{region}.amazonaws.com")
    return f"{account}.dkr.{host}/{image['repository']}:{image['tag']}"
