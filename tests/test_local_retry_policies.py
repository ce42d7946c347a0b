"""Retry by policy in the local engine: classification, backoff, limits, injected faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_support import chain_pipeline, run_pipeline, seed_all

from pipeline.local import retry
from pipeline.local.backend import LocalBackend
from pipeline.local.retry import Policy, classify, next_retry


def test_failures_are_classified_like_sagemaker() -> None:
    assert classify("CapacityError: Unable to provision requested ML compute capacity") == (
        "SageMaker.CAPACITY_ERROR"
    )
    assert classify("InternalServerError: We encountered an internal error") == (
        "SageMaker.JOB_INTERNAL_ERROR"
    )
    assert classify("ResourceLimitExceeded: account-level service limit") == (
        "SageMaker.RESOURCE_LIMIT"
    )
    assert classify("ThrottlingException: Rate exceeded") == "Step.THROTTLING"
    # The job's own error or a bad request: retrying cannot help.
    assert classify("AlgorithmError: exit code 1") is None
    assert classify("ClientError: no such key") is None


def test_backoff_grows_by_the_rate_and_stops_at_max_attempts() -> None:
    policy = Policy(
        ("SageMaker.CAPACITY_ERROR",), interval_seconds=2, backoff_rate=3, max_attempts=3
    )
    reason = "CapacityError: no capacity"
    delays = [next_retry([policy], reason, n, 0.0) for n in range(4)]
    assert [d.delay_seconds if d else None for d in delays] == [2, 6, 18, None]


def test_expire_after_bounds_the_retries_and_other_types_are_not_retried() -> None:
    policy = Policy(("SageMaker.JOB_INTERNAL_ERROR",), interval_seconds=30, expire_after_min=1)
    reason = "InternalServerError: oops"
    assert next_retry([policy], reason, 0, 0.0) is not None  # 30 s < 60 s
    assert next_retry([policy], reason, 1, 10.0) is None  # 10 + 60 s > 60 s
    assert next_retry([policy], "CapacityError: none", 0, 0.0) is None
    second = Policy(("SageMaker.CAPACITY_ERROR",), max_attempts=1)
    found = next_retry([policy, second], "CapacityError: none", 0, 0.0)
    assert found is not None and found.policy_index == 1


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalBackend:
    monkeypatch.setenv(retry.TIME_SCALE_VARIABLE, "0")
    state = tmp_path / "state"
    seed_all(state, tmp_path)
    return LocalBackend(state)


def _with_policy(policy: dict[str, object]) -> str:
    definition = json.loads(chain_pipeline())
    definition["Steps"][0]["RetryPolicies"] = [policy]
    return json.dumps(definition)


CAPACITY = {
    "ExceptionType": ["SageMaker.CAPACITY_ERROR"],
    "IntervalSeconds": 1,
    "BackoffRate": 2.0,
    "MaxAttempts": 3,
}


def test_a_covered_failure_is_retried_until_it_succeeds(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(retry.FAULTS_VARIABLE, "Prep:CapacityError:2")
    arn = run_pipeline(backend, "retrying", _with_policy(CAPACITY))
    assert backend.describe_execution(arn).status == "Succeeded"
    prep = next(s for s in backend.list_steps(arn) if s.name == "Prep")
    assert (prep.status, prep.attempt) == ("Succeeded", 3)
    first, second = (_log(backend, arn, "Prep", n) for n in (1, 2))
    assert "failed: CapacityError: injected by SMPIPE_FAULTS (attempt 1 of 2)" in first
    assert "SageMaker.CAPACITY_ERROR: retry 1 by RetryPolicies[0] in 1s (attempt 2)" in first
    assert "SageMaker.CAPACITY_ERROR: retry 2 by RetryPolicies[0] in 2s (attempt 3)" in second


def _log(backend: LocalBackend, arn: str, step: str, attempt: int) -> str:
    return backend.home.log_path(arn.rsplit("/", 1)[1], step, attempt).read_text()


def test_retries_stop_at_max_attempts(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(retry.FAULTS_VARIABLE, "Prep:CapacityError:9")
    arn = run_pipeline(backend, "retrying", _with_policy({**CAPACITY, "MaxAttempts": 2}))
    assert backend.describe_execution(arn).status == "Failed"
    prep = next(s for s in backend.list_steps(arn) if s.name == "Prep")
    assert (prep.status, prep.attempt) == ("Failed", 3)  # the first try and two retries
    assert (prep.failure_reason or "").startswith("CapacityError: injected")


def test_a_failure_outside_the_policy_types_is_not_retried(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(retry.FAULTS_VARIABLE, "Prep:InternalServerError:1")
    arn = run_pipeline(backend, "retrying", _with_policy(CAPACITY))
    prep = next(s for s in backend.list_steps(arn) if s.name == "Prep")
    assert (prep.status, prep.attempt) == ("Failed", 1)
    assert backend.describe_execution(arn).status == "Failed"


def test_a_failure_is_classified_by_the_first_word_of_its_reason() -> None:
    assert classify(" CapacityError : padded") == "SageMaker.CAPACITY_ERROR"
    assert classify("CapacityError") == "SageMaker.CAPACITY_ERROR"  # no message at all
    assert classify("InternalServerError: a: b") == "SageMaker.JOB_INTERNAL_ERROR"
    assert classify("Throttling: slow down") == "Step.THROTTLING"
    assert classify("Capacity Error: two words") is None
    assert classify("") is None


def test_policies_are_read_from_a_definition_step() -> None:
    step = {
        "RetryPolicies": [
            {"ExceptionType": "Step.THROTTLING"},
            {
                "ExceptionType": ["SageMaker.CAPACITY_ERROR", "Step.SERVICE_FAULT"],
                "IntervalSeconds": 5,
                "BackoffRate": 1.5,
                "MaxAttempts": 4,
                "ExpireAfterMin": 30,
            },
            {"MaxAttempts": 0},
        ]
    }
    assert retry.policies_of(step) == [
        Policy(("Step.THROTTLING",), 1.0, 2.0, None, None),
        Policy(("SageMaker.CAPACITY_ERROR", "Step.SERVICE_FAULT"), 5.0, 1.5, 4, 30.0),
        Policy((), 1.0, 2.0, 0, None),
    ]
    assert retry.policies_of({}) == []
    assert retry.policies_of({"RetryPolicies": None}) == []


def test_next_retry_at_the_limits() -> None:
    reason = "CapacityError: none"
    capped = Policy(("SageMaker.CAPACITY_ERROR",), interval_seconds=10, max_attempts=2)
    assert next_retry([capped], reason, 1, 0.0) == retry.Retry("SageMaker.CAPACITY_ERROR", 20, 0)
    assert next_retry([capped], reason, 2, 0.0) is None
    assert next_retry([Policy(("SageMaker.CAPACITY_ERROR",), max_attempts=0)], reason, 0, 0) is None
    # ExpireAfterMin bounds the first attempt's start to the retry's, inclusive.
    timed = Policy(("SageMaker.CAPACITY_ERROR",), interval_seconds=10, expire_after_min=2)
    assert next_retry([timed], reason, 0, 110.0) == retry.Retry("SageMaker.CAPACITY_ERROR", 10, 0)
    assert next_retry([timed], reason, 0, 110.5) is None
    assert next_retry([timed], reason, 1, 100.0) == retry.Retry("SageMaker.CAPACITY_ERROR", 20, 0)
    assert next_retry([timed], reason, 1, 100.5) is None
    # The first policy that covers the type decides, even when it allows no more retries.
    again = Policy(("SageMaker.CAPACITY_ERROR",), max_attempts=5)
    assert next_retry([capped, again], reason, 2, 0.0) is None
    other = Policy(("Step.THROTTLING",), max_attempts=5)
    assert next_retry([other, again], reason, 0, 0.0) == retry.Retry(
        "SageMaker.CAPACITY_ERROR", 1.0, 1
    )
    assert next_retry([other], reason, 0, 0.0) is None
    assert next_retry([again], "AlgorithmError: exit 1", 0, 0.0) is None


def test_a_retry_plan_counts_its_retries_and_times_them_from_the_first_attempt() -> None:
    reason = "CapacityError: none"
    plan = retry.RetryPlan([Policy(("SageMaker.CAPACITY_ERROR",), 2, 3, max_attempts=2)])
    assert (plan.retries, plan.decision) == (0, None)
    assert plan.decide(reason) == retry.Retry("SageMaker.CAPACITY_ERROR", 2, 0)
    assert plan.decide(reason) == retry.Retry("SageMaker.CAPACITY_ERROR", 6, 0)
    assert plan.retries == 2
    assert plan.decide(reason) is None
    assert (plan.retries, plan.decision) == (2, None)
    assert plan.decide("AlgorithmError: exit 1") is None

    timed = retry.RetryPlan([Policy(("SageMaker.CAPACITY_ERROR",), 1, 1, expire_after_min=1)])
    assert timed.decide(reason) is not None
    timed.started -= 59.5  # the first attempt started just under a minute ago
    assert timed.decide(reason) is None
    assert timed.retries == 1


@pytest.mark.parametrize(
    ("value", "scale"), [(None, 1.0), ("0", 0.0), ("0.25", 0.25), ("-3", 0.0), ("fast", 1.0)]
)
def test_the_time_scale_of_the_waits(
    monkeypatch: pytest.MonkeyPatch, value: str | None, scale: float
) -> None:
    if value is None:
        monkeypatch.delenv(retry.TIME_SCALE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(retry.TIME_SCALE_VARIABLE, value)
    assert retry.time_scale() == scale


def test_injected_faults_by_step_and_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(retry.FAULTS_VARIABLE, raising=False)
    assert retry.injected_fault("A", 1) is None
    monkeypatch.setenv(retry.FAULTS_VARIABLE, "A:CapacityError:2, B:Throttling,C,D:Kind:x,AB:X:5")
    assert [retry.injected_fault("A", n) for n in (1, 2, 3)] == [
        "CapacityError: injected by SMPIPE_FAULTS (attempt 1 of 2)",
        "CapacityError: injected by SMPIPE_FAULTS (attempt 2 of 2)",
        None,
    ]
    assert [retry.injected_fault("B", n) for n in (1, 2)] == [
        "Throttling: injected by SMPIPE_FAULTS (attempt 1 of 1)",
        None,
    ]
    assert retry.injected_fault("C", 1) is None  # no kind: not a fault
    assert retry.injected_fault("D", 1) == "Kind: injected by SMPIPE_FAULTS (attempt 1 of 1)"
    assert retry.injected_fault("D", 2) is None
    assert retry.injected_fault("E", 1) is None
    monkeypatch.setenv(retry.FAULTS_VARIABLE, "B:X:1,A:Later:3")  # the first that names A
    assert retry.injected_fault("A", 3) == "Later: injected by SMPIPE_FAULTS (attempt 3 of 3)"
