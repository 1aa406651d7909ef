"""boto3 against the control-plane operations: stop, pause, resume, delete, and the
callback results outside systems send."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.coverage import covers
from tests.api.server import Served
from tests.api.test_boto3 import (
    UNKNOWN_ARN,
    callback_id,
    error_code,
    events,
    invocations_completed,
    start,
    status_of,
    wait_for,
)


def event_types(client: Any, arn: str) -> list[str]:
    return [str(e["EventType"]) for e in events(client, arn)]


@covers("StopDurableExecution")
def test_stop_records_the_error_and_ends_the_execution(served: Served) -> None:
    client = served.client()
    arn = start(client, "waits-a-day", {})
    wait_for(lambda: invocations_completed(client, arn) == 1)
    stopped = client.stop_durable_execution(
        DurableExecutionArn=arn, Error={"ErrorMessage": "operator said so", "ErrorType": "Manual"}
    )
    assert isinstance(stopped["StopTimestamp"], dt.datetime)
    got = client.get_durable_execution(DurableExecutionArn=arn)
    assert got["Status"] == "STOPPED"
    assert got["Error"] == {"ErrorMessage": "operator said so", "ErrorType": "Manual"}
    again = client.stop_durable_execution(DurableExecutionArn=arn)
    assert again["StopTimestamp"] == stopped["StopTimestamp"]
    with pytest.raises(ClientError) as caught:
        client.stop_durable_execution(DurableExecutionArn=UNKNOWN_ARN)
    assert error_code(caught) == "ResourceNotFoundException"


@covers("PauseDurableExecution", "ResumeDurableExecution", "SendDurableExecutionCallbackSuccess")
def test_pause_holds_invocations_until_resume(served: Served) -> None:
    client = served.client()
    arn = start(client, "awaits-callback", {})
    cb = callback_id(client, arn)
    wait_for(lambda: invocations_completed(client, arn) == 1)
    client.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    paused = client.get_durable_execution(DurableExecutionArn=arn)
    assert paused["Status"] == "PAUSED"
    assert paused["PauseDetails"]["Reason"] == "maintenance"
    assert paused["PauseDetails"]["ExecutionTimeoutPaused"] is True
    assert isinstance(paused["PauseDetails"]["PauseRequestTimestamp"], dt.datetime)
    client.pause_durable_execution(DurableExecutionArn=arn)  # again: no change, no error

    # Callbacks still complete while paused, but the handler does not run.
    client.send_durable_execution_callback_success(CallbackId=cb, Result=b"ok")
    wait_for(lambda: "CallbackSucceeded" in event_types(client, arn))
    assert served.app.dispatcher.wait_idle(5)
    assert status_of(client, arn) == "PAUSED"
    assert invocations_completed(client, arn) == 1

    client.resume_durable_execution(DurableExecutionArn=arn, Reason="done")
    wait_for(lambda: status_of(client, arn) == "SUCCEEDED")
    got = client.get_durable_execution(DurableExecutionArn=arn)
    assert json.loads(got["Result"]) == "approved: ok"
    assert "PauseDetails" not in got
    history = events(client, arn)
    types = [e["EventType"] for e in history]
    assert types.index("ExecutionPaused") < types.index("ExecutionResumed")
    paused_ev = history[types.index("ExecutionPaused")]["ExecutionPausedDetails"]
    assert paused_ev["Reason"] == {"Payload": "maintenance", "Truncated": False}
    assert isinstance(paused_ev["PauseRequestTimestamp"], dt.datetime)
    resumed_ev = history[types.index("ExecutionResumed")]["ExecutionResumedDetails"]
    assert resumed_ev["Reason"] == {"Payload": "done", "Truncated": False}

    with pytest.raises(ClientError) as caught:
        client.pause_durable_execution(DurableExecutionArn=arn)
    assert error_code(caught) == "ResourceConflictException"
    with pytest.raises(ClientError) as caught:
        client.resume_durable_execution(DurableExecutionArn=arn)
    assert error_code(caught) == "ResourceConflictException"


def test_a_paused_execution_can_be_stopped(served: Served) -> None:
    client = served.client()
    arn = start(client, "waits-a-day", {})
    wait_for(lambda: invocations_completed(client, arn) == 1)
    client.pause_durable_execution(DurableExecutionArn=arn, ExecutionTimeoutPaused=False)
    assert status_of(client, arn) == "PAUSED"
    client.stop_durable_execution(DurableExecutionArn=arn)
    assert status_of(client, arn) == "STOPPED"


@covers("DeleteDurableExecution")
def test_delete_only_ended_executions(served: Served) -> None:
    client = served.client()
    arn = start(client, "waits-a-day", {})
    with pytest.raises(ClientError) as caught:
        client.delete_durable_execution(DurableExecutionArn=arn)
    assert error_code(caught) == "ResourceConflictException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    client.stop_durable_execution(DurableExecutionArn=arn)
    deleted = client.delete_durable_execution(DurableExecutionArn=arn)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert isinstance(deleted["DeletionRequestTimestamp"], dt.datetime)
    for call in (client.get_durable_execution, client.get_durable_execution_history):
        with pytest.raises(ClientError) as caught:
            call(DurableExecutionArn=arn)
        assert error_code(caught) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as caught:
        client.delete_durable_execution(DurableExecutionArn=arn)
    assert error_code(caught) == "ResourceNotFoundException"


@covers("SendDurableExecutionCallbackFailure")
def test_callback_failure_fails_the_waiting_handler(served: Served) -> None:
    client = served.client()
    arn = start(client, "awaits-callback", {})
    cb = callback_id(client, arn)
    client.send_durable_execution_callback_failure(
        CallbackId=cb, Error={"ErrorMessage": "rejected", "ErrorType": "Rejected"}
    )
    wait_for(lambda: status_of(client, arn) == "FAILED")
    failed = [e for e in events(client, arn) if e["EventType"] == "CallbackFailed"]
    assert failed[0]["CallbackFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == "rejected"
    with pytest.raises(ClientError) as caught:
        client.send_durable_execution_callback_failure(CallbackId=cb, Error={})
    assert error_code(caught) == "InvalidParameterValueException"


@covers("SendDurableExecutionCallbackHeartbeat")
def test_heartbeats_keep_a_callback_alive_until_it_times_out(served: Served) -> None:
    client = served.client()
    arn = start(client, "awaits-callback", {"heartbeat": 1})
    cb = callback_id(client, arn)
    client.send_durable_execution_callback_heartbeat(CallbackId=cb)
    wait_for(lambda: "CallbackTimedOut" in event_types(client, arn), timeout=5)
    with pytest.raises(ClientError) as caught:
        client.send_durable_execution_callback_heartbeat(CallbackId=cb)
    assert error_code(caught) in ("CallbackTimeoutException", "InvalidParameterValueException")
    with pytest.raises(ClientError) as caught:
        client.send_durable_execution_callback_heartbeat(CallbackId="bm8tc3VjaC1jYWxsYmFjaw==")
    assert error_code(caught) == "ResourceNotFoundException"
