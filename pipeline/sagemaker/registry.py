"""The SageMaker model registry through SDK v3's ``ModelPackage`` resource: versions with
their metrics, and approval (UpdateModelPackage) with a description."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from typing import Any

from compiler.errors import UsageError
from pipeline.backends.interface import ModelPackage
from pipeline.sagemaker import records
from pipeline.sagemaker.connection import AwsConnection
from pipeline.sagemaker.sdk import sdk_resources

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
MAX_LISTED = 50  # versions a listing shows (each one is described)


class ModelRegistry:
    def __init__(self, aws: AwsConnection) -> None:
        self.aws = aws

    def versions(self, group: str) -> list[ModelPackage]:
        """The group's versions, newest first, each with its metrics when readable."""
        resources = sdk_resources()
        with self.aws.errors("list the model packages of group", group):
            packages = resources.ModelPackage.get_all(
                model_package_group_name=group,
                sort_by="CreationTime",
                sort_order="Descending",
                **self.aws.where(),
            )
            described = [self.aws.api(package) for package in islice(packages, MAX_LISTED)]
        return [records.model_package(item, self._metrics(item)) for item in described]

    def describe(self, arn: str) -> ModelPackage:
        resources = sdk_resources()
        with self.aws.errors("describe model package", arn):
            package = resources.ModelPackage.get(model_package_name=arn, **self.aws.where())
            item = self.aws.api(package)
        return records.model_package(item, self._metrics(item))

    def set_approval(self, arn: str, status: str, description: str | None = None) -> ModelPackage:
        """Approve or reject a version (UpdateModelPackage), with an approval description."""
        if status not in APPROVAL_STATUSES:
            raise UsageError(
                f"approval status {status!r} is not one of {', '.join(APPROVAL_STATUSES)}"
            )
        resources = sdk_resources()
        # Only what changes is sent: SageMaker keeps omitted fields (moto clears them).
        optional = {"approval_description": description} if description else {}
        with self.aws.errors(f"set {status} on model package", arn):
            package = resources.ModelPackage.get(model_package_name=arn, **self.aws.where())
            package.update(model_approval_status=status, **optional)
            item = self.aws.api(package)
        return records.model_package(item, self._metrics(item))

    def _metrics(self, item: Mapping[str, Any]) -> dict[str, float]:
        """The metrics of the package's statistics file (our evaluation.json); {} if none."""
        uri = records.statistics_uri(item)
        if not uri or not uri.startswith("s3://"):
            return {}
        return records.metrics_from_report(self.aws.read_json(uri))
