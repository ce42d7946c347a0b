"""SDK v3 objects for the tuning, model and transform kinds (the ``_Builder`` of
:mod:`compiler.emit_sdk` calls these): ``TuningStep`` over ``HyperparameterTuner(...).tune()``,
``ModelStep`` over ``ModelBuilder(...).build()``, ``TransformStep`` over
``Transformer(...).transform()``; script mode as the toolkit's hyperparameters."""

from __future__ import annotations

import logging
from typing import Any

from compiler import property_paths
from compiler.emit.script_mode import REGION, inference_environment
from compiler.emit.values import EmitContext, split_s3_uri
from compiler.emit_sdk_common import sdk_step_identity
from compiler.model import (
    CategoricalRange,
    IntegerRange,
    ModelStep,
    TrainingStep,
    TransformStep,
    TuningStep,
)
from compiler.references import PropertyRef


def script_hyperparameters(builder: Any, step: TrainingStep | TuningStep) -> dict[str, Any]:
    """sagemaker_program / sagemaker_submit_directory (the bundle parameter) / region."""
    if step.script is None:
        return {}
    return {
        "sagemaker_program": step.script,
        "sagemaker_submit_directory": builder.parameters[builder.spec.pipeline.code_bundle],
        REGION: builder.region,
    }


def step_property(sdk_step: Any, ref: PropertyRef) -> Any:
    """``step.properties.A.B[0].C['key']``, walked on the SDK's own Properties objects."""
    current = sdk_step.properties
    for token in property_paths.parse(ref.property.path) or []:
        if isinstance(token, int):
            current = current[token]
        elif token.startswith("'"):
            current = current[token[1:-1]]
        else:
            current = getattr(current, token)
    return current


def top_model(builder: Any, step_name: str) -> Any:
    """The best job's model: the SDK's own ``get_top_model_s3_uri``."""
    pipeline = builder.spec.pipeline
    bucket, prefix = split_s3_uri(pipeline.artifacts)
    prefix = "/".join(p for p in (prefix, pipeline.name, step_name, "model") if p)
    return builder.steps[step_name].get_top_model_s3_uri(top_k=0, s3_bucket=bucket, prefix=prefix)


def tuning(builder: Any, step: TuningStep) -> Any:
    from sagemaker.core.parameter import (
        CategoricalParameter,
        ContinuousParameter,
        IntegerParameter,
    )
    from sagemaker.core.workflow.functions import Join
    from sagemaker.mlops.workflow.steps import TuningStep as SdkTuningStep
    from sagemaker.train.tuner import HyperparameterTuner

    pipeline = builder.spec.pipeline
    output = Join(on="/", values=[pipeline.artifacts, pipeline.name, step.name, "model"])
    channels = builder.channels(step)
    trainer = builder.trainer(step, channels, output)
    ranges: dict[str, Any] = {}
    for name, spec in step.ranges.items():
        if isinstance(spec, CategoricalRange):
            ranges[name] = CategoricalParameter([builder.text(v) for v in spec.values])
        elif isinstance(spec, IntegerRange):
            ranges[name] = IntegerParameter(spec.min, spec.max, scaling_type=spec.scaling)
        else:
            ranges[name] = ContinuousParameter(spec.min, spec.max, scaling_type=spec.scaling)
    tuner = HyperparameterTuner(
        model_trainer=trainer,
        objective_metric_name=step.objective.metric,
        hyperparameter_ranges=ranges,
        metric_definitions=[{"Name": m.name, "Regex": m.regex} for m in step.metric_definitions]
        or None,
        strategy=step.strategy,
        objective_type=step.objective.type,
        max_jobs=step.max_jobs,
        max_parallel_jobs=step.max_parallel_jobs,
        early_stopping_type=step.early_stopping,
        random_seed=step.random_seed,
    )
    return SdkTuningStep(
        name=step.name,
        step_args=tuner.tune(inputs=channels),
        cache_config=builder.cache(step),
        **sdk_step_identity(step),
    )


def model(builder: Any, step: ModelStep) -> Any:
    from sagemaker.mlops.workflow.model_step import ModelStep as SdkModelStep
    from sagemaker.serve.model_builder import ModelBuilder

    environment: dict[str, Any] = builder.mapping(step.environment)
    if step.script is not None:
        ctx = EmitContext(builder.spec, builder.images, builder.region)
        environment.update(inference_environment(ctx, step.script))
        environment["SAGEMAKER_SUBMIT_DIRECTORY"] = builder.parameters[
            builder.spec.pipeline.code_bundle
        ]
    model_builder = ModelBuilder(
        image_uri=builder.image(step.image),
        s3_model_data_url=builder.value(step.model_data),
        role_arn=builder.spec.pipeline.role,
        env_vars=environment,
        sagemaker_session=builder.session,
        dependencies=None,  # else it packages and uploads "code"
        log_level=logging.WARNING,
    )
    return SdkModelStep(
        name=step.name,
        step_args=model_builder.build(),
        **sdk_step_identity(step),
    )


def transform(builder: Any, step: TransformStep) -> Any:
    from sagemaker.core.transformer import Transformer
    from sagemaker.mlops.workflow.steps import TransformStep as SdkTransformStep

    defaults = builder.spec.defaults
    transformer = Transformer(
        model_name=builder.steps[step.model].properties.ModelName,
        instance_count=builder.value(
            step.instance_count if step.instance_count is not None else defaults.instance_count
        ),
        instance_type=builder.value(
            step.instance_type if step.instance_type is not None else defaults.instance_type
        ),
        strategy=step.batch_strategy,
        assemble_with=step.assemble_with,
        output_path=builder.execution_scoped(step.name, "output"),
        accept=step.accept,
        max_concurrent_transforms=step.max_concurrent_transforms,
        max_payload=step.max_payload_mb,
        env=builder.mapping(step.environment) or None,
        sagemaker_session=builder.session,
    )
    step_args = transformer.transform(
        data=builder.value(step.input),
        content_type=step.content_type,
        compression_type=step.compression,
        split_type=step.split_type,
        input_filter=step.input_filter,
        output_filter=step.output_filter,
        join_source=None if step.join_source == "None" else step.join_source,
    )
    return SdkTransformStep(
        name=step.name,
        step_args=step_args,
        cache_config=builder.cache(step),
        **sdk_step_identity(step),
    )
