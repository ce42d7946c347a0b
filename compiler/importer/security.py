"""Network, encryption, spot and metric settings of job steps -> the spec's ``vpc``,
``volume_kms_key``, ``output_kms_key``, ``network_isolation``,
``encrypt_inter_container_traffic``, ``spot`` and ``metric_definitions`` (the inverse of
``compiler.emit.security``)."""

from __future__ import annotations

from typing import Any

from compiler.importer.context import ImportContext, describe
from compiler.importer.values import typed_value


def _object(value: Any) -> dict[str, Any]:
    """A JSON object, or {} for anything else (a malformed definition is reported elsewhere)."""
    return value if isinstance(value, dict) else {}


def _vpc(ctx: ImportContext, value: Any, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), list) for k in ("Subnets", "SecurityGroupIds")
    ):
        ctx.unsupported(path, f"a VpcConfig the spec cannot express: {describe(value)}")
        return None
    return {
        "subnets": list(value["Subnets"]),
        "security_group_ids": list(value["SecurityGroupIds"]),
    }


def _flags(found: dict[str, Any], source: dict[str, Any]) -> None:
    for key, field in (
        ("EnableNetworkIsolation", "network_isolation"),
        ("EnableInterContainerTrafficEncryption", "encrypt_inter_container_traffic"),
    ):
        if isinstance(source.get(key), bool):
            found[field] = source[key]


def processing(ctx: ImportContext, arguments: dict[str, Any], at: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    network = arguments.get("NetworkConfig")
    if isinstance(network, dict):
        _flags(found, network)
        if found.get("network_isolation") is False:
            del found["network_isolation"]  # the compiler writes False when unset
        vpc = _vpc(ctx, network.get("VpcConfig"), f"{at}.NetworkConfig.VpcConfig")
        if vpc is not None:
            found["vpc"] = vpc
        if not found:  # only EnableNetworkIsolation: false
            found["network_isolation"] = False
    cluster = _object(_object(arguments.get("ProcessingResources")).get("ClusterConfig"))
    if "VolumeKmsKeyId" in cluster:
        found["volume_kms_key"] = typed_value(
            ctx, cluster["VolumeKmsKeyId"], f"{at}.VolumeKmsKeyId"
        )
    output = _object(arguments.get("ProcessingOutputConfig"))
    if "KmsKeyId" in output:
        found["output_kms_key"] = typed_value(ctx, output["KmsKeyId"], f"{at}.KmsKeyId")
    return found


def training(ctx: ImportContext, arguments: dict[str, Any], at: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    vpc = _vpc(ctx, arguments.get("VpcConfig"), f"{at}.VpcConfig")
    if vpc is not None:
        found["vpc"] = vpc
    _flags(found, arguments)
    resources = _object(arguments.get("ResourceConfig"))
    if "VolumeKmsKeyId" in resources:
        found["volume_kms_key"] = typed_value(
            ctx, resources["VolumeKmsKeyId"], f"{at}.ResourceConfig.VolumeKmsKeyId"
        )
    output = _object(arguments.get("OutputDataConfig"))
    if "KmsKeyId" in output:
        found["output_kms_key"] = typed_value(
            ctx, output["KmsKeyId"], f"{at}.OutputDataConfig.KmsKeyId"
        )
    stopping = _object(arguments.get("StoppingCondition"))
    if arguments.get("EnableManagedSpotTraining") is True:
        spot: dict[str, Any] = {"max_wait_seconds": stopping.get("MaxWaitTimeInSeconds")}
        checkpoint = arguments.get("CheckpointConfig")
        if isinstance(checkpoint, dict):
            spot["checkpoint_s3_uri"] = checkpoint.get("S3Uri")
            if "LocalPath" in checkpoint:
                spot["checkpoint_local_path"] = checkpoint["LocalPath"]
        found["spot"] = spot
    elif "MaxWaitTimeInSeconds" in stopping or "CheckpointConfig" in arguments:
        ctx.unsupported(
            f"{at}.StoppingCondition",
            "a max wait or checkpoints without managed spot training: the spec sets them "
            "only under spot",
        )
    metrics = _object(arguments.get("AlgorithmSpecification")).get("MetricDefinitions")
    if isinstance(metrics, list) and metrics:
        found["metric_definitions"] = [
            {"name": m.get("Name"), "regex": m.get("Regex")} for m in metrics if isinstance(m, dict)
        ]
    return found
