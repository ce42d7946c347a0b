"""The local model registry: model package groups, versions, approval status and history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pipeline.backends.interface import ModelPackage
from pipeline.local.database import Database, parse_time, utc_now
from pipeline.local.errors import LocalEngineError
from pipeline.local.state import ARN_PREFIX

APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")


def group_arn(name: str) -> str:
    return f"{ARN_PREFIX}:model-package-group/{name}"


class Registry:
    def __init__(self, database: Database) -> None:
        self.db = database

    def register(
        self,
        group: str,
        *,
        approval_status: str,
        model_data_url: str | None,
        image: str | None,
        metrics: Mapping[str, float],
        metrics_uri: str | None,
        source_execution: str,
        inference_specification: Mapping[str, Any],
        description: str | None = None,
    ) -> ModelPackage:
        """Create version N+1 of ``group`` (the group is created on first use)."""
        if approval_status not in APPROVAL_STATUSES:
            raise LocalEngineError(
                f"ModelApprovalStatus {approval_status!r} is not one of {list(APPROVAL_STATUSES)}"
            )
        now = utc_now()
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT OR IGNORE INTO model_package_groups VALUES (?, ?, ?)",
                (group, group_arn(group), now),
            )
            row = tx.execute(
                "SELECT COALESCE(MAX(version), 0) AS v FROM model_packages WHERE group_name = ?",
                (group,),
            ).fetchone()
            version = int(row["v"]) + 1
            arn = f"{ARN_PREFIX}:model-package/{group}/{version}"
            tx.execute(
                "INSERT INTO model_packages (arn, group_name, version, approval_status, created, "
                "description, model_data_url, image, metrics, metrics_uri, source_execution, "
                "inference_specification) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    arn,
                    group,
                    version,
                    approval_status,
                    now,
                    description,
                    model_data_url,
                    image,
                    json.dumps(dict(metrics), sort_keys=True),
                    metrics_uri,
                    source_execution,
                    json.dumps(dict(inference_specification), sort_keys=True),
                ),
            )
            tx.execute(
                "INSERT INTO approval_history (model_package_arn, at, status, description) "
                "VALUES (?, ?, ?, ?)",
                (arn, now, approval_status, "registered by the pipeline"),
            )
        return self.describe(arn)

    def versions(self, group: str) -> list[ModelPackage]:
        """Versions of ``group``, newest first."""
        rows = self.db.query(
            "SELECT * FROM model_packages WHERE group_name = ? ORDER BY version DESC", (group,)
        )
        return [_package(dict(row)) for row in rows]

    def describe(self, arn: str) -> ModelPackage:
        rows = self.db.query("SELECT * FROM model_packages WHERE arn = ?", (arn,))
        if not rows:
            raise LocalEngineError(f"no model package {arn} in the local registry")
        return _package(dict(rows[0]))

    def history(self, arn: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT at, status, description FROM approval_history "
            "WHERE model_package_arn = ? ORDER BY id",
            (arn,),
        )
        return [dict(row) for row in rows]

    def set_approval(self, arn: str, status: str, description: str | None) -> ModelPackage:
        if status not in APPROVAL_STATUSES:
            raise LocalEngineError(f"approval status must be one of {list(APPROVAL_STATUSES)}")
        with self.db.transaction() as tx:
            updated = tx.execute(
                "UPDATE model_packages SET approval_status = ?, approval_description = ? "
                "WHERE arn = ?",
                (status, description, arn),
            ).rowcount
            if not updated:
                raise LocalEngineError(f"no model package {arn} in the local registry")
            tx.execute(
                "INSERT INTO approval_history (model_package_arn, at, status, description) "
                "VALUES (?, ?, ?, ?)",
                (arn, utc_now(), status, description),
            )
        return self.describe(arn)


def _package(row: dict[str, Any]) -> ModelPackage:
    return ModelPackage(
        arn=row["arn"],
        group=row["group_name"],
        version=int(row["version"]),
        approval_status=row["approval_status"],
        created=parse_time(row["created"]),
        description=row["description"],
        approval_description=row["approval_description"],
        model_data_url=row["model_data_url"],
        image=row["image"],
        metrics=json.loads(row["metrics"]),
        source_execution=row["source_execution"],
    )
