"""The small step runners (context, model, register, condition and fail, callback) called in
this process on hand-written steps and a fresh state: exact properties, metadata, records,
log lines and error messages. (Whole runs go through the engine; these pin each runner.)"""

from __future__ import annotations

import json
import locale
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from local_support import XGBOOST_IMAGE, logged, step_context, wait_for

from pipeline.local.callbacks import WAITING, Callbacks
from pipeline.local.errors import LocalEngineError, StepFailed, StepStopped
from pipeline.local.state import ARN_PREFIX
from pipeline.local.steps.callback import run_callback
from pipeline.local.steps.context import StepResult
from pipeline.local.steps.control import run_condition, run_fail
from pipeline.local.steps.model import load_model, run_model
from pipeline.local.steps.register import run_register

MODEL_DATA = "s3://bucket/train/model.tar.gz"


def _put(context: Any, uri: str, data: bytes = b"x") -> None:
    context.home.store.put_bytes(uri, data)


# ---- context ----


def test_job_names_are_sagemakers_and_cut_to_63_characters(tmp_path: Path) -> None:
    first = step_context(tmp_path / "a", {"Name": "Train", "Type": "Training"})
    assert first.job_name() == f"pipelines-{first.execution_id}-Train"
    third = step_context(tmp_path / "b", {"Name": "Train", "Type": "Training"}, attempt=3)
    assert third.job_name() == f"pipelines-{third.execution_id}-Train-3"
    # pipelines- (10) + id (12) + - (1) = 23 characters before the step name.
    exact = step_context(tmp_path / "c", {"Name": "S" * 40, "Type": "Training"})
    assert exact.job_name() == f"pipelines-{exact.execution_id}-{'S' * 40}"
    assert len(exact.job_name()) == 63
    long = step_context(tmp_path / "d", {"Name": "L" * 41, "Type": "Training"})
    assert long.job_name() == f"pipelines-{long.execution_id}-{'L' * 40}"
    retried = step_context(tmp_path / "e", {"Name": "R" * 41, "Type": "Training"}, attempt=12)
    assert retried.job_name() == f"pipelines-{retried.execution_id}-{'R' * 37}-12"
    assert len(retried.job_name()) == 63


def test_job_dir_and_log_lines(tmp_path: Path) -> None:
    context = step_context(tmp_path, {"Name": "Prep", "Type": "Processing"}, attempt=2)
    root = tmp_path.resolve()
    assert context.job_dir == root / "jobs" / context.execution_id / "Prep" / "attempt-2"
    assert context.log_path == root / "logs" / context.execution_id / "Prep-2.log"
    assert not context.log_path.parent.exists()
    context.log("first")
    before = locale.setlocale(locale.LC_CTYPE)
    try:  # the log is UTF-8 whatever the locale
        locale.setlocale(locale.LC_CTYPE, "C")
        context.log("zweite Zeile: ä €")
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    text = context.log_path.read_bytes().decode("utf-8")
    assert re.fullmatch(
        r"\[smpipe \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00\] first\n"
        r"\[smpipe \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00\] zweite Zeile: ä €\n",
        text,
    )


def test_job_started_records_the_log_and_pid_on_the_step(tmp_path: Path) -> None:
    context = step_context(tmp_path, {"Name": "Prep", "Type": "Processing"})
    context.job_started(4321)
    (row,) = context.home.state.steps(context.execution_arn)
    assert (row["name"], row["log_path"], row["job_pid"]) == ("Prep", str(context.log_path), 4321)


def test_discard_now_or_after_the_step_ends(tmp_path: Path) -> None:
    context = step_context(tmp_path / "state", {"Name": "Prep", "Type": "Processing"})
    assert context.discarded is None
    (tmp_path / "sandbox" / "opt").mkdir(parents=True)
    context.discard(tmp_path / "sandbox")
    assert not (tmp_path / "sandbox").exists()
    context.discard(tmp_path / "sandbox")  # already gone: nothing to do, no error
    context.discarded = []
    (tmp_path / "later").mkdir()
    context.discard(tmp_path / "later")
    assert context.discarded == [tmp_path / "later"] and (tmp_path / "later").is_dir()


