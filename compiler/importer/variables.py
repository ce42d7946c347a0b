"""Deploy variables factored out of the imported spec: the role, the artifacts bucket, the
region, the account and the code bundle's git SHA become ``${role_arn}``, ``${data_bucket}``,
``${region}``, ``${account}`` and ``${git_sha}``, with their values in
``spec/env/<env>.yaml``. An existing env file is reused: a variable it already holds with
the same value keeps its name there; one it holds with another value is a conflict."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compiler.errors import UsageError

BUNDLE_FILE = "pipeline_code.tar.gz"


def canonical_values(
    role: str | None,
    bucket: str | None,
    region: str | None,
    account: str | None,
    git_sha: str | None,
) -> dict[str, str]:
    found = {
        "account": account,
        "region": region,
        "data_bucket": bucket,
        "role_arn": role,
        "git_sha": git_sha,
    }
    return {name: value for name, value in found.items() if value}


def merge_names(
    wanted: Mapping[str, str], existing: Mapping[str, str], env_label: str
) -> dict[str, str]:
    """Canonical name -> the name to use: an existing variable with the same value wins;
    the same name with another value is a conflict (import into another --env)."""
    by_value = {value: name for name, value in existing.items()}
    names = {}
    conflicts = []
    for name, value in wanted.items():
        if value in by_value:
            names[name] = by_value[value]
        elif name in existing:
            conflicts.append(f"{name} is {existing[name]!r} there, the pipeline has {value!r}")
        else:
            names[name] = name
    if conflicts:
        raise UsageError(
            f"{env_label} already sets other values ({'; '.join(conflicts)}): "
            "import with --env NAME for an environment of its own"
        )
    return names


def factor(data: Any, values: Mapping[str, str], names: Mapping[str, str]) -> Any:
    """Every string of the spec with ``${...}`` put in for the values (and a literal ``${``
    written ``$${``); keys are left alone."""
    if isinstance(data, dict):
        return {key: factor(value, values, names) for key, value in data.items()}
    if isinstance(data, list):
        return [factor(value, values, names) for value in data]
    if isinstance(data, str):
        return _factor_text(data, values, names)
    return data


def _factor_text(text: str, values: Mapping[str, str], names: Mapping[str, str]) -> str:
    text = text.replace("${", "$${")

    def var(name: str) -> str:
        return "${" + names[name] + "}"

    role = values.get("role_arn")
    if role and text == role.replace("${", "$${"):
        return var("role_arn")
    bucket, region, account = (values.get(k) for k in ("data_bucket", "region", "account"))
    if bucket:
        text = re.sub(
            rf"^s3://{re.escape(bucket)}(?=/|$)", lambda _: f"s3://{var('data_bucket')}", text
        )
    sha = values.get("git_sha")
    if sha:
        text = re.sub(
            rf"/{re.escape(sha)}/{re.escape(BUNDLE_FILE)}$",
            lambda _: f"/{var('git_sha')}/{BUNDLE_FILE}",
            text,
        )
    if account:
        acc = re.escape(account)
        if region:
            text = re.sub(
                rf"^{acc}\.dkr\.ecr\.{re.escape(region)}\.",
                lambda _: f"{var('account')}.dkr.ecr.{var('region')}.",
                text,
            )
            text = re.sub(
                rf"^(arn:aws[a-z-]*:[a-z0-9-]+:){re.escape(region)}:{acc}:",
                lambda m: f"{m.group(1)}{var('region')}:{var('account')}:",
                text,
            )
        text = re.sub(rf"^{acc}\.dkr\.", lambda _: f"{var('account')}.dkr.", text)
        text = re.sub(
            rf"^(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:){acc}:",
            lambda m: f"{m.group(1)}{var('account')}:",
            text,
        )
    return text


def bundle_sha(default: Any) -> str | None:
    """The git SHA in a code bundle URI .../<sha>/pipeline_code.tar.gz (smpipe bundle's)."""
    if not isinstance(default, str) or not default.endswith("/" + BUNDLE_FILE):
        return None
    parts = default.split("/")
    return parts[-2] if len(parts) >= 3 and parts[-2] and "$" not in parts[-2] else None


def bucket_of(uri: Any) -> str | None:
    if isinstance(uri, str) and uri.startswith("s3://"):
        return uri[5:].split("/", 1)[0] or None
    return None


def account_of(arn: Any) -> str | None:
    match = re.match(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}):", arn or "")
    return match.group(1) if match else None
