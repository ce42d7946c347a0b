"""Lambda and Callback steps on the local engine, with definitions built per case: the
handler's event and typed outputs, each way a handler can fail, and callback answers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from local_support import BUCKET, make_bundle, run_pipeline

from pipeline.local.backend import LocalBackend
from pipeline.local.errors import CannotRunLocally, LocalEngineError

BUNDLE_URI = f"{BUCKET}/code/handlers.tar.gz"
ARN = "arn:aws:lambda:eu-west-1:111122223333:function:tool"
HANDLERS = """
import json, os, time

def echo(event, context):
    return {"count": str(len(event)), "ratio": "0.25", "ok": "true", "seen": event,
            "name": context.function_name, "state": os.environ.get("SMPIPE_LOCAL_STATE_DIR", "")}

def broken(event, context):
    raise RuntimeError("the deploy API said no")

def sleepy(event, context):
    time.sleep(60)

def partial(event, context):
    return {"count": 1}
"""


def lambda_step(name: str, handler: str | None, outputs: dict[str, str], **extra: Any) -> Any:
    step = {
        "Name": name,
        "Type": "Lambda",
        "FunctionArn": ARN,
        "Arguments": {"who": {"Get": "Parameters.Who"}, "n": 3},
        "OutputParameters": [{"OutputName": k, "OutputType": v} for k, v in outputs.items()],
        **extra,
    }
    metadata = {"CodeBundleParameter": "CodeBundleUri", "Handler": handler, "TimeoutSeconds": 2}
    return step, {f"smpipe-lambda-{name}": json.dumps(metadata)}


def pipeline(steps: list[Any], metadata: dict[str, str]) -> str:
    return json.dumps(
        {
            "Version": "2020-12-01",
            "Metadata": metadata,
            "Parameters": [
                {"Name": "CodeBundleUri", "Type": "String", "DefaultValue": BUNDLE_URI},
                {"Name": "Who", "Type": "String", "DefaultValue": "alice"},
            ],
            "Steps": steps,
        }
    )


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    backend = LocalBackend(tmp_path / "state")
    bundle = make_bundle(tmp_path / "handlers.tar.gz", {"tools/handlers.py": HANDLERS})
    backend.home.store.put_file(bundle, BUNDLE_URI)
    return backend


def step_record(backend: LocalBackend, arn: str, name: str) -> Any:
    return next(s for s in backend.list_steps(arn) if s.name == name)


def test_the_handler_gets_the_inputs_and_its_outputs_are_typed(backend: LocalBackend) -> None:
    outputs = {"count": "Integer", "ratio": "Float", "ok": "Boolean", "name": "String"}
    step, metadata = lambda_step("Echo", "tools/handlers.py:echo", outputs)
    gate = {
        "Name": "Check",
        "Type": "Condition",
        "Arguments": {
            "Conditions": [
                {
                    "Type": "GreaterThan",
                    "LeftValue": {"Get": "Steps.Echo.OutputParameters['count']"},
                    "RightValue": 1,
                },
                {
                    "Type": "Equals",
                    "LeftValue": {"Get": "Steps.Echo.OutputParameters['ok']"},
                    "RightValue": True,
                },
            ],
            "IfSteps": [],
            "ElseSteps": [],
        },
    }
    arn = run_pipeline(backend, "handoff", pipeline([step, gate], metadata))
    assert backend.describe_execution(arn).status == "Succeeded"
    echo = step_record(backend, arn, "Echo")
    assert echo.metadata["Output.count"] == "2"
    assert echo.metadata["Output.ratio"] == "0.25"
    assert echo.metadata["Output.name"] == "tool"
    assert step_record(backend, arn, "Check").metadata["Outcome"] == "True"
    log = backend.step_log(arn, "Echo")
    assert '"who": "alice"' in log and '"n": 3' in log


def test_no_local_handler_says_how_to_give_one(backend: LocalBackend) -> None:
    step, metadata = lambda_step("Deploy", None, {})
    arn = run_pipeline(backend, "handoff", pipeline([step], metadata))
    reason = step_record(backend, arn, "Deploy").failure_reason
    assert f"no local handler for Lambda function {ARN}" in reason
    assert "local_handler: FILE.py:FUNCTION" in reason


@pytest.mark.parametrize(
    ("handler", "outputs", "expected"),
    [
        ("tools/handlers.py:broken", {}, "RuntimeError: the deploy API said no"),
        (
            "tools/handlers.py:partial",
            {"count": "Integer", "url": "String"},
            "no declared output url",
        ),
        ("tools/handlers.py:echo", {"ratio": "Integer"}, "output 'ratio' is Integer; '0.25'"),
        ("tools/handlers.py:nothing", {}, "has no function 'nothing'"),
        (
            "tools/missing.py:echo",
            {},
            "the handler file tools/missing.py is not in the code bundle",
        ),
        ("tools/handlers.py:sleepy", {}, "timed out after 2 s"),
    ],
)
def test_a_failing_handler_fails_the_step_with_why(
    backend: LocalBackend, handler: str, outputs: dict[str, str], expected: str
) -> None:
    step, metadata = lambda_step("Call", handler, outputs)
    arn = run_pipeline(backend, "handoff", pipeline([step], metadata))
    assert backend.describe_execution(arn).status == "Failed"
    assert expected in step_record(backend, arn, "Call").failure_reason


def test_lambda_and_callback_steps_are_never_cached(backend: LocalBackend) -> None:
    step, metadata = lambda_step(
        "Echo", "tools/handlers.py:echo", {}, CacheConfig={"Enabled": True, "ExpireAfter": "30d"}
    )
    text = pipeline([step], metadata)
    run_pipeline(backend, "handoff", text)
    second = run_pipeline(backend, "handoff", text)
    assert step_record(backend, second, "Echo").cache_source_execution is None


def test_a_callback_step_needs_its_queue_url(backend: LocalBackend) -> None:
    step = {"Name": "Wait", "Type": "Callback", "Arguments": {}, "OutputParameters": []}
    with pytest.raises(CannotRunLocally, match="a Callback step needs SqsQueueUrl"):
        backend.upsert("handoff", pipeline([step], {}), "role", None)


def test_callback_outputs_are_checked_against_their_types(backend: LocalBackend) -> None:
    step = {
        "Name": "Wait",
        "Type": "Callback",
        "SqsQueueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/q",
        "Arguments": {"who": {"Get": "Parameters.Who"}},
        "OutputParameters": [{"OutputName": "score", "OutputType": "Float"}],
    }
    backend.upsert("handoff", pipeline([step], {}), "role", None)
    arn = backend.start("handoff", {})
    while not (waiting := backend.list_callbacks(arn)):
        time.sleep(0.1)
    (callback,) = waiting
    assert callback.arguments == {"who": "alice"}
    with pytest.raises(LocalEngineError, match="output 'score' is Float; 'high' is not a number"):
        backend.send_callback_success(callback.token, {"score": "high"})
    backend.send_callback_success(callback.token, {"score": "0.93"})
    assert backend.wait(arn, timeout=60)
    assert step_record(backend, arn, "Wait").metadata["Output.score"] == "0.93"
    with pytest.raises(LocalEngineError, match="is Succeeded, no longer waiting"):
        backend.send_callback_failure(callback.token, "too late")