# ---- model ----


def _model_step(container: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"Name": "Model", "Type": "Model", "Arguments": {"PrimaryContainer": container or {}}}


def test_a_model_is_recorded_by_name_with_text_values(tmp_path: Path) -> None:
    container = {
        "Image": XGBOOST_IMAGE,
        "ModelDataUrl": MODEL_DATA,
        "Environment": {"A": 1, "B": True, "C": "c", "D": 0.5},
    }
    arguments = {"PrimaryContainer": container, "ExecutionRoleArn": "arn:role", "Extra": "kept"}
    context = step_context(tmp_path, _model_step(container), attempt=2)
    _put(context, MODEL_DATA)
    result = run_model(context, arguments)
    name = f"pipelines-{context.execution_id}-Model-2"
    arn = f"{ARN_PREFIX}:model/{name.lower()}"
    description = {
        "ModelName": name,
        "ModelArn": arn,
        "PrimaryContainer": {
            "Image": XGBOOST_IMAGE,
            "ModelDataUrl": MODEL_DATA,
            "Environment": {"A": "1", "B": "true", "C": "c", "D": "0.5"},
        },
        "ExecutionRoleArn": "arn:role",
    }
    assert result == StepResult({**arguments, **description}, {"ModelArn": arn})
    saved = tmp_path.resolve() / "models" / f"{name}.json"
    assert saved.read_text() == json.dumps(description, indent=2, sort_keys=True)
    assert load_model(context.home, name) == description
    assert container["Environment"]["A"] == 1  # the caller's arguments are not changed
    assert logged(context) == [f"model {name}: {XGBOOST_IMAGE} with {MODEL_DATA}"]


def test_a_model_without_data_or_environment(tmp_path: Path) -> None:
    context = step_context(tmp_path, _model_step())
    result = run_model(context, {"PrimaryContainer": {"Image": "img"}})
    name = f"pipelines-{context.execution_id}-Model"
    assert result.properties["PrimaryContainer"] == {"Image": "img", "Environment": {}}
    assert result.properties["ExecutionRoleArn"] is None
    assert load_model(context.home, name)["PrimaryContainer"] == {"Image": "img", "Environment": {}}
    assert logged(context) == [f"model {name}: img with None"]
    again = step_context(tmp_path, _model_step(), attempt=2)  # the models folder exists now
    assert run_model(again, {"PrimaryContainer": {"Image": "img2"}}).properties["ModelName"] == (
        f"pipelines-{again.execution_id}-Model-2"
    )
    assert load_model(context.home, name)["PrimaryContainer"]["Image"] == "img"


def test_a_model_data_url_that_is_a_value_is_read_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = step_context(tmp_path, _model_step())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "7").write_text("a local model file named 7")
    result = run_model(context, {"PrimaryContainer": {"Image": "img", "ModelDataUrl": 7}})
    assert result.properties["PrimaryContainer"]["ModelDataUrl"] == "7"


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"PrimaryContainer": None},
        _model_step()["Arguments"],
        {"PrimaryContainer": {"Image": ""}},
    ],
)
def test_a_model_needs_an_image(tmp_path: Path, arguments: dict[str, Any]) -> None:
    context = step_context(tmp_path, _model_step())
    with pytest.raises(StepFailed) as raised:
        run_model(context, arguments)
    assert str(raised.value) == "ClientError: PrimaryContainer.Image is required"
    assert not (tmp_path / "models").exists()


