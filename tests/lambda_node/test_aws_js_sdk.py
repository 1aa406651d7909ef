"""Durable functions written with AWS's JavaScript SDK (`@aws/durable-execution-sdk-js`
from npm, unmodified) run on Perdure: Perdure starts `node` on its own runtime, serves
it the Lambda Runtime API, and the SDK checkpoints over HTTP to Perdure's API with the
AWS SDK for JavaScript's Lambda client. The history they leave is the one the service
records for any handler."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perdure._runtime.lambda_function import LambdaFunction
from perdure._service import callbacks, queries
from tests.lambda_runtime.support import Served, event_types, serving


def node_function(handlers: Path, name: str, handler: str, timeout: float = 60) -> LambdaFunction:
    return LambdaFunction(
        name, handler, timeout_seconds=timeout, runtime="nodejs20.x", task_root=str(handlers)
    )


def _callback_started(n: int) -> Any:
    def done(events: list[dict[str, Any]]) -> bool:
        return event_types(events).count("CallbackStarted") >= n

    return done


def _callback_ids(events: list[dict[str, Any]]) -> list[str]:
    return [
        str(e["CallbackStartedDetails"]["CallbackId"])
        for e in events
        if e["EventType"] == "CallbackStarted"
    ]


def _named(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(str(e["EventType"]), e.get("Name")) for e in events]


def test_every_durable_operation_of_an_unmodified_javascript_handler_is_recorded(
    tmp_path: Path, handlers_dir: Path
) -> None:
    fns = [
        node_function(handlers_dir, "order", "order.handler"),
        node_function(handlers_dir, "greeter", "greeter.handler"),
    ]
    with serving(tmp_path, fns) as served:
        arn = served.start("order", {"items": ["ab", "cde"], "customer": "Ann"})
        events = served.wait_until(arn, _callback_started(1))
        callbacks.send_success(served.app.ctx, _callback_ids(events)[0], b'"yes"')
        events = served.wait_until(arn, _callback_started(2))
        callbacks.send_success(served.app.ctx, _callback_ids(events)[1], b'"boxed"')
        events = served.wait_for_end(arn)
        execution = queries.get_execution(served.app.ctx, arn)

    assert execution.status.value == "SUCCEEDED", json.dumps(events, indent=1)[-3000:]
    assert json.loads(execution.result or "") == {
        "reservation": {"reserved": ["ab", "cde"], "attempt": 2},
        "approved": '"yes"',  # a callback's result is the raw text sent, as on AWS
        "packed": '"boxed"',
        "polled": {"checks": 2},
        "total": 50,
        "checks": ["fraud-ok", "stock-ok"],
        "shipped": "label-2-sent",
        "greeting": "thank you, Ann",
        "remainingMsPositive": True,
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
    assert failed["Error"]["Payload"]["ErrorMessage"] == "inventory busy on attempt 1"
    assert failed["RetryDetails"] == {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1}
    expected = [
        ("WaitStarted", "cool-off"),
        ("WaitSucceeded", "cool-off"),
        ("CallbackStarted", "approval"),
        ("StepSucceeded", "request-approval"),
        ("CallbackSucceeded", "approval"),
        ("ContextStarted", "packing"),
        ("ContextSucceeded", "packing"),
        ("StepSucceeded", "stock-arrived"),
        ("ContextStarted", "prices"),
        ("StepSucceeded", "price-ab"),
        ("StepSucceeded", "price-cde"),
        ("ContextSucceeded", "map-item-0"),
        ("ContextSucceeded", "map-item-1"),
        ("ContextSucceeded", "prices"),
        ("ContextStarted", "checks"),
        ("StepSucceeded", "fraud"),
        ("ContextSucceeded", "parallel-branch-0"),
        ("ContextSucceeded", "parallel-branch-1"),
        ("ContextSucceeded", "checks"),
        ("StepSucceeded", "label"),
        ("StepSucceeded", "dispatch"),
        ("ContextSucceeded", "shipping"),
        ("ChainedInvokeStarted", "thank"),
        ("ChainedInvokeSucceeded", "thank"),
        ("ExecutionSucceeded", None),
    ]
    positions = [named.index(e) if e in named else -1 for e in expected]
    assert -1 not in positions, [e for e, p in zip(expected, positions, strict=True) if p < 0]
    order = [("ContextSucceeded", "packing"), ("StepSucceeded", "stock-arrived")]
    order += [("ContextSucceeded", "prices"), ("ContextSucceeded", "checks")]
    order += [("ContextSucceeded", "shipping"), ("ChainedInvokeSucceeded", "thank")]
    assert [named.index(e) for e in order] == sorted(named.index(e) for e in order)
    # waitForCallback: a child context holding the callback and its submitter step.
    packing = [
        e for e in events if e.get("ParentId") == _id_of(events, "ContextStarted", "packing")
    ]
    assert {e["EventType"] for e in packing} >= {"CallbackStarted", "StepSucceeded"}
    # waitForCondition: a step checked until the strategy stops it (two checks, a delay
    # between them).
    polls = [e for e in events if e.get("Name") == "stock-arrived"]
    assert [e["EventType"] for e in polls].count("StepStarted") == 2
    assert json.loads(polls[-1]["StepSucceededDetails"]["Result"]["Payload"]) == {"checks": 2}
    invoked = next(e for e in events if e["EventType"] == "ChainedInvokeStarted")
    assert invoked["ChainedInvokeStartedDetails"]["FunctionName"] == "greeter"
    # Every invocation ended with its own InvocationCompleted, none of them failed.
    completed = [e for e in events if e["EventType"] == "InvocationCompleted"]
    assert len(completed) >= 5  # retry, wait, two callbacks, invoke (more as timing goes)
    assert not [e for e in completed if "Error" in e["InvocationCompletedDetails"]]


def _id_of(events: list[dict[str, Any]], event_type: str, name: str) -> str:
    return str(
        next(e["Id"] for e in events if (e["EventType"], e.get("Name")) == (event_type, name))
    )


def _failed_invocations(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e["InvocationCompletedDetails"]["Error"]["Payload"]
        for e in events
        if e["EventType"] == "InvocationCompleted" and "Error" in e["InvocationCompletedDetails"]
    ]


def _run_to_end(served: Served, name: str) -> tuple[str, list[dict[str, Any]]]:
    arn = served.start(name, {})
    events = served.wait_for_end(arn, timeout=90)
    execution = queries.get_execution(served.app.ctx, arn)
    assert execution.status.value == "SUCCEEDED", json.dumps(events, indent=1)[-3000:]
    return execution.result or "", events


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("misbehave.exits", "Runtime.ExitError", "exit status 3"),
        ("misbehave.hangs", "Sandbox.Timedout", "Task timed out after 3.00 seconds"),
        ("misbehave.throws", "Error", "the first invocation fails"),
        ("misbehave.uncaught", "Error", "escaped from a timer"),
    ],
)
def test_a_javascript_handler_that_crashes_hangs_or_throws_is_retried_and_the_server_lives_on(
    tmp_path: Path, handlers_dir: Path, handler: str, error_type: str, message: str
) -> None:
    what = handler.partition(".")[2]
    fns = [node_function(handlers_dir, what, handler, timeout=3)]
    with serving(tmp_path, fns) as served:
        result, events = _run_to_end(served, what)
        # The server lives on: the same function runs again, to the end, at once.
        again, _ = _run_to_end(served, what)

    assert json.loads(result) == f"survived: {what}"
    assert json.loads(again) == f"survived: {what}"
    failures = _failed_invocations(events)
    assert len(failures) == 1, failures
    assert failures[0]["ErrorType"] == error_type
    assert message in failures[0]["ErrorMessage"]
    # The step before the failure ran once: the retry replayed it from its checkpoint
    # (the function that throws first does so before any step).
    assert [e["EventType"] for e in events].count("StepSucceeded") == 2
