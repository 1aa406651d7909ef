"""The invocation-input types read and write both of AWS's dictionary forms the way
AWS's SDK 3.0.0 does (the event's epoch milliseconds, boto3's datetimes)."""

from __future__ import annotations

from typing import Any

import pytest

from perdure.execution import (
    DurableExecutionInvocationInput,
    DurableExecutionInvocationInputWithClient,
    InitialExecutionState,
)

aws_execution = pytest.importorskip("aws_durable_execution_sdk_python.execution")

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/i"
EVENT: dict[str, Any] = {
    "DurableExecutionArn": ARN,
    "CheckpointToken": "tok",
    "InitialExecutionState": {
        "Operations": [
            {"Id": "e1", "Type": "EXECUTION", "Status": "STARTED",
             "StartTimestamp": 1700000000123, "ExecutionDetails": {"InputPayload": "{}"}},
            {"Id": "s1", "ParentId": "e1", "Name": "charge", "Type": "STEP", "SubType": "Step",
             "Status": "SUCCEEDED", "StartTimestamp": 1700000000123,
             "EndTimestamp": 1700000001000, "StepDetails": {"Attempt": 1, "Result": "1"}},
            {"Id": "w1", "Type": "WAIT", "SubType": "Wait", "Status": "STARTED",
             "StartTimestamp": 1700000000123,
             "WaitDetails": {"ScheduledEndTimestamp": 1700000005000}},
        ],
        "NextMarker": "m",
    },
    "UpdatedOperationIds": ["s1"],
}  # fmt: skip


def test_the_event_form_round_trips_as_on_aws() -> None:
    ours = DurableExecutionInvocationInput.from_json_dict(EVENT)
    theirs = aws_execution.DurableExecutionInvocationInput.from_json_dict(EVENT)
    assert ours.to_json_dict() == theirs.to_json_dict() == EVENT
    assert ours.updated_operation_ids == ["s1"]
    assert ours.initial_execution_state.next_marker == "m"


def test_the_boto3_form_carries_datetimes_as_on_aws() -> None:
    theirs = aws_execution.DurableExecutionInvocationInput.from_json_dict(EVENT).to_dict()
    ours = DurableExecutionInvocationInput.from_json_dict(EVENT).to_dict()
    assert ours == theirs
    assert DurableExecutionInvocationInput.from_dict(theirs).to_json_dict() == EVENT


def test_the_initial_state_alone_round_trips() -> None:
    state = EVENT["InitialExecutionState"]
    assert InitialExecutionState.from_json_dict(state).to_json_dict() == state
    theirs = aws_execution.InitialExecutionState.from_json_dict(state).to_dict()
    assert InitialExecutionState.from_dict(theirs).to_dict() == theirs


def test_a_client_can_be_attached_to_a_parsed_input() -> None:
    parsed = DurableExecutionInvocationInput.from_json_dict(EVENT)
    client = object()
    with_client = DurableExecutionInvocationInputWithClient.from_durable_execution_invocation_input(
        parsed,
        client,  # type: ignore[arg-type]
    )
    assert with_client.service_client is client
    assert with_client.to_json_dict() == EVENT