def test_a_model_whose_data_is_missing_fails_naming_the_log(tmp_path: Path) -> None:
    context = step_context(tmp_path, _model_step())
    with pytest.raises(StepFailed) as raised:
        run_model(context, {"PrimaryContainer": {"Image": "img", "ModelDataUrl": MODEL_DATA}})
    assert str(raised.value) == (
        f"ClientError: Could not find model data at {MODEL_DATA}; log: {context.log_path}"
    )
    assert not (tmp_path / "models").exists()


def test_load_model_of_an_unknown_name(tmp_path: Path) -> None:
    context = step_context(tmp_path, _model_step())
    (tmp_path / "models" / "nope.json").mkdir(parents=True)  # not a file
    with pytest.raises(StepFailed) as raised:
        load_model(context.home, "nope")
    assert str(raised.value) == 'ClientError: Could not find model "nope"'


# ---- register ----


def _register_step() -> dict[str, Any]:
    return {"Name": "Register", "Type": "RegisterModel", "Arguments": {}}


REPORT_URI = "s3://bucket/eval/report.json"


def _register_arguments(**extra: Any) -> dict[str, Any]:
    return {
        "ModelPackageGroupName": "group",
        "InferenceSpecification": {
            "Containers": [{"Image": XGBOOST_IMAGE, "ModelDataUrl": MODEL_DATA}],
            "SupportedContentTypes": ["text/csv"],
        },
        **extra,
    }


def _package_row(context: Any, arn: str) -> dict[str, Any]:
    (row,) = context.home.db.query("SELECT * FROM model_packages WHERE arn = ?", (arn,))
    return dict(row)


def test_register_records_a_version_with_the_reports_metrics(tmp_path: Path) -> None:
    context = step_context(tmp_path, _register_step())
    _put(context, MODEL_DATA)
    report = {
        "binary_classification_metrics": {
            "accuracy": {"value": 0.75, "standard_deviation": "NaN"},
            "auc": {"value": 1},
            "recall": {"value": "0.5"},  # not a number: left out
            "odd": 3,  # not an entry
            "shared": {"value": 0.1},
        },
        "multiclass_classification_metrics": {"f1": {"value": 0.5}},
        "regression_metrics": {"mse": {"value": 2.5}},
        "other_metrics": {"ignored": {"value": 9.0}},
        "metrics": {"score": 4, "shared": 0.9, "flag": True, "name": "x"},
    }
    context.home.store.put_bytes(REPORT_URI, json.dumps(report).encode())
    arguments = _register_arguments(
        ModelApprovalStatus="Approved",
        ModelMetrics={"ModelQuality": {"Statistics": {"S3Uri": REPORT_URI}}},
        ModelPackageDescription=12,
    )
    result = run_register(context, arguments)
    arn = f"{ARN_PREFIX}:model-package/group/1"
    assert result == StepResult(
        {"ModelPackageArn": arn, "ModelPackageVersion": 1},
        {"ModelPackageArn": arn, "ModelApprovalStatus": "Approved"},
    )
    metrics = {"accuracy": 0.75, "auc": 1.0, "shared": 0.9, "f1": 0.5, "mse": 2.5, "score": 4.0}
    row = _package_row(context, arn)
    assert json.loads(row["metrics"]) == metrics
    assert (row["group_name"], row["version"], row["approval_status"]) == ("group", 1, "Approved")
    assert (row["model_data_url"], row["image"], row["description"]) == (
        MODEL_DATA,
        XGBOOST_IMAGE,
        "12",
    )
    assert (row["metrics_uri"], row["source_execution"]) == (REPORT_URI, context.execution_arn)
    assert json.loads(row["inference_specification"]) == arguments["InferenceSpecification"]
    assert logged(context) == [f"registered {arn} (Approved) with metrics {metrics}"]
    again = run_register(context, arguments)
    assert again.properties == {
        "ModelPackageArn": f"{ARN_PREFIX}:model-package/group/2",
        "ModelPackageVersion": 2,
    }


