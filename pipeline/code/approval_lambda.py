"""ApplyApprovalDecision: a Lambda handler that sets a registered model package's approval
status from a reviewer's decision (the approval flow in spec/examples/titanic-approval.yaml).

Event (the Lambda step's inputs):
    {"model_package_arn": "...", "decision": "Approved" | "Rejected", "reviewer": "..."}
Returns the step's outputs:
    {"approval_status": "Approved" | "Rejected", "model_package_arn": "..."}

In AWS Lambda (Python 3.9+ runtimes ship boto3) it calls SageMaker's UpdateModelPackage.
Run by smpipe's local engine, ``SMPIPE_LOCAL_STATE_DIR`` is set and the local registry
stands in for SageMaker's (pipeline.local.sagemaker_client), so the same code runs both ways.
"""

from __future__ import annotations

import os
from typing import Any, Dict

DECISIONS = {
    "approved": "Approved",
    "approve": "Approved",
    "rejected": "Rejected",
    "reject": "Rejected",
}


def _sagemaker() -> Any:
    if os.environ.get("SMPIPE_LOCAL_STATE_DIR"):
        from pipeline.local.sagemaker_client import client

        return client()
    import boto3

    return boto3.client("sagemaker")


def handler(event: Dict[str, Any], context: Any) -> Dict[str, str]:
    arn = str(event.get("model_package_arn") or "")
    decision = str(event.get("decision") or "").strip()
    reviewer = str(event.get("reviewer") or "unknown reviewer")
    if not arn:
        raise ValueError("the event has no model_package_arn")
    status = DECISIONS.get(decision.lower())
    if status is None:
        raise ValueError(f"decision must be Approved or Rejected, got {decision!r}")
    _sagemaker().update_model_package(
        ModelPackageArn=arn,
        ModelApprovalStatus=status,
        ApprovalDescription=f"{status} by {reviewer}"[:1024],
    )
    print(f"{arn}: {status} by {reviewer}")
    return {"approval_status": status, "model_package_arn": arn}
