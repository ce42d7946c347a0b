"""Helpers for the SageMaker backend's tests (fixtures are in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MOTO_ACCOUNT = "123456789012"
REGION = "eu-west-1"
ROLE_ARN = f"arn:aws:iam::{MOTO_ACCOUNT}:role/SageMakerPipelineExecutionRole"


def boto_client(service: str, endpoint: str) -> Any:
    """A plain boto3 client on the moto server (the tests' own view of the world)."""
    import boto3

    session = boto3.Session(profile_name="data-science-user", region_name=REGION)
    return session.client(service, endpoint_url=endpoint)


def write_definition(
    folder: Path, bucket: str, name: str = "definition.json", bundle: str = "CodeBundleUri"
) -> Path:
    """A small pipeline definition in the compiler's format (sorted keys, 2-space indent):
    one processing step whose code input reads the bundle parameter ``bundle``."""
    code_input = {
        "InputName": "code",
        "S3Input": {
            "LocalPath": "/opt/ml/processing/input/code",
            "S3CompressionType": "None",
            "S3DataDistributionType": "FullyReplicated",
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3Uri": {"Get": f"Parameters.{bundle}"},
        },
    }
    document = {
        "Metadata": {},
        "Parameters": [
            {
                "DefaultValue": f"s3://{bucket}/pipeline/code/abc123/pipeline_code.tar.gz",
                "Name": bundle,
                "Type": "String",
            },
            {"DefaultValue": 0.78, "Name": "AccuracyThreshold", "Type": "Float"},
        ],
        "Steps": [
            {
                "Arguments": {"ProcessingInputs": [code_input]},
                "Name": "Prepare",
                "Type": "Processing",
            }
        ],
        "Version": "2020-12-01",
    }
    path = folder / name
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
