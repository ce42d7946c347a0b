"""The Lambda runner called in this process on hand-written steps: the handler's event,
environment and working folder, typed outputs, and each refusal in full."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from local_support import logged, make_bundle, step_context

from pipeline.local.errors import StepFailed, StepStopped
from pipeline.local.expressions import PropertyFileRef
from pipeline.local.steps.context import StepResult
from pipeline.local.steps.lambda_ import local_settings, run_lambda

ARN = "arn:aws:lambda:eu-west-1:111122223333:function:tool:live"
BUNDLE = "s3://bucket/code/handlers.tar.gz"
HANDLERS = """
import json, os, time

def show(event, context):
    return {
        "event": event,
        "cwd": os.getcwd(),
        "env": {k: os.environ.get(k) for k in ("SMPIPE_LOCAL_STATE_DIR",
                "SMPIPE_LAMBDA_FUNCTION_ARN", "SMPIPE_LAMBDA_TIMEOUT", "AWS_LAMBDA_FUNCTION_NAME",
                "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")},
        "n": "7", "ratio": 0.5, "ok": "TRUE",
    }

def broken(event, context):
    raise RuntimeError("the deploy API said no")

def sleepy(event, context):
    time.sleep(30)

def listed(event, context):
    return [1, 2]

def empty(event, context):
    return {}

def bad_number(event, context):
    return {"n": "seven"}
