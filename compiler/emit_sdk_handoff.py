"""Lambda and Callback steps as SDK v3 objects: ``LambdaStep(lambda_func=Lambda(function_arn))``
with ``LambdaOutput``s, and ``CallbackStep(sqs_queue_url, inputs, outputs=[CallbackOutput])``.

Used by ``compiler.emit_sdk``; imports the SDK only when called. Neither step takes a cache
config or retry policies here: SageMaker caches neither, and SDK v3 gives them no retries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compiler.emit_sdk_common import sdk_step_identity
from compiler.model import CallbackStep, LambdaStep


def sdk_lambda_step(step: LambdaStep, value: Callable[[Any], Any], session: Any) -> Any:
    from sagemaker.core.lambda_helper import Lambda
    from sagemaker.mlops.workflow.lambda_step import (
        LambdaOutput,
        LambdaOutputTypeEnum,
    )
    from sagemaker.mlops.workflow.lambda_step import LambdaStep as SdkLambdaStep

    return SdkLambdaStep(
        name=step.name,
        lambda_func=Lambda(function_arn=step.function_arn, session=session),
        inputs={key: value(item) for key, item in step.inputs.items()},
        outputs=[
            LambdaOutput(output_name=o.name, output_type=LambdaOutputTypeEnum[o.type])
            for o in step.outputs
        ],
        **sdk_step_identity(step),
    )


def sdk_callback_step(step: CallbackStep, value: Callable[[Any], Any]) -> Any:
    from sagemaker.mlops.workflow.callback_step import (
        CallbackOutput,
        CallbackOutputTypeEnum,
    )
    from sagemaker.mlops.workflow.callback_step import CallbackStep as SdkCallbackStep

    return SdkCallbackStep(
        name=step.name,
        sqs_queue_url=step.queue_url,
        inputs={key: value(item) for key, item in step.inputs.items()},
        outputs=[
            CallbackOutput(output_name=o.name, output_type=CallbackOutputTypeEnum[o.type])
            for o in step.outputs
        ],
        **sdk_step_identity(step),
    )


def sdk_output_property(step: Any, output: str) -> Any | None:
    """A Lambda/Callback step's ``properties.Outputs[name]`` or a registration's model
    package ARN; None for the other kinds."""
    kind = getattr(getattr(step, "step_type", None), "value", None)
    if kind in ("Lambda", "Callback"):
        return step.properties.Outputs[output]
    if kind == "RegisterModel" or type(step).__name__ == "ModelStep":
        return step.properties.ModelPackageArn
    return None
