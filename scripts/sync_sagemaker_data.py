"""Regenerate compiler/data/*.json from botocore's SageMaker service model and the SDK's
bundled image URI config.

The compile path must not import botocore or the SDK (they are slow and optional), so the
few facts it needs are copied here; tests fail when the copies drift from the installed
packages. Usage: python scripts/sync_sagemaker_data.py [--images-from DIR]
(DIR holds sagemaker-core's image_uri_config/*.json; by default the installed SDK's).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "compiler" / "data"
FRAMEWORKS = ("sklearn", "xgboost", "pytorch", "spark")
# Spark images exist for processing only; the others' training scope is what processing uses.
SCOPES = {"spark": "processing"}

# (what smpipe calls it, operation, member path) -> the limits of that member's shape.
LIMITED_MEMBERS = {
    "pipeline_name": ("CreatePipeline", ["PipelineName"]),
    "pipeline_description": ("CreatePipeline", ["PipelineDescription"]),
    "pipeline_definition": ("CreatePipeline", ["PipelineDefinition"]),
    "role_arn": ("CreatePipeline", ["RoleArn"]),
    "model_package_group_name": ("CreateModelPackageGroup", ["ModelPackageGroupName"]),
    "model_package_description": ("CreateModelPackage", ["ModelPackageDescription"]),
    "channel_name": ("CreateTrainingJob", ["InputDataConfig", "ChannelName"]),
    "hyperparameter_key": ("CreateTrainingJob", ["HyperParameters", "key"]),
    "hyperparameter_value": ("CreateTrainingJob", ["HyperParameters", "value"]),
    "processing_local_path": ("CreateProcessingJob", ["ProcessingInputs", "S3Input", "LocalPath"]),
    "container_argument": (
        "CreateProcessingJob",
        ["AppSpecification", "ContainerArguments", "member"],
    ),
    "processing_volume_size_gb": (
        "CreateProcessingJob",
        ["ProcessingResources", "ClusterConfig", "VolumeSizeInGB"],
    ),
    "processing_instance_count": (
        "CreateProcessingJob",
        ["ProcessingResources", "ClusterConfig", "InstanceCount"],
    ),
    "training_volume_size_gb": ("CreateTrainingJob", ["ResourceConfig", "VolumeSizeInGB"]),
    "training_instance_count": ("CreateTrainingJob", ["ResourceConfig", "InstanceCount"]),
    "max_runtime_seconds": ("CreateTrainingJob", ["StoppingCondition", "MaxRuntimeInSeconds"]),
    "s3_uri": ("CreateProcessingJob", ["ProcessingInputs", "S3Input", "S3Uri"]),
    "max_parallel_steps": (
        "CreatePipeline",
        ["ParallelismConfiguration", "MaxParallelExecutionSteps"],
    ),
    "tags": ("CreatePipeline", ["Tags"]),
    "tag_key": ("CreatePipeline", ["Tags", "Key"]),
    "tag_value": ("CreatePipeline", ["Tags", "Value"]),
    "subnets": ("CreateTrainingJob", ["VpcConfig", "Subnets"]),
    "subnet_id": ("CreateTrainingJob", ["VpcConfig", "Subnets", "member"]),
    "security_group_ids": ("CreateTrainingJob", ["VpcConfig", "SecurityGroupIds"]),
    "security_group_id": ("CreateTrainingJob", ["VpcConfig", "SecurityGroupIds", "member"]),
    "kms_key_id": ("CreateTrainingJob", ["OutputDataConfig", "KmsKeyId"]),
    "checkpoint_s3_uri": ("CreateTrainingJob", ["CheckpointConfig", "S3Uri"]),
    "max_wait_seconds": ("CreateTrainingJob", ["StoppingCondition", "MaxWaitTimeInSeconds"]),
    "metric_definitions": ("CreateTrainingJob", ["AlgorithmSpecification", "MetricDefinitions"]),
    "metric_name": ("CreateTrainingJob", ["AlgorithmSpecification", "MetricDefinitions", "Name"]),
    "metric_regex": (
        "CreateTrainingJob",
        ["AlgorithmSpecification", "MetricDefinitions", "Regex"],
    ),
    "callback_token": ("SendPipelineExecutionStepSuccess", ["CallbackToken"]),
    "callback_output_name": ("SendPipelineExecutionStepSuccess", ["OutputParameters", "Name"]),
    "callback_output_value": ("SendPipelineExecutionStepSuccess", ["OutputParameters", "Value"]),
    "callback_failure_reason": ("SendPipelineExecutionStepFailure", ["FailureReason"]),
}
# Shapes of other services' models: (service, shape).
OTHER_SERVICE_SHAPES = {"lambda_function_arn": ("lambda", "FunctionArn")}
# Shapes with an enum of allowed values.
ENUMS = {
    "processing_instance_type": (
        "CreateProcessingJob",
        ["ProcessingResources", "ClusterConfig", "InstanceType"],
    ),
    "training_instance_type": ("CreateTrainingJob", ["ResourceConfig", "InstanceType"]),
    "inference_instance_type": (
        "CreateModelPackage",
        ["InferenceSpecification", "SupportedRealtimeInferenceInstanceTypes", "member"],
    ),
    "transform_instance_type": (
        "CreateModelPackage",
        ["InferenceSpecification", "SupportedTransformInstanceTypes", "member"],
    ),
    "model_approval_status": ("CreateModelPackage", ["ModelApprovalStatus"]),
}
# Step names are not an API member of their own; their shape is StepName.
NAMED_SHAPES = {"step_name": "StepName", "parameter_name": "PipelineParameterName"}


def _shape(model: Any, operation: str, member_path: list[str]) -> Any:
    shape = model.operation_model(operation).input_shape
    for name in member_path:
        if name in ("member", "key", "value"):
            shape = getattr(shape, name)
            continue
        if shape.type_name == "list":  # a list of structures: step into its member
            shape = shape.member
        shape = shape.members[name]
    return shape


def limits() -> dict[str, Any]:
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    result: dict[str, Any] = {"_source": f"botocore {botocore.__version__} sagemaker service model"}
    for name, (operation, path) in LIMITED_MEMBERS.items():
        meta = _shape(model, operation, path).metadata
        result[name] = {k: meta[k] for k in ("min", "max", "pattern") if k in meta}
    for name, shape_name in NAMED_SHAPES.items():
        meta = model.shape_for(shape_name).metadata
        result[name] = {k: meta[k] for k in ("min", "max", "pattern") if k in meta}
    for name, (service, shape_name) in OTHER_SERVICE_SHAPES.items():
        meta = botocore.session.get_session().get_service_model(service).shape_for(shape_name)
        result[name] = {
            k: meta.metadata[k] for k in ("min", "max", "pattern") if k in meta.metadata
        }
    for name, (operation, path) in ENUMS.items():
        result[name] = {"enum": sorted(_shape(model, operation, path).enum)}
    return result


def images(config_dir: Path) -> dict[str, Any]:
    """framework -> version -> {repository, tag, registries: {region: account}} for training
    images (the scope processing and the built-in algorithms use)."""
    result: dict[str, Any] = {"_source": f"sagemaker-core image_uri_config ({config_dir.name})"}
    for framework in FRAMEWORKS:
        config = json.loads((config_dir / f"{framework}.json").read_text())
        scope = config[SCOPES.get(framework, "training")]
        versions = {}
        for version, entry in sorted(scope["versions"].items()):
            processors = entry.get("processors") or scope.get("processors")
            py_versions = entry.get("py_versions")
            # The SDK's tag: "<version>" for the built-in algorithms, else
            # "<version>-<processor>-<py_version>" (sagemaker.core.image_uris._format_tag).
            tag = version if not processors else f"{version}-cpu-{py_versions[0]}"
            if framework == "spark":  # PySparkProcessor passes no py_version: "<version>-cpu"
                tag = f"{version}-cpu"
            versions[version] = {
                "repository": entry["repository"],
                "tag": tag,
                "registries": dict(sorted(entry["registries"].items())),
            }
        result[framework] = {
            "aliases": dict(sorted(scope.get("version_aliases", {}).items())),
            "versions": versions,
        }
    regions = {
        r for f in FRAMEWORKS for v in result[f]["versions"].values() for r in v["registries"]
    }
    result["_ecr_hosts"] = {region: ecr_host(region) for region in sorted(regions)}
    return result


def ecr_host(region: str) -> str:
    """ECR's hostname in a region, from botocore's endpoint data, as the SDK derives it."""
    import botocore.loaders
    import botocore.regions

    resolver = botocore.regions.EndpointResolver(
        botocore.loaders.create_loader().load_data("endpoints")
    )
    endpoint = resolver.construct_endpoint("ecr", region)
    return endpoint["hostname"] if endpoint else f"ecr.{region}.amazonaws.com"


def installed_image_config_dir() -> Path:
    import sagemaker.core  # only this maintenance script imports the SDK

    return Path(sagemaker.core.__file__).parent / "image_uri_config"


def write(name: str, data: dict[str, Any]) -> None:
    (DATA / name).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images-from", type=Path, help="a folder of the SDK's image_uri_config")
    args = parser.parse_args()
    write("sagemaker_limits.json", limits())
    write("images.json", images(args.images_from or installed_image_config_dir()))


if __name__ == "__main__":
    main()
