"""Steps that hand off to systems outside SageMaker's jobs: a Lambda function, a Callback
(an SQS message answered by someone else). Their outputs are typed values that later steps
and conditions read with ``{step: NAME, output: OUTPUT}``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from compiler.references import Strict, Value, empty_dict, empty_list

OutputType = Literal["String", "Integer", "Boolean", "Float"]


class OutputParameter(Strict):
    name: str
    type: OutputType = "String"


class HandoffBase(Strict):
    """What Lambda and Callback steps share (besides StepBase)."""

    inputs: dict[str, Value] = Field(
        default_factory=empty_dict,
        description="Named values sent to the function (its event) or in the SQS message.",
    )
    outputs: list[OutputParameter] = Field(
        default_factory=empty_list,
        description="Typed outputs; read them with {step: NAME, output: OUTPUT}.",
    )


class LambdaStepFields(HandoffBase):
    type: Literal["lambda"]
    function_arn: str = Field(
        description="The function's ARN, arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS]."
    )
    timeout_seconds: int = Field(
        default=120,
        description="The function's timeout (its own configuration on AWS; enforced locally).",
    )
    local_handler: str | None = Field(
        default=None,
        description="For the local engine: FILE.py:FUNCTION inside the code bundle, the "
        "function's own handler (called with the step's inputs as its event).",
    )


class CallbackStepFields(HandoffBase):
    type: Literal["callback"]
    queue_url: str = Field(
        description="The SQS queue SageMaker sends the callback message to "
        "(https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)."
    )
