from __future__ import annotations

import json
from typing import Any

import pytest

from perdure._model import (
    ErrorObject,
    InvocationInput,
    InvocationOutput,
    InvocationStatus,
    OperationStatus,
    OperationType,
)
from perdure._wire.envelope import (
    invocation_input_from_json,
    invocation_input_to_json,
    invocation_output_from_json,
    invocation_output_to_json,
)
from perdure.errors import InvalidParameterValueError
from tests.unit.wire.wire_samples import ARN, ERROR, T0, sample_operations

# The real sample from the AWS SDK's tests (reference §3.1), timestamps in epoch ms.
REAL_EVENT = {
    "DurableExecutionArn": ARN,
    "CheckpointToken": "dG9rZW4=",
    "InitialExecutionState": {
        "Operations": [
            {
                "Id": "0a1b2c3d-4e5f",
                "Type": "EXECUTION",
                "Status": "STARTED",
                "StartTimestamp": 1769481309631,
                "Name": "my-exec",
                "ExecutionDetails": {"InputPayload": '{"order":1}'},
            },
            {
                "Id": "abc",
                "Type": "STEP",
                "SubType": "WaitForCondition",
                "Status": "PENDING",
                "StartTimestamp": 1769481309631,
                "StepDetails": {"Attempt": 1, "NextAttemptTimestamp": 1769481369631, "Result": "1"},
            },
        ],
        "NextMarker": "",
    },
    "UpdatedOperationIds": ["abc"],
}


def test_input_round_trips() -> None:
    inp = InvocationInput(ARN, "dG9rZW4=", sample_operations(), "1:100", ["step1", "cb1"])
    wire = json.loads(json.dumps(invocation_input_to_json(inp)))
    assert invocation_input_from_json(wire) == inp


def test_input_shape_and_millisecond_timestamps() -> None:
    inp = InvocationInput(ARN, "dG9rZW4=", sample_operations())
    wire = invocation_input_to_json(inp)
    assert list(wire) == [
        "DurableExecutionArn",
        "CheckpointToken",
        "InitialExecutionState",
        "UpdatedOperationIds",
    ]
    assert wire["InitialExecutionState"]["NextMarker"] == ""  # as the service sends it
    assert wire["UpdatedOperationIds"] == []
    first = wire["InitialExecutionState"]["Operations"][0]
    assert first["StartTimestamp"] == T0 and isinstance(first["StartTimestamp"], int)
    step = wire["InitialExecutionState"]["Operations"][2]
    assert step["StepDetails"]["NextAttemptTimestamp"] == T0 + 60_000
    assert invocation_input_from_json(wire) == inp  # "" reads back as no marker


def test_real_service_event_parses() -> None:
    inp = invocation_input_from_json(REAL_EVENT)
    assert inp.next_marker is None
    assert inp.updated_operation_ids == ["abc"]
    execution, step = inp.operations
    assert execution.operation_type is OperationType.EXECUTION
    assert execution.execution_details is not None
    assert execution.execution_details.input_payload == '{"order":1}'
    assert step.status is OperationStatus.PENDING
    assert step.step_details is not None
    assert step.step_details.next_attempt_timestamp == 1769481369631


def test_optional_envelope_members_may_be_absent() -> None:
    inp = invocation_input_from_json({"DurableExecutionArn": ARN, "CheckpointToken": "dA=="})
    assert inp == InvocationInput(ARN, "dA==", [])


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"hello": "world"}, r"InvocationInput\.DurableExecutionArn is required: .*not a durable"),
        ({"DurableExecutionArn": ARN}, r"InvocationInput\.CheckpointToken is required"),
        (
            {**REAL_EVENT, "InitialExecutionState": {"Operations": {}}},
            r"InitialExecutionState\.Operations must be an array, got object",
        ),
        (
            {**REAL_EVENT, "InitialExecutionState": {"Operations": [{"Id": "x"}]}},
            r"InitialExecutionState\.Operations\[0\]\.Type is required",
        ),
        ({**REAL_EVENT, "UpdatedOperationIds": "abc"}, r"UpdatedOperationIds must be an array"),
    ],
)
def test_bad_input_is_rejected(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        invocation_input_from_json(doc)


@pytest.mark.parametrize(
    ("out", "wire"),
    [
        (
            InvocationOutput(InvocationStatus.SUCCEEDED, result='{"a": 1}'),
            {"Status": "SUCCEEDED", "Result": '{"a": 1}'},
        ),
        (
            InvocationOutput(InvocationStatus.SUCCEEDED, result=""),
            {"Status": "SUCCEEDED", "Result": ""},
        ),
        (InvocationOutput(InvocationStatus.SUCCEEDED), {"Status": "SUCCEEDED"}),
        (
            InvocationOutput(InvocationStatus.FAILED, error=ERROR),
            {
                "Status": "FAILED",
                "Error": {
                    "ErrorMessage": "boom",
                    "ErrorType": "ValueError",
                    "ErrorData": '{"k": 1}',
                    "StackTrace": ["a.py:1", "b.py:2"],
                },
            },
        ),
        (InvocationOutput(InvocationStatus.FAILED), {"Status": "FAILED"}),
        (InvocationOutput(InvocationStatus.PENDING), {"Status": "PENDING"}),
    ],
)
def test_output_shape_and_round_trip(out: InvocationOutput, wire: dict[str, Any]) -> None:
    assert invocation_output_to_json(out) == wire
    assert invocation_output_from_json(wire) == out


def test_empty_error_object_is_kept() -> None:
    out = invocation_output_from_json({"Status": "FAILED", "Error": {}})
    assert out.error == ErrorObject()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("done", r"InvocationOutput must be a JSON object, got string"),
        ({}, r"InvocationOutput\.Status is required: return SUCCEEDED, FAILED or PENDING"),
        ({"Status": "RETRY"}, r"Status must be one of SUCCEEDED, FAILED, PENDING; got 'RETRY'"),
        ({"Status": "SUCCEEDED", "Result": 42}, r"InvocationOutput\.Result must be a string"),
        ({"Status": "FAILED", "Error": "boom"}, r"InvocationOutput\.Error must be a JSON object"),
        ({"Status": "FAILED", "Result": "x"}, r"a FAILED output must not carry a Result"),
        ({"Status": "SUCCEEDED", "Error": {}}, r"a SUCCEEDED output must not carry an Error"),
    ],
)
def test_invalid_output_is_rejected(doc: object, message: str) -> None:
    with pytest.raises(InvalidParameterValueError, match=message):
        invocation_output_from_json(doc)
    with pytest.raises(ValueError):
        invocation_output_from_json(doc)


def test_initial_state_must_be_an_object_when_present() -> None:
    doc = {"DurableExecutionArn": ARN, "CheckpointToken": "dA==", "InitialExecutionState": None}
    assert invocation_input_from_json(doc).operations == []
    with pytest.raises(ValueError, match=r"InitialExecutionState must be a JSON object"):
        invocation_input_from_json({**doc, "InitialExecutionState": []})
