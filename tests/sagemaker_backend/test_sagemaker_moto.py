"""The SageMaker backend against a moto server on 127.0.0.1: pipelines, executions,
parameters, the code bundle check and the model registry, over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sagemaker_support import ROLE_ARN, boto_client, write_definition

from compiler.errors import SmpipeError, UsageError
from pipeline.sagemaker.backend import SageMakerBackend
from pipeline.sagemaker.errors import AwsError


def upload(endpoint: str, uri: str, body: bytes) -> None:
    bucket, _, key = uri[len("s3://") :].partition("/")
    boto_client("s3", endpoint).put_object(Bucket=bucket, Key=key, Body=body)


def test_upsert_creates_then_updates_and_the_definition_round_trips(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str
) -> None:
    backend = SageMakerBackend()
    name = f"titanic-{unique}"
    first = write_definition(tmp_path, bucket).read_text(encoding="utf-8")
    arn = backend.upsert(name, first, ROLE_ARN, "first version")
    assert arn.endswith(f":pipeline/{name}")
    sagemaker = boto_client("sagemaker", aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"])
    described = sagemaker.describe_pipeline(PipelineName=name)
    assert described["PipelineDefinition"] == first  # byte for byte
    assert described["RoleArn"] == ROLE_ARN
    assert described["PipelineDescription"] == "first version"

    second = first.replace('"DefaultValue": 0.78', '"DefaultValue": 0.8')
    assert second != first
    assert backend.upsert(name, second, ROLE_ARN, "second version") == arn
    described = sagemaker.describe_pipeline(PipelineName=name)
    assert described["PipelineDefinition"] == second
    assert described["PipelineDescription"] == "second version"


def test_upsert_without_a_role_is_refused(aws_env: dict[str, str], unique: str) -> None:
    with pytest.raises(UsageError, match="no execution role"):
        SageMakerBackend().upsert(f"p-{unique}", "{}", "", None)


def test_start_is_refused_while_the_code_bundle_is_missing(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str
) -> None:
    backend = SageMakerBackend()
    name = f"titanic-{unique}"
    backend.upsert(name, write_definition(tmp_path, bucket).read_text(), ROLE_ARN, None)
    with pytest.raises(AwsError) as refused:
        backend.start(name, {})
    message = str(refused.value)
    assert refused.value.code == "NoSuchKey"
    assert f"s3://{bucket}/pipeline/code/abc123/pipeline_code.tar.gz does not exist" in message
    assert f"smpipe bundle --upload s3://{bucket}/pipeline/code/abc123/" in message
    assert backend.list_executions(name) == []


@pytest.mark.parametrize("bundle", ["CodeBundleUri", "StepCode"])
def test_start_checks_the_bundle_parameter_the_definition_names(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str, bundle: str
) -> None:
    """The spec's pipeline.code_bundle, whatever its name, is the one checked."""
    backend = SageMakerBackend()
    name = f"bundle-{unique}"
    definition = write_definition(tmp_path, bucket, bundle=bundle).read_text()
    backend.upsert(name, definition, ROLE_ARN, None)
    missing = f"s3://{bucket}/pipeline/code/nothere/pipeline_code.tar.gz"
    with pytest.raises(AwsError) as refused:
        backend.start(name, {bundle: missing})
    assert refused.value.code == "NoSuchKey"
    assert f"{missing} does not exist" in str(refused.value)
    assert f"--param {bundle}=s3://" in str(refused.value)
    assert backend.list_executions(name) == []


def test_start_describe_list_and_parameters(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str
) -> None:
    endpoint = aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"]
    backend = SageMakerBackend()
    name = f"titanic-{unique}"
    backend.upsert(name, write_definition(tmp_path, bucket).read_text(), ROLE_ARN, None)
    other = f"s3://{bucket}/pipeline/code/def456/pipeline_code.tar.gz"
    upload(endpoint, other, b"bundle")

    arn = backend.start(name, {"CodeBundleUri": other, "AccuracyThreshold": 0.9}, "first run")
    assert arn.startswith(f"arn:aws:sagemaker:eu-west-1:123456789012:pipeline/{name}/execution/")

    execution = backend.describe_execution(arn)
    assert execution.arn == arn
    assert execution.pipeline_name == name
    assert execution.status == "Succeeded"  # moto ends every execution at once
    assert execution.description == "first run"
    assert execution.started is not None

    assert backend.parameters(arn) == {"CodeBundleUri": other, "AccuracyThreshold": "0.9"}

    upload(endpoint, f"s3://{bucket}/pipeline/code/abc123/pipeline_code.tar.gz", b"bundle")
    second = backend.start(name, {}, None)  # the default CodeBundleUri now exists
    listed = backend.list_executions(name)
    assert {e.arn for e in listed} == {arn, second}
    assert all(e.pipeline_name == name for e in listed)
    # Without a pipeline name: the executions of the most recent pipelines.
    assert {arn, second} <= {e.arn for e in backend.list_executions()}