def test_register_defaults_pending_without_metrics_description_or_data(tmp_path: Path) -> None:
    context = step_context(tmp_path, _register_step())
    arguments = {"ModelPackageGroupName": 5, "InferenceSpecification": {"Containers": [{}]}}
    result = run_register(context, arguments)
    arn = f"{ARN_PREFIX}:model-package/5/1"
    assert result.metadata == {
        "ModelPackageArn": arn,
        "ModelApprovalStatus": "PendingManualApproval",
    }
    row = _package_row(context, arn)
    assert (row["model_data_url"], row["image"], row["description"], row["metrics_uri"]) == (
        None,
        None,
        None,
        None,
    )
    assert json.loads(row["metrics"]) == {}
    assert logged(context) == [f"registered {arn} (PendingManualApproval) with metrics {{}}"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"ModelPackageGroupName": "g"},
        {"ModelPackageGroupName": "g", "InferenceSpecification": None},
        {"ModelPackageGroupName": "g", "InferenceSpecification": {}},
        {"ModelPackageGroupName": "g", "ModelMetrics": None},
        {"ModelPackageGroupName": "g", "ModelMetrics": {"ModelQuality": None}},
        {"ModelPackageGroupName": "g", "ModelMetrics": {"ModelQuality": {"Statistics": None}}},
        {"ModelPackageGroupName": "g", "ModelMetrics": {"ModelQuality": {"Statistics": {}}}},
        {"ModelPackageGroupName": "g", "ModelPackageDescription": ""},
    ],
)
def test_register_reads_missing_parts_as_absent(tmp_path: Path, arguments: dict[str, Any]) -> None:
    context = step_context(tmp_path, _register_step())
    arn = run_register(context, arguments).properties["ModelPackageArn"]
    row = _package_row(context, arn)
    assert (row["image"], row["model_data_url"], row["metrics_uri"], row["description"]) == (
        None,
        None,
        None,
        None,
    )
    assert json.loads(row["inference_specification"]) == (
        arguments.get("InferenceSpecification") or {}
    )


def test_register_refuses_missing_model_data(tmp_path: Path) -> None:
    context = step_context(tmp_path, _register_step())
    with pytest.raises(StepFailed) as raised:
        run_register(context, _register_arguments())
    assert str(raised.value) == f"ClientError: the model data {MODEL_DATA} does not exist"
    assert context.home.registry.versions("group") == []


def test_register_refuses_an_unknown_approval_status(tmp_path: Path) -> None:
    context = step_context(tmp_path, _register_step())
    _put(context, MODEL_DATA)
    with pytest.raises(LocalEngineError, match="ModelApprovalStatus 'Maybe' is not one of"):
        run_register(context, _register_arguments(ModelApprovalStatus="Maybe"))