"""


def _step(outputs: dict[str, str] | None = None, **raw: Any) -> dict[str, Any]:
    return {
        "Name": "Call",
        "Type": "Lambda",
        "FunctionArn": ARN,
        "Arguments": {},
        "OutputParameters": [
            {"OutputName": k, **({"OutputType": v} if v else {})}
            for k, v in (outputs or {}).items()
        ],
        **raw,
    }


def _context(
    tmp_path: Path,
    step: dict[str, Any],
    settings: Any = None,
    *,
    parameters: dict[str, Any] | None = None,
    raw_entry: Any = None,
) -> Any:
    entry = (
        raw_entry
        if raw_entry is not None
        else json.dumps(
            {"CodeBundleParameter": "Code", "Handler": "lambdas/tool.py:show", **(settings or {})}
        )
    )
    context = step_context(
        tmp_path / "state",
        step,
        parameters={"Code": BUNDLE} if parameters is None else parameters,
        metadata={"smpipe-lambda-Call": entry, "smpipe-lambda-Other": "{}"},
    )
    bundle = make_bundle(tmp_path / "handlers.tar.gz", {"lambdas/tool.py": HANDLERS})
    context.home.store.put_file(bundle, BUNDLE)
    return context


def test_the_handler_gets_the_event_and_its_outputs_are_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # set by the runner, not inherited
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    outputs = {
        "n": "Integer",
        "ratio": "Float",
        "ok": "Boolean",
        "event": "String",
        "env": "String",
        "cwd": None,
    }
    context = _context(tmp_path, _step(outputs), {"TimeoutSeconds": 30})
    stale = context.job_dir / "stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("an earlier attempt's")
    reference = PropertyFileRef("Eval", "Report", "s3://b/eval/report.json")
    arguments = {"who": "alice", "n": 3, "report": reference, "flag": True}
    result = run_lambda(context, arguments)
    code = context.job_dir / "code"
    event = {"flag": True, "n": 3, "report": "s3://b/eval/report.json", "who": "alice"}
    env = {
        "SMPIPE_LOCAL_STATE_DIR": str(context.home.root),
        "SMPIPE_LAMBDA_FUNCTION_ARN": ARN,
        "SMPIPE_LAMBDA_TIMEOUT": "30.0",
        "AWS_LAMBDA_FUNCTION_NAME": "tool",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    values = {
        "n": 7,
        "ratio": 0.5,
        "ok": True,
        "event": json.dumps(event, sort_keys=True),
        "env": json.dumps(env, sort_keys=True),
        "cwd": str(code),
    }
    assert result == StepResult(
        {"OutputParameters": values, "FunctionArn": ARN},
        {"FunctionArn": ARN, **{f"Output.{k}": str(v) for k, v in values.items()}},
    )
    assert not stale.exists()
    assert (code / "handlers.tar.gz").is_file() and (code / "lambdas" / "tool.py").is_file()
    event_path = context.job_dir / "event.json"
    assert event_path.read_text(encoding="utf-8") == json.dumps(event, sort_keys=True)
    result_path = context.job_dir / "result.json"
    assert json.loads(result_path.read_text())["n"] == "7"
    lines = logged(context)
    assert lines[0] == "unpacked handlers.tar.gz (1 entries)"
    assert lines[1] == (
        f"invoking {ARN} locally: lambdas/tool.py:show with event {json.dumps(event, sort_keys=True)}"
    )
    assert lines[-1] == f"function returned outputs {json.dumps(values, sort_keys=True)}"
    (row,) = context.home.state.steps(context.execution_arn)
    assert row["log_path"] == str(context.log_path) and isinstance(row["job_pid"], int)


def test_the_default_timeout_and_no_outputs(tmp_path: Path) -> None:
    context = _context(tmp_path, _step({"env": "String"}))
    result = run_lambda(context, {})
    assert (
        json.loads(result.properties["OutputParameters"]["env"])["SMPIPE_LAMBDA_TIMEOUT"] == "120.0"
    )
    context = _context(tmp_path / "none", _step(), {"Handler": "lambdas/tool.py:listed"})
    assert run_lambda(context, {}) == StepResult(
        {"OutputParameters": {}, "FunctionArn": ARN}, {"FunctionArn": ARN}
    )
    assert logged(context)[-1] == "function returned outputs {}"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:lambda:eu-west-1:1:function:plain",
        "arn:aws:lambda:eu-west-1:1:function:plain:function:x",
        "plain",
        "plain:live",
    ],
)
def test_the_function_name_is_the_part_after_function(tmp_path: Path, arn: str) -> None:
    step = _step({"env": "String"}, FunctionArn=arn)
    result = run_lambda(_context(tmp_path, step), {})
    env = json.loads(result.properties["OutputParameters"]["env"])
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "plain"


@pytest.mark.parametrize(
    "entry",
    ["not json", json.dumps(["a", "list"]), json.dumps({"Handler": ""}), {"Handler": "x.py:f"}],
)
def test_without_a_handler_it_says_how_to_give_one(tmp_path: Path, entry: Any) -> None:
    context = _context(tmp_path, _step(), raw_entry=entry)
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value) == (
        f"ClientError: no local handler for Lambda function {ARN}: give the step "
        "`local_handler: FILE.py:FUNCTION` in the spec (FILE inside the code bundle, "
        "pipeline/code/) and compile again; the function in AWS cannot be called locally"
    )


def test_without_a_function_arn_or_metadata(tmp_path: Path) -> None:
    step = _step()
    del step["FunctionArn"]
    context = step_context(tmp_path, step)
    assert local_settings(context) == {}
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value).startswith("ClientError: no local handler for Lambda function : ")


def test_local_settings_read_the_executions_own_definition_version(tmp_path: Path) -> None:
    context = _context(tmp_path, _step(), {"TimeoutSeconds": 5})
    newer = json.dumps(
        {
            "Version": "2020-12-01",
            "Metadata": {"smpipe-lambda-Call": "{}"},
            "Parameters": [],
            "Steps": [],
        }
    )
    assert context.home.state.upsert_pipeline("toy", newer, None, None)[1] == 2
    assert local_settings(context) == {
        "CodeBundleParameter": "Code",
        "Handler": "lambdas/tool.py:show",
        "TimeoutSeconds": 5,
    }


@pytest.mark.parametrize(
    ("settings", "parameters", "shown"),
    [
        ({"CodeBundleParameter": "Other"}, None, "'Other'"),
        ({"CodeBundleParameter": None}, None, "''"),
        ({}, {"Code": ""}, "'Code'"),
    ],
)
def test_a_bundle_parameter_without_a_value(
    tmp_path: Path, settings: dict[str, Any], parameters: Any, shown: str
) -> None:
    context = _context(tmp_path, _step(), settings, parameters=parameters)
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value) == (
        f"ClientError: the Lambda step's code bundle parameter {shown} has no value"
    )


def test_a_missing_bundle_says_how_to_build_it(tmp_path: Path) -> None:
    missing = "s3://bucket/code/missing.tar.gz"
    context = _context(tmp_path, _step(), parameters={"Code": missing})
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value) == (
        "ClientError: the code bundle for the handler lambdas/tool.py:show: no object found at "
        f"{missing} ({context.home.root / 's3/bucket/code/missing.tar.gz'}) (build it into the "
        "local store with `smpipe bundle --local-store`)"
    )


def test_a_bundle_is_read_as_one_object(tmp_path: Path) -> None:
    """The parameter names the bundle itself: a key it only starts is no bundle."""
    context = _context(tmp_path, _step(), parameters={"Code": "s3://bucket/code/handlers"})
    with pytest.raises(StepFailed, match="ClientError: the code bundle for the handler "):
        run_lambda(context, {})


def test_a_handler_file_missing_from_the_bundle(tmp_path: Path) -> None:
    context = _context(tmp_path, _step(), {"Handler": "lambdas/other.py:show"})
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value) == (
        "ClientError: the handler file lambdas/other.py is not in the code bundle; give the "
        "step `local_handler: FILE.py:FUNCTION` in the spec (FILE inside the code bundle, "
        "pipeline/code/) and compile again; the function in AWS cannot be called locally"
    )


def test_a_failing_handler_fails_with_its_error(tmp_path: Path) -> None:
    context = _context(tmp_path, _step(), {"Handler": "lambdas/tool.py:broken"})
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value) == (
        f"the Lambda function failed: RuntimeError: the deploy API said no; log: {context.log_path}"
    )
    context = _context(tmp_path / "nameless", _step(), {"Handler": "lambdas/tool.py"})
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value) == (
        f"the Lambda function failed: lambdas/tool.py has no function ''; log: {context.log_path}"
    )


def test_a_handler_that_outlives_its_timeout(tmp_path: Path) -> None:
    context = _context(
        tmp_path, _step(), {"Handler": "lambdas/tool.py:sleepy", "TimeoutSeconds": 0.5}
    )
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert (
        str(raised.value) == f"the Lambda function timed out after 0.5 s; log: {context.log_path}"
    )
    assert isinstance(raised.value.__cause__, StepFailed)


def test_a_stopped_execution_starts_no_handler(tmp_path: Path) -> None:
    context = _context(tmp_path, _step())
    context.stop.set()
    with pytest.raises(StepStopped):
        run_lambda(context, {})
    assert not (context.job_dir / "result.json").exists()


@pytest.mark.parametrize(
    ("handler", "outputs", "message"),
    [
        (
            "listed",
            {"a": "String", "b": "Integer"},
            "the Lambda function returned list, not an object with the declared outputs a, b",
        ),
        (
            "empty",
            {"a": "String"},
            "the Lambda function's result has no declared output a (it returned nothing)",
        ),
        (
            "show",
            {"n": "Integer", "x": "String", "y": None},
            "the Lambda function's result has no declared output x, y (it returned event, cwd, env, n, "
            "ratio, ok)",
        ),
        (
            "bad_number",
            {"n": "Integer"},
            "the Lambda function's result: output 'n' is Integer; 'seven' is not an integer",
        ),
    ],
)
def test_a_result_without_its_declared_outputs(
    tmp_path: Path, handler: str, outputs: dict[str, str], message: str
) -> None:
    context = _context(tmp_path, _step(outputs), {"Handler": f"lambdas/tool.py:{handler}"})
    with pytest.raises(StepFailed) as raised:
        run_lambda(context, {})
    assert str(raised.value) == message
    assert raised.value.__cause__ is None
