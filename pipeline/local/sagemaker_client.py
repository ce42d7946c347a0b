"""A stand-in for ``boto3.client("sagemaker")``'s model registry calls, over the local state.

Lambda handlers that the local engine runs (``pipeline.local.lambda_host``) find the state
directory in ``SMPIPE_LOCAL_STATE_DIR``; ``client()`` gives them this object there and a real
boto3 client anywhere else, so the same handler code runs in AWS Lambda and locally.
Only the calls a registry handler needs are here, with boto3's names and response shapes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipeline.local.home import LocalHome

STATE_DIR_VARIABLE = "SMPIPE_LOCAL_STATE_DIR"


class LocalSageMakerClient:
    def __init__(self, state_dir: Path) -> None:
        self._home = LocalHome(state_dir)

    def describe_model_package(self, *, ModelPackageName: str) -> dict[str, Any]:
        package = self._home.registry.describe(ModelPackageName)
        return {
            "ModelPackageArn": package.arn,
            "ModelPackageGroupName": package.group,
            "ModelPackageVersion": package.version,
            "ModelApprovalStatus": package.approval_status,
            "ApprovalDescription": package.approval_description or "",
        }

    def update_model_package(
        self,
        *,
        ModelPackageArn: str,
        ModelApprovalStatus: str,
        ApprovalDescription: str | None = None,
    ) -> dict[str, Any]:
        package = self._home.registry.set_approval(
            ModelPackageArn, ModelApprovalStatus, ApprovalDescription
        )
        return {"ModelPackageArn": package.arn}


def client() -> Any:
    """The local stand-in inside a locally run handler, else ``boto3.client("sagemaker")``."""
    state_dir = os.environ.get(STATE_DIR_VARIABLE)
    if state_dir:
        return LocalSageMakerClient(Path(state_dir))
    import boto3

    return boto3.client("sagemaker")