def test_register_refuses_unreadable_metrics(tmp_path: Path) -> None:
    context = step_context(tmp_path, _register_step())
    _put(context, MODEL_DATA)
    _put(context, REPORT_URI, b"{not json")
    arguments = _register_arguments(
        ModelMetrics={"ModelQuality": {"Statistics": {"S3Uri": REPORT_URI}}}
    )
    with pytest.raises(StepFailed) as raised:
        run_register(context, arguments)
    assert str(raised.value) == (
        f"ClientError: cannot read the model metrics at {REPORT_URI}: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )
    assert isinstance(raised.value.__cause__, ValueError)
    missing = "s3://bucket/eval/missing.json"
    arguments["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"] = missing
    with pytest.raises(StepFailed) as raised:
        run_register(context, arguments)
    path = tmp_path.resolve() / "s3" / "bucket" / "eval" / "missing.json"
    assert str(raised.value) == (
        f"ClientError: cannot read the model metrics at {missing}: "
        f"[Errno 2] No such file or directory: '{path}'"
    )
    assert context.home.registry.versions("group") == []


def test_register_logs_a_report_without_numbers(tmp_path: Path) -> None:
    context = step_context(tmp_path, _register_step())
    _put(context, MODEL_DATA)
    report = {"metrics": {"note": "n" * 300}, "regression_metrics": None}
    _put(context, REPORT_URI, json.dumps(report).encode())
    arguments = _register_arguments(
        ModelMetrics={"ModelQuality": {"Statistics": {"S3Uri": REPORT_URI}}}
    )
    arn = run_register(context, arguments).properties["ModelPackageArn"]
    assert logged(context) == [
        f"no numeric metrics in {REPORT_URI}: {json.dumps(report)[:200]}",
        f"registered {arn} (PendingManualApproval) with metrics {{}}",
    ]


# ---- condition and fail ----


def _gate(conditions: list[Any]) -> dict[str, Any]:
    return {"Name": "Gate", "Type": "Condition", "Arguments": {"Conditions": conditions}}


def _compare(kind: str, left: Any, right: Any, **extra: Any) -> dict[str, Any]:
    return {"Type": kind, "LeftValue": left, "RightValue": right, **extra}


def test_a_condition_ands_its_conditions_and_logs_each_value(tmp_path: Path) -> None:
    conditions = [
        _compare("GreaterThanOrEqualTo", {"Get": "Parameters.Score"}, 0.5, Note="not shown"),
        _compare("Equals", {"Get": "Parameters.Name"}, "b"),
        {"Type": "In", "QueryValue": {"Get": "Parameters.Name"}, "Values": ["a", "c"]},
    ]
    context = step_context(tmp_path, _gate(conditions), parameters={"Score": 0.7, "Name": "a"})
    result = run_condition(context, {"ignored": True})
    assert result == StepResult({"Outcome": False}, {"Outcome": "False"})
    assert logged(context) == [
        'GreaterThanOrEqualTo {"LeftValue": 0.7, "RightValue": 0.5} -> True',
        'Equals {"LeftValue": "a", "RightValue": "b"} -> False',
        'In {"QueryValue": "a", "Values": ["a", "c"]} -> True',
        "outcome: False",
    ]


def test_a_condition_that_holds_and_one_without_conditions(tmp_path: Path) -> None:
    context = step_context(tmp_path / "a", _gate([_compare("Equals", 1, 1)]))
    assert run_condition(context, {}) == StepResult({"Outcome": True}, {"Outcome": "True"})
    assert logged(context) == ['Equals {"LeftValue": 1, "RightValue": 1} -> True', "outcome: True"]
    empty = step_context(tmp_path / "b", {"Name": "Gate", "Type": "Condition", "Arguments": {}})
    assert run_condition(empty, {}) == StepResult({"Outcome": True}, {"Outcome": "True"})
    assert logged(empty) == ["outcome: True"]


def test_a_false_condition_first_still_logs_the_others(tmp_path: Path) -> None:
    context = step_context(tmp_path, _gate([_compare("Equals", 1, 2), _compare("Equals", 3, 3)]))
    assert run_condition(context, {}).properties == {"Outcome": False}
    assert logged(context) == [
        'Equals {"LeftValue": 1, "RightValue": 2} -> False',
        'Equals {"LeftValue": 3, "RightValue": 3} -> True',
        "outcome: False",
    ]


def test_a_condition_logs_a_property_file_as_its_uri(tmp_path: Path) -> None:
    properties = {
        "Eval": {
            "PropertyFiles": [
                {"PropertyFileName": "Report", "OutputName": "out", "FilePath": "r.json"}
            ],
            "ProcessingOutputConfig": {
                "Outputs": [{"OutputName": "out", "S3Output": {"S3Uri": "s3://b/eval/"}}]
            },
        }
    }
    left = {
        "Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"}, "Path": "a"}
    }
    condition = _compare("LessThan", left, 5, Extra={"Get": "Steps.Eval.PropertyFiles.Report"})
    condition["QueryValue"] = {"Get": "Steps.Eval.PropertyFiles.Report"}
    context = step_context(tmp_path, _gate([condition]), properties=properties)
    context.home.store.put_bytes("s3://b/eval/r.json", b'{"a": 4}')
    assert run_condition(context, {}).properties == {"Outcome": True}
    assert logged(context)[0] == (
        'LessThan {"LeftValue": 4, "QueryValue": "s3://b/eval/r.json", "RightValue": 5} -> True'
    )


