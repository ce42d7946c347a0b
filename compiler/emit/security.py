"""Network, encryption and spot settings -> the job request's fields, as the SDK sends them
(``Processor(network_config=NetworkConfig(...))``; ``ModelTrainer(networking=Networking(...),
compute=Compute(enable_managed_spot_training=...), checkpoint_config=...)``)."""

from __future__ import annotations

from typing import Any

from compiler.emit.values import EmitContext, emit_value, job_setting
from compiler.model import ProcessingStep


def _kms(ctx: EmitContext, step: Any, field: str) -> Any:
    value = job_setting(ctx, step, field)
    return None if value is None else emit_value(ctx, value)


def processing_security(ctx: EmitContext, step: ProcessingStep, arguments: dict[str, Any]) -> None:
    vpc = job_setting(ctx, step, "vpc")
    isolation = job_setting(ctx, step, "network_isolation")
    encrypt = job_setting(ctx, step, "encrypt_inter_container_traffic")
    if vpc is not None or isolation is not None or encrypt is not None:
        # NetworkConfig._to_request_dict: EnableNetworkIsolation always, False when unset.
        network: dict[str, Any] = {"EnableNetworkIsolation": bool(isolation)}
        if encrypt is not None:
            network["EnableInterContainerTrafficEncryption"] = encrypt
        if vpc is not None:
            network["VpcConfig"] = {
                "SecurityGroupIds": list(vpc.security_group_ids),
                "Subnets": list(vpc.subnets),
            }
        arguments["NetworkConfig"] = network
    volume_key = _kms(ctx, step, "volume_kms_key")
    if volume_key is not None:
        arguments["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] = volume_key
    output_key = _kms(ctx, step, "output_kms_key")
    if output_key is not None and "ProcessingOutputConfig" in arguments:
        arguments["ProcessingOutputConfig"]["KmsKeyId"] = output_key


def training_security(ctx: EmitContext, step: Any, arguments: dict[str, Any]) -> None:
    """Of a training step, or of a tuning step's training jobs (which have no spot setting)."""
    vpc = job_setting(ctx, step, "vpc")
    if vpc is not None:
        arguments["VpcConfig"] = {
            "SecurityGroupIds": list(vpc.security_group_ids),
            "Subnets": list(vpc.subnets),
        }
    isolation = job_setting(ctx, step, "network_isolation")
    if isolation is not None:
        arguments["EnableNetworkIsolation"] = isolation
    encrypt = job_setting(ctx, step, "encrypt_inter_container_traffic")
    if encrypt is not None:
        arguments["EnableInterContainerTrafficEncryption"] = encrypt
    volume_key = _kms(ctx, step, "volume_kms_key")
    if volume_key is not None:
        arguments["ResourceConfig"]["VolumeKmsKeyId"] = volume_key
    output_key = _kms(ctx, step, "output_kms_key")
    if output_key is not None:
        arguments["OutputDataConfig"]["KmsKeyId"] = output_key
    spot = getattr(step, "spot", None)
    if spot is not None:
        arguments["EnableManagedSpotTraining"] = True
        arguments["StoppingCondition"]["MaxWaitTimeInSeconds"] = spot.max_wait_seconds
        if spot.checkpoint_s3_uri is not None:
            arguments["CheckpointConfig"] = {
                "S3Uri": spot.checkpoint_s3_uri,
                "LocalPath": spot.checkpoint_local_path,
            }
