"""AWS Lambda handlers, written with AWS's durable SDK and left unchanged, run on Perdure
through the Lambda-style invoker: their SDK checkpoints over HTTP to the API, and the
history they leave is the one the service records for any handler."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perdure._service import callbacks, queries
from tests.lambda_runtime.support import Served, event_types, function, serving


@pytest.fixture(autouse=True)
def attempts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the misbehaving handlers count their attempts (in their environment)."""
    folder = tmp_path / "attempts"
    monkeypatch.setenv("ATTEMPTS_DIR", str(folder))
    return folder


def _callback_started(n: int) -> Any:
    def done(events: list[dict[str, Any]]) -> bool:
        return event_types(events).count("CallbackStarted") >= n

    return done


def _callback_id(events: list[dict[str, Any]], name: str) -> str:
    started = [e for e in events if e["EventType"] == "CallbackStarted" and e["Name"] == name]
    return str(started[-1]["CallbackStartedDetails"]["CallbackId"])


def _named(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(str(e["EventType"]), e.get("Name")) for e in events]


def test_every_durable_operation_of_an_unmodified_aws_handler_is_recorded(
    tmp_path: Path,
) -> None:
    fns = [function("order", "order"), function("greeter", "greeter")]
    with serving(tmp_path, fns) as served:
        arn = served.start("order", {"items": ["ab", "cde"], "customer": "Ann"})
        events = served.wait_until(arn, _callback_started(1))
        callbacks.send_success(served.app.ctx, _callback_id(events, "approval"), b'"yes"')
        events = served.wait_until(arn, _callback_started(2))
        callbacks.send_success(
            served.app.ctx, _callback_id(events, "packing create callback id"), b'"boxed"'
        )
        events = served.wait_for_end(arn)
        execution = queries.get_execution(served.app.ctx, arn)

    assert execution.status.value == "SUCCEEDED", json.dumps(events, indent=1)[-3000:]
    assert json.loads(execution.result or "") == {
        "reservation": {"reserved": ["ab", "cde"], "attempt": 2},
        "approved": '"yes"',  # a callback's result is the raw text sent, as on AWS
        "packed": '"boxed"',
        "total": 50,
        "checks": ["fraud-ok", "stock-ok"],
        "shipped": "label-2-sent",
        "greeting": "thank you, Ann",
        "remaining_ms_positive": True,
    }
    named = _named(events)
    # The step failed once and was retried after its delay, in a second invocation.
    assert named[1:6] == [
        ("StepStarted", "reserve"),
        ("StepFailed", "reserve"),
        ("InvocationCompleted", None),
        ("StepStarted", "reserve"),
        ("StepSucceeded", "reserve"),
    ]
    failed = events[2]["StepFailedDetails"]
    assert failed["Error"]["Payload"]["ErrorType"] == "ConnectionError"
    assert failed["RetryDetails"]["NextAttemptDelaySeconds"] == 1
    for expected in [
        ("WaitStarted", "cool-off"),
        ("WaitSucceeded", "cool-off"),
        ("CallbackStarted", "approval"),
        ("CallbackSucceeded", "approval"),
        ("ContextStarted", "packing"),
        ("CallbackStarted", "packing create callback id"),
        ("StepSucceeded", "packing submitter"),
        ("ContextSucceeded", "packing"),
        ("ContextStarted", "prices"),
        ("ContextSucceeded", "map-item-0"),
        ("ContextSucceeded", "map-item-1"),
        ("ContextSucceeded", "prices"),
        ("ContextStarted", "checks"),
        ("ContextSucceeded", "parallel-branch-0"),
        ("ContextSucceeded", "parallel-branch-1"),
        ("ContextSucceeded", "checks"),
        ("StepSucceeded", "label"),
        ("StepSucceeded", "dispatch"),
        ("ContextSucceeded", "shipping"),
        ("ChainedInvokeStarted", "thank"),
        ("ChainedInvokeSucceeded", "thank"),
        ("ExecutionSucceeded", None),
    ]:
        assert expected in named, expected
    positions = [
        named.index(e)
        for e in [("ContextSucceeded", "prices"), ("ChainedInvokeSucceeded", "thank")]
    ]
    assert positions == sorted(positions)
    # Every invocation ended with its own InvocationCompleted, none of them failed.
    completed = [e for e in events if e["EventType"] == "InvocationCompleted"]
    assert len(completed) >= 5
    assert not [e for e in completed if "Error" in e["InvocationCompletedDetails"]]
    invoked = next(e for e in events if e["EventType"] == "ChainedInvokeStarted")
    assert invoked["ChainedInvokeStartedDetails"]["FunctionName"] == "greeter"


def _failed_invocations(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e["InvocationCompletedDetails"]["Error"]["Payload"]
        for e in events
        if e["EventType"] == "InvocationCompleted" and "Error" in e["InvocationCompletedDetails"]
    ]


def _succeeds_after_one_failure(served: Served, function_name: str) -> dict[str, Any]:
    arn = served.start(function_name, {})
    events = served.wait_for_end(arn)
    execution = queries.get_execution(served.app.ctx, arn)
    assert execution.status.value == "SUCCEEDED", json.dumps(events, indent=1)[-3000:]
    failures = _failed_invocations(events)
    assert len(failures) == 1, failures
    return failures[0]


def test_a_handler_process_that_exits_mid_invocation_is_a_failed_invocation_that_is_retried(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, [function("crashes", "crashes_once")]) as served:
        failure = _succeeds_after_one_failure(served, "crashes")
        assert failure["ErrorType"] == "Runtime.ExitError"
        assert "exit status 3" in failure["ErrorMessage"]
        # The server lives on, and a new process serves the next execution.
        again = served.start("crashes", {})
        served.wait_for_end(again)
        assert queries.get_execution(served.app.ctx, again).status.value == "SUCCEEDED"


def test_a_handler_that_hangs_past_its_timeout_is_killed_and_retried(tmp_path: Path) -> None:
    with serving(tmp_path, [function("hangs", "hangs_once", timeout=2)]) as served:
        failure = _succeeds_after_one_failure(served, "hangs")
    assert failure["ErrorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in failure["ErrorMessage"]


def test_an_error_raised_by_the_handler_is_a_function_error_that_is_retried(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, [function("raises", "raises_once")]) as served:
        failure = _succeeds_after_one_failure(served, "raises")
    assert failure["ErrorType"] == "RuntimeError"
    assert failure["ErrorMessage"] == "the first invocation fails"