def test_a_fail_step_fails_with_its_message(tmp_path: Path) -> None:
    context = step_context(tmp_path, {"Name": "Stop", "Type": "Fail"})
    with pytest.raises(StepFailed) as raised:
        run_fail(context, {"ErrorMessage": "score below 0.5"})
    assert str(raised.value) == "score below 0.5"
    assert logged(context) == ["Fail step: score below 0.5"]
    with pytest.raises(StepFailed) as raised:
        run_fail(context, {"ErrorMessage": 0.5})
    assert str(raised.value) == "0.5"


@pytest.mark.parametrize("arguments", [{}, {"ErrorMessage": ""}])
def test_a_fail_step_without_a_message(tmp_path: Path, arguments: dict[str, Any]) -> None:
    context = step_context(tmp_path, {"Name": "Stop", "Type": "Fail"})
    with pytest.raises(StepFailed) as raised:
        run_fail(context, arguments)
    assert str(raised.value) == "the Fail step Stop was reached"
    assert logged(context) == ["Fail step: "]


# ---- callback ----


def _callback_step(**raw: Any) -> dict[str, Any]:
    return {"Name": "Wait", "Type": "Callback", "Arguments": {}, **raw}


class _Running:
    """A runner called in a thread (it waits for an answer); its result or exception."""

    def __init__(self, runner: Any, context: Any, arguments: dict[str, Any]) -> None:
        self.context = context
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(runner, arguments), daemon=True)
        self.thread.start()

    def _run(self, runner: Any, arguments: dict[str, Any]) -> None:
        try:
            self.result = runner(self.context, arguments)
        except BaseException as error:  # handed to the test
            self.error = error

    def token(self) -> str:
        found = wait_for(lambda: Callbacks(self.context.home.db).list(), "the callback token")
        assert isinstance(found, list)
        return str(found[0].token)

    def outcome(self) -> Any:
        self.thread.join(60)
        if self.thread.is_alive():
            self.context.stop.set()
            raise AssertionError("the runner did not end")
        if self.error is not None:
            raise self.error
        return self.result


def test_a_callback_waits_for_its_answer_and_returns_typed_outputs(tmp_path: Path) -> None:
    queue = "https://sqs.eu-west-1.amazonaws.com/1/q"
    outputs = [{"OutputName": "n", "OutputType": "Integer"}, {"OutputName": "s"}]
    context = step_context(tmp_path, _callback_step(SqsQueueUrl=queue, OutputParameters=outputs))
    running = _Running(run_callback, context, {"b": 2, "a": "x"})
    token = running.token()
    callback = Callbacks(context.home.db).get(token)
    assert callback.status == WAITING
    assert (callback.queue_url, callback.step_name) == (queue, "Wait")
    assert callback.output_types == {"n": "Integer", "s": "String"}
    assert callback.message == {
        "token": token,
        "pipelineExecutionArn": context.execution_arn,
        "arguments": {"a": "x", "b": 2},
    }
    wait_for(lambda: len(logged(context)) == 3, "the waiting lines")
    (row,) = context.home.state.steps(context.execution_arn)
    assert json.loads(row["metadata"]) == {"CallbackToken": token, "SqsQueueUrl": queue}
    assert running.thread.is_alive()
    Callbacks(context.home.db).succeed(token, {"n": "3", "s": "yes"})
    result = running.outcome()
    assert result == StepResult(
        {"OutputParameters": {"n": 3, "s": "yes"}, "CallbackToken": token, "SqsQueueUrl": queue},
        {"CallbackToken": token, "SqsQueueUrl": queue, "Output.n": "3", "Output.s": "yes"},
    )
    message = json.dumps(callback.message, sort_keys=True)
    assert logged(context) == [
        f"callback token {token}; message for {queue}:",
        message,
        f"waiting: answer with `smpipe callback succeed {token} --output NAME=VALUE` "
        f"or `smpipe callback fail {token} --reason TEXT`",
        'callback succeeded with outputs {"n": 3, "s": "yes"}',
    ]


