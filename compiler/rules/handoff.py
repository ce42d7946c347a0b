"""Rules on Lambda and Callback steps: the function ARN, the queue URL, caching, the
timeout, the local handler, and the limits SendPipelineExecutionStepSuccess puts on outputs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.model import CallbackStep, LambdaStep
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.sagemaker_data import check_name
from compiler.variables import is_unresolved

# SQS queue URLs: https://sqs.<region>.amazonaws.com[.cn]/<account>/<queue name>; a queue
# name is 1-80 letters, digits, hyphens and underscores (.fifo for FIFO queues).
_QUEUE_URL = re.compile(
    r"https://sqs\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d\.amazonaws\.com(\.cn)?/\d{12}/"
    r"[A-Za-z0-9_-]{1,80}(\.fifo)?"
)
_HANDLER = re.compile(r"[A-Za-z0-9_./-]+\.py:[A-Za-z_][A-Za-z0-9_]*")
# A Lambda function runs for at most 15 minutes (its Timeout setting, 1 to 900 seconds).
LAMBDA_MAX_TIMEOUT = 900


def _handoff_steps(ctx: SpecContext) -> Iterator[tuple[int, LambdaStep | CallbackStep]]:
    for index, step in enumerate(ctx.spec.steps):
        if isinstance(step, (LambdaStep, CallbackStep)):
            yield index, step


@rule(
    "lambda-function-arn",
    "handoff",
    "A Lambda step's function_arn is not a Lambda function ARN (botocore's FunctionArn pattern).",
)
def lambda_function_arn(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _handoff_steps(ctx):
        if not isinstance(step, LambdaStep) or is_unresolved(step.function_arn):
            continue
        if check_name("lambda_function_arn", step.function_arn):
            yield problem(
                "lambda-function-arn",
                ("steps", index, "function_arn"),
                f'step "{step.name}": function_arn "{step.function_arn}" is not a Lambda '
                "function ARN (expected arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS])",
            )


@rule(
    "lambda-timeout",
    "handoff",
    "A Lambda step's timeout_seconds is outside Lambda's 1 to 900 seconds.",
)
def lambda_timeout(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _handoff_steps(ctx):
        if isinstance(step, LambdaStep) and not 1 <= step.timeout_seconds <= LAMBDA_MAX_TIMEOUT:
            yield problem(
                "lambda-timeout",
                ("steps", index, "timeout_seconds"),
                f'step "{step.name}": timeout_seconds is {step.timeout_seconds}; a Lambda '
                f"function runs for 1 to {LAMBDA_MAX_TIMEOUT} seconds",
            )


@rule(
    "lambda-local-handler",
    "handoff",
    "A Lambda step's local_handler is not FILE.py:FUNCTION (a file inside the code bundle).",
)
def lambda_local_handler(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _handoff_steps(ctx):
        if not isinstance(step, LambdaStep) or step.local_handler is None:
            continue
        handler = step.local_handler
        file_part = handler.partition(":")[0]
        if (
            not _HANDLER.fullmatch(handler)
            or file_part.startswith("/")
            or ".." in file_part.split("/")
        ):
            yield problem(
                "lambda-local-handler",
                ("steps", index, "local_handler"),
                f'step "{step.name}": local_handler "{handler}" is not FILE.py:FUNCTION with '
                "FILE a relative path inside the code bundle, e.g. approval_lambda.py:handler",
            )


@rule(
    "callback-queue-url",
    "handoff",
    "A Callback step's queue_url is not an SQS queue URL.",
)
def callback_queue_url(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _handoff_steps(ctx):
        if not isinstance(step, CallbackStep) or is_unresolved(step.queue_url):
            continue
        if not _QUEUE_URL.fullmatch(step.queue_url):
            yield problem(
                "callback-queue-url",
                ("steps", index, "queue_url"),
                f'step "{step.name}": queue_url "{step.queue_url}" is not an SQS queue URL '
                "(expected https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE_NAME)",
            )


@rule(
    "step-not-cacheable",
    "handoff",
    "A Lambda or Callback step sets cache: SageMaker does not cache these steps.",
)
def step_not_cacheable(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _handoff_steps(ctx):
        if step.cache is not None:
            yield problem(
                "step-not-cacheable",
                ("steps", index, "cache"),
                f'step "{step.name}": {step.type} steps are not cacheable in SageMaker; '
                "remove `cache` (they run every time)",
                at_key=True,
            )


@rule(
    "handoff-output",
    "handoff",
    "A Lambda or Callback output name is empty or too long, or a step declares more than 50.",
)
def handoff_output(ctx: SpecContext) -> Iterator[Diagnostic]:
    for index, step in _handoff_steps(ctx):
        if len(step.outputs) > 50:
            yield problem(
                "handoff-output",
                ("steps", index, "outputs"),
                f'step "{step.name}" declares {len(step.outputs)} outputs; SageMaker takes '
                "at most 50 output parameters",
            )
        for position, output in enumerate(step.outputs):
            why = check_name("callback_output_name", output.name)
            if not output.name:
                why = "must not be empty"
            if why:
                yield problem(
                    "handoff-output",
                    ("steps", index, "outputs", position, "name"),
                    f'step "{step.name}": output name "{output.name}" {why}',
                )