def test_start_refuses_an_undeclared_parameter(
    aws_env: dict[str, str], tmp_path: Path, bucket: str, unique: str
) -> None:
    backend = SageMakerBackend()
    name = f"titanic-{unique}"
    backend.upsert(name, write_definition(tmp_path, bucket).read_text(), ROLE_ARN, None)
    with pytest.raises(UsageError, match="has no parameter AccuracyTreshold; it declares"):
        backend.start(name, {"AccuracyTreshold": 0.8})


def test_start_of_an_unknown_pipeline_says_to_upsert_first(
    aws_env: dict[str, str], unique: str
) -> None:
    with pytest.raises(AwsError, match="does not exist in region eu-west-1; create it first"):
        SageMakerBackend().start(f"missing-{unique}", {})


def register_versions(endpoint: str, bucket: str, group: str, accuracies: list[float]) -> list[str]:
    """What a pipeline's RegisterModel step leaves: a group, versions, metrics in S3."""
    sagemaker = boto_client("sagemaker", endpoint)
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    arns = []
    for index, accuracy in enumerate(accuracies):
        report = f"s3://{bucket}/runtime/exec{index}/ModelEvaluation/evaluation/evaluation.json"
        upload(endpoint, report, json.dumps({"metrics": {"accuracy": accuracy}}).encode())
        arns.append(
            sagemaker.create_model_package(
                ModelPackageGroupName=group,
                ModelApprovalStatus="PendingManualApproval",
                InferenceSpecification={
                    "Containers": [
                        {"Image": "xgboost:1.7-1", "ModelDataUrl": f"s3://{bucket}/m{index}.tgz"}
                    ],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
                ModelMetrics={
                    "ModelQuality": {
                        "Statistics": {"ContentType": "application/json", "S3Uri": report}
                    }
                },
                MetadataProperties={"GeneratedBy": f"arn:execution/{index}"},
            )["ModelPackageArn"]
        )
    return arns


def test_registry_lists_versions_with_metrics_and_approves_and_rejects(
    aws_env: dict[str, str], bucket: str, unique: str
) -> None:
    endpoint = aws_env["SMPIPE_SAGEMAKER_ENDPOINT_URL"]
    group = f"titanic-survival-{unique}"
    first, second = register_versions(endpoint, bucket, group, [0.81, 0.83])
    backend = SageMakerBackend()

    listed = backend.list_model_packages(group)
    assert [p.version for p in listed] == [2, 1]  # newest first
    assert [p.arn for p in listed] == [second, first]
    assert all(p.approval_status == "PendingManualApproval" for p in listed)
    assert listed[0].metrics == {"accuracy": 0.83}
    assert listed[0].image == "xgboost:1.7-1"
    assert listed[0].model_data_url == f"s3://{bucket}/m1.tgz"
    assert listed[0].source_execution == "arn:execution/1"

    approved = backend.set_approval(second, "Approved", "accuracy 0.83 >= 0.78, reviewed")
    assert approved.approval_status == "Approved"
    assert approved.approval_description == "accuracy 0.83 >= 0.78, reviewed"
    rejected = backend.set_approval(first, "Rejected", "superseded by version 2")
    assert rejected.approval_status == "Rejected"

    described = backend.describe_model_package(second)
    assert described.approval_status == "Approved"
    assert described.metrics == {"accuracy": 0.83}
    sagemaker = boto_client("sagemaker", endpoint)
    assert sagemaker.describe_model_package(ModelPackageName=first)["ModelApprovalStatus"] == (
        "Rejected"
    )
    approved_only = sagemaker.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved"
    )["ModelPackageSummaryList"]
    assert [p["ModelPackageArn"] for p in approved_only] == [second]


def test_an_unknown_approval_status_is_refused(aws_env: dict[str, str]) -> None:
    with pytest.raises(UsageError, match="approval status 'Aproved' is not one of"):
        SageMakerBackend().set_approval(
            "arn:aws:sagemaker:eu-west-1:1:model-package/g/1", "Aproved"
        )


def test_an_unknown_model_package_is_one_clear_line(aws_env: dict[str, str]) -> None:
    missing = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/nothing-here/9"
    with pytest.raises(SmpipeError) as failed:
        SageMakerBackend().describe_model_package(missing)
    assert "\n" not in str(failed.value)
    assert "describe model package" in str(failed.value)