def test_a_callback_without_a_queue_or_outputs(tmp_path: Path) -> None:
    context = step_context(tmp_path, _callback_step())
    running = _Running(run_callback, context, {})
    token = running.token()
    Callbacks(context.home.db).succeed(token, {})
    result = running.outcome()
    assert result == StepResult(
        {"OutputParameters": {}, "CallbackToken": token, "SqsQueueUrl": ""},
        {"CallbackToken": token, "SqsQueueUrl": ""},
    )
    assert logged(context)[0] == f"callback token {token}; message for :"
    assert logged(context)[-1] == "callback succeeded with outputs {}"


@pytest.mark.parametrize(
    ("reason", "message"),
    [("the approver said no", "the approver said no"),
     ("", "the callback was answered with a failure")],
)  # fmt: skip
def test_a_callback_answered_with_a_failure_fails_with_its_reason(
    tmp_path: Path, reason: str, message: str
) -> None:
    context = step_context(tmp_path, _callback_step(SqsQueueUrl="q"))
    running = _Running(run_callback, context, {})
    Callbacks(context.home.db).fail(running.token(), reason)
    with pytest.raises(StepFailed) as raised:
        running.outcome()
    assert str(raised.value) == message


def test_a_stop_ends_the_wait_and_closes_the_token(tmp_path: Path) -> None:
    context = step_context(tmp_path, _callback_step(SqsQueueUrl="q"))
    running = _Running(run_callback, context, {})
    token = running.token()
    context.stop.set()
    with pytest.raises(StepStopped) as raised:
        running.outcome()
    assert str(raised.value) == "the execution was stopped while the callback waited"
    stopped = Callbacks(context.home.db).get(token)
    assert (stopped.status, stopped.failure_reason) == ("Stopped", "the execution was stopped")


def test_an_answer_that_came_before_the_stop_is_kept(tmp_path: Path) -> None:
    """Answered, then stopped before the runner looked: the answer stands (the token is no
    longer waiting, so the stop cannot close it)."""
    context = step_context(
        tmp_path,
        _callback_step(
            SqsQueueUrl="q", OutputParameters=[{"OutputName": "ok", "OutputType": "Boolean"}]
        ),
    )
    callbacks = Callbacks(context.home.db)
    real_show = Callbacks.show_on_step

    def answered_then_stopped(self: Callbacks, callback: Any) -> None:
        real_show(self, callback)
        callbacks.succeed(callback.token, {"ok": "true"})
        context.stop.set()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Callbacks, "show_on_step", answered_then_stopped)
        result = run_callback(context, {})
    assert result.properties["OutputParameters"] == {"ok": True}
    assert result.metadata["Output.ok"] == "True"
    assert callbacks.get(result.properties["CallbackToken"]).status == "Succeeded"


def test_a_failure_that_came_before_the_stop_is_kept(tmp_path: Path) -> None:
    context = step_context(tmp_path, _callback_step(SqsQueueUrl="q"))
    callbacks = Callbacks(context.home.db)
    real_show = Callbacks.show_on_step

    def failed_then_stopped(self: Callbacks, callback: Any) -> None:
        real_show(self, callback)
        callbacks.fail(callback.token, "no")
        context.stop.set()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Callbacks, "show_on_step", failed_then_stopped)
        with pytest.raises(StepFailed) as raised:
            run_callback(context, {})
    assert str(raised.value) == "no"
