"""``smpipe callback list|succeed|fail --backend sagemaker``: moto implements neither
ListPipelineExecutionSteps nor SendPipelineExecutionStepSuccess/Failure, so botocore's
Stubber checks each request's exact parameters against the service model."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import recorded
from botocore.stub import ANY, Stubber
from test_sagemaker_stubbed import expect_steps, smpipe, stubbed  # noqa: F401  (the fixture)

from pipeline.sagemaker.backend import SageMakerBackend

TOKEN = "AbCdEf1234"
QUEUE = "https://sqs.eu-west-1.amazonaws.com/111122223333/titanic-model-approval"
WAITING_STEPS = [
    {
        "StepName": "RegisterModel",
        "StepStatus": "Succeeded",
        "StartTime": datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc),
        "Metadata": {"RegisterModel": {"Arn": recorded.PACKAGE}},
    },
    {
        "StepName": "WaitForApproval",
        "StepStatus": "Executing",
        "StartTime": datetime(2026, 11, 30, 8, 1, tzinfo=timezone.utc),
        "Metadata": {"Callback": {"CallbackToken": TOKEN, "SqsQueueUrl": QUEUE}},
    },
]


def expect_waiting(stubber: Stubber) -> None:
    stubber.add_response(
        "describe_pipeline_execution",
        recorded.describe_execution("Executing"),
        {"PipelineExecutionArn": recorded.EXECUTION},
    )
    expect_steps(stubber, WAITING_STEPS)


def test_list_finds_the_executing_callback_step_and_its_token(
    stubbed: tuple[SageMakerBackend, Stubber],  # noqa: F811
) -> None:
    backend, stubber = stubbed
    expect_waiting(stubber)
    (callback,) = backend.list_callbacks(recorded.EXECUTION)
    assert (callback.token, callback.step_name, callback.queue_url) == (
        TOKEN,
        "WaitForApproval",
        QUEUE,
    )
    assert callback.execution_arn == recorded.EXECUTION


def test_cli_succeed_and_fail_send_the_requests(
    stubbed: tuple[SageMakerBackend, Stubber],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    backend, stubber = stubbed
    monkeypatch.setattr("pipeline.sagemaker.backend.SageMakerBackend", lambda: backend)
    stubber.add_response(
        "send_pipeline_execution_step_success",
        {"PipelineExecutionArn": recorded.EXECUTION},
        {
            "CallbackToken": TOKEN,
            "OutputParameters": [
                {"Name": "decision", "Value": "Approved"},
                {"Name": "reviewer", "Value": "alice"},
            ],
            "ClientRequestToken": ANY,
        },
    )
    code, out, err = smpipe(
        ["callback", "succeed", TOKEN, "--output", "decision=Approved", "--output",
         "reviewer=alice", "--backend", "sagemaker"],
        monkeypatch,
        capsys,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == f"callback {TOKEN}: Succeeded (execution k3x9w2m1q8ab)\n"

    stubber.add_response(
        "send_pipeline_execution_step_failure",
        {"PipelineExecutionArn": recorded.EXECUTION},
        {"CallbackToken": TOKEN, "FailureReason": "model card missing", "ClientRequestToken": ANY},
    )
    code, out, _ = smpipe(
        ["callback", "fail", TOKEN, "--reason", "model card missing", "--backend", "sagemaker"],
        monkeypatch,
        capsys,
    )
    assert (code, out) == (0, f"callback {TOKEN}: Failed (execution k3x9w2m1q8ab)\n")


def test_an_answered_token_is_a_one_line_error(
    stubbed: tuple[SageMakerBackend, Stubber],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    backend, stubber = stubbed
    monkeypatch.setattr("pipeline.sagemaker.backend.SageMakerBackend", lambda: backend)
    stubber.add_client_error(
        "send_pipeline_execution_step_failure",
        service_error_code="ResourceNotFound",
        service_message="Callback token not found or already completed",
        http_status_code=400,
    )
    code, out, err = smpipe(
        ["callback", "fail", TOKEN, "--reason", "late", "--backend", "sagemaker"],
        monkeypatch,
        capsys,
    )
    assert code != 0 and out == ""
    assert "cannot fail callback: AbCdEf1234 does not exist" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
