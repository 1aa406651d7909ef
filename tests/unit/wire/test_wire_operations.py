from __future__ import annotations

import json
from typing import Any

import pytest

from perdure._model import (
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepOptions,
    WaitOptions,
)
from perdure._wire.operations import (
    error_from_json,
    error_to_json,
    operation_from_json,
    operation_to_json,
    update_from_json,
    update_to_json,
)
from perdure.errors import InvalidParameterValueError
from tests.unit.wire.wire_samples import ERROR, T0, sample_operations, sample_updates


def _walk(value: Any) -> list[Any]:
    out = [value]
    if isinstance(value, dict):
        for v in value.values():
            out += _walk(v)
    elif isinstance(value, list):
        for v in value:
            out += _walk(v)
    return out


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("unit", ["s", "ms"])
@pytest.mark.parametrize("op", sample_operations(), ids=lambda op: op.operation_id)
def test_operation_round_trips(op: Operation, unit: str) -> None:
    wire = operation_to_json(op, time_unit=unit)  # type: ignore[arg-type]
    assert operation_from_json(json.loads(json.dumps(wire)), time_unit=unit) == op  # type: ignore[arg-type]


@pytest.mark.parametrize("u", sample_updates(), ids=lambda u: f"{u.operation_type}-{u.action}")
def test_update_round_trips(u: OperationUpdate) -> None:
    assert update_from_json(json.loads(json.dumps(update_to_json(u)))) == u


@pytest.mark.parametrize("e", [ERROR, ErrorObject(), ErrorObject(type="X", stack_trace=[])])
def test_error_round_trips(e: ErrorObject) -> None:
    assert error_from_json(error_to_json(e)) == e


def test_nothing_is_ever_null() -> None:
    docs = [operation_to_json(op, time_unit="s") for op in sample_operations()]
    docs += [update_to_json(u) for u in sample_updates()]
    assert all(v is not None for doc in docs for v in _walk(doc))


# ------------------------------------------------------------------------ exact spelling


def test_operation_keys_match_the_api_shape() -> None:
    ops = {op.operation_id: operation_to_json(op, time_unit="s") for op in sample_operations()}
    assert ops["bare"] == {
        "Id": "bare",
        "Type": "STEP",
        "StartTimestamp": T0 / 1000,
        "Status": "STARTED",
    }
    assert ops["step1"] == {
        "Id": "step1",
        "ParentId": "ctx1",
        "Name": "flaky",
        "Type": "STEP",
        "SubType": "Step",
        "StartTimestamp": (T0 + 3) / 1000,
        "Status": "PENDING",
        "StepDetails": {
            "Attempt": 1,
            "NextAttemptTimestamp": (T0 + 60_000) / 1000,
            "Result": "1",
            "Error": {
                "ErrorMessage": "boom",
                "ErrorType": "ValueError",
                "ErrorData": '{"k": 1}',
                "StackTrace": ["a.py:1", "b.py:2"],
            },
        },
    }
    assert ops["0a1b2c3d-4e5f"]["ExecutionDetails"] == {"InputPayload": '{"order": 1}'}
    assert ops["ctx1"]["ContextDetails"] == {"ReplayChildren": True, "Result": "42"}
    assert ops["ctx1"]["EndTimestamp"] == (T0 + 2) / 1000
    assert ops["wait1"]["WaitDetails"] == {"ScheduledEndTimestamp": (T0 + 5_000) / 1000}
    # A failure with no body is an empty Error object, never an invented message.
    assert ops["cb1"]["CallbackDetails"] == {"CallbackId": "Y2IxCg==", "Error": {}}
    assert ops["inv1"]["ChainedInvokeDetails"] == {"Result": '"ok"'}


def test_millisecond_unit_keeps_integers() -> None:
    op = next(o for o in sample_operations() if o.operation_id == "step1")
    wire = operation_to_json(op, time_unit="ms")
    assert wire["StartTimestamp"] == T0 + 3
    assert wire["StepDetails"]["NextAttemptTimestamp"] == T0 + 60_000
    assert all(isinstance(v, int) for k, v in wire.items() if k.endswith("Timestamp"))


def test_update_keys_match_the_api_shape() -> None:
    docs = [update_to_json(u) for u in sample_updates()]
    assert docs[0] == {
        "Id": "ctx1",
        "Name": "child",
        "Type": "CONTEXT",
        "SubType": "RunInChildContext",
        "Action": "START",
    }
    assert docs[1]["ContextOptions"] == {"ReplayChildren": False}
    assert docs[2]["StepOptions"] == {"NextAttemptDelaySeconds": 5}
    assert docs[2]["ParentId"] == "ctx1"
    assert docs[3]["WaitOptions"] == {"WaitSeconds": 31622400}
    assert docs[4]["CallbackOptions"] == {"TimeoutSeconds": 300, "HeartbeatTimeoutSeconds": 0}
    assert docs[5]["ChainedInvokeOptions"] == {
        "FunctionName": "other-fn:1",
        "TenantId": "tenant-1",
        "XAmznTraceId": "Root=1-abc",
    }
    assert docs[6] == {
        "Id": "execution-result-1",
        "Type": "EXECUTION",
        "Action": "FAIL",
        "Error": {},
    }


def test_zero_delay_means_absent() -> None:
    u = OperationUpdate(
        "s",
        OperationType.STEP,
        OperationAction.RETRY,
        step_options=StepOptions(),
        wait_options=WaitOptions(),
    )
    wire = update_to_json(u)
    assert wire["StepOptions"] == {} and wire["WaitOptions"] == {}
    assert update_from_json(wire) == u


def test_operation_reads_iso_timestamps_and_defaults() -> None:
    op = operation_from_json(
        {
            "Id": "x",
            "Type": "STEP",
            "Status": "READY",
            "StartTimestamp": "2025-01-01T00:00:00Z",
            "StepDetails": {},
            "ContextDetails": {},
        },
        time_unit="s",
    )
    assert op.start_timestamp == 1735689600000
    assert op.status is OperationStatus.READY
    assert op.step_details is not None and op.step_details.attempt == 0
    assert op.context_details is not None and op.context_details.replay_children is False


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], r"Operation must be a JSON object, got array"),
        ({"Type": "STEP", "Status": "STARTED", "StartTimestamp": 1}, r"Operation\.Id is required"),
        ({"Id": "x", "Type": "STEP", "Status": "DONE", "StartTimestamp": 1}, "Operation.Status"),
        (
            {"Id": "x", "Type": "STEP", "Status": "STARTED", "StartTimestamp": 1, "StepDetails": 3},
            r"Operation\.StepDetails must be a JSON object, got number",
        ),
        (
            {"Id": "x", "Type": "STEP", "Status": "STARTED", "StartTimestamp": "soon"},
            r"Operation\.StartTimestamp must be an ISO-8601",
        ),
    ],
)
def test_malformed_operations_are_rejected(doc: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        operation_from_json(doc, time_unit="s")


# ------------------------------------------------------------------- update validation

_BASE = {"Id": "op-1_A", "Type": "STEP", "Action": "START"}


def _with(**members: Any) -> dict[str, Any]:
    doc = {**_BASE, **members}
    return {k: v for k, v in doc.items() if v is not None or k not in _BASE}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("x", r"^OperationUpdate must be a JSON object, got string\.$"),
        ({"Type": "STEP", "Action": "START"}, r"OperationUpdate\.Id is required: .*1-64"),
        ({"Id": "a", "Action": "START"}, r"OperationUpdate\.Type is required"),
        ({"Id": "a", "Type": "STEP"}, r"OperationUpdate\.Action is required"),
        (_with(Id=""), r"Id must match \[a-zA-Z0-9_-\]\{1,64\}, got ''"),
        (_with(Id="a b"), r"Id must match .*got 'a b'"),
        (_with(Id="x" * 65), r"Id must match"),
        (_with(Id=7), r"OperationUpdate\.Id must be a string, got number"),
        (
            _with(Type="TASK"),
            r"Type must be one of EXECUTION, CONTEXT, STEP, WAIT, CALLBACK, "
            r"CHAINED_INVOKE; got 'TASK'",
        ),
        (_with(Action="start"), r"Action must be one of START, .*; got 'start'"),
        (_with(ParentId="../x"), r"OperationUpdate\.ParentId must match"),
        (_with(Name="caf\u00e9"), r"Name must match .*non-ASCII names are not accepted"),
        (_with(Name=""), r"Name must match"),
        (_with(Name="n" * 257), r"Name must match"),
        (_with(SubType="Run In Child"), r"SubType must match .*1-32 characters"),
        (_with(SubType="S" * 33), r"SubType must match"),
        (_with(Payload=1), r"Payload must be a string, got number"),
        (_with(Error="boom"), r"OperationUpdate\.Error must be a JSON object, got string"),
        (_with(Error={"StackTrace": "x"}), r"Error\.StackTrace must be an array of strings"),
        (_with(Error={"StackTrace": [1]}), r"Error\.StackTrace\[0\] must be a string"),
        (_with(Error={"ErrorMessage": 5}), r"Error\.ErrorMessage must be a string"),
        (_with(ContextOptions=[]), r"ContextOptions must be a JSON object, got array"),
        (_with(ContextOptions={"ReplayChildren": "yes"}), r"ReplayChildren must be true or false"),
        (
            _with(StepOptions={"NextAttemptDelaySeconds": 0}),
            r"StepOptions\.NextAttemptDelaySeconds must be an integer between 1 and 31622400, "
            r"got 0",
        ),
        (_with(StepOptions={"NextAttemptDelaySeconds": 31622401}), r"between 1 and 31622400"),
        (_with(StepOptions={"NextAttemptDelaySeconds": 1.5}), r"must be an integer, got number"),
        (_with(StepOptions={"NextAttemptDelaySeconds": True}), r"must be an integer, got boolean"),
        (
            _with(WaitOptions={"WaitSeconds": 0}),
            r"WaitOptions\.WaitSeconds must be an integer between 1 and 31622400, got 0",
        ),
        (_with(WaitOptions={"WaitSeconds": -5}), r"got -5"),
        (
            _with(CallbackOptions={"TimeoutSeconds": -1}),
            r"CallbackOptions\.TimeoutSeconds must be an integer between 0 and 99999999",
        ),
        (
            _with(CallbackOptions={"HeartbeatTimeoutSeconds": 100000000}),
            r"HeartbeatTimeoutSeconds must be an integer between 0 and 99999999",
        ),
        (
            _with(Type="CHAINED_INVOKE"),
            r"ChainedInvokeOptions is required for a CHAINED_INVOKE START: .*FunctionName",
        ),
        (
            _with(Type="CHAINED_INVOKE", ChainedInvokeOptions={}),
            r"ChainedInvokeOptions\.FunctionName is required",
        ),
        (_with(ChainedInvokeOptions={"FunctionName": ""}), r"FunctionName must be at least 1"),
        (_with(ChainedInvokeOptions={"FunctionName": "f" * 257}), r"at most 256 characters"),
        (_with(ChainedInvokeOptions={"FunctionName": "f", "TenantId": "a|b"}), r"TenantId must"),
    ],
)
def test_invalid_updates_name_the_field(doc: object, message: str) -> None:
    with pytest.raises(InvalidParameterValueError, match=message):
        update_from_json(doc)


def test_validation_path_prefix_is_configurable() -> None:
    with pytest.raises(InvalidParameterValueError, match=r"^Updates\[3\]\.WaitOptions\.Wait"):
        update_from_json(_with(WaitOptions={"WaitSeconds": 0}), path="Updates[3]")


def test_long_rejected_values_are_abbreviated_in_messages() -> None:
    with pytest.raises(InvalidParameterValueError) as info:
        update_from_json(_with(Id="!" * 5000))
    assert len(info.value.message) < 300


@pytest.mark.parametrize(
    "doc",
    [
        _with(Id="x" * 64, Name=" ~" * 128, SubType="a" * 32, Payload="x" * 6291456),
        _with(StepOptions={"NextAttemptDelaySeconds": 1}, WaitOptions={"WaitSeconds": 31622400}),
        _with(CallbackOptions={"TimeoutSeconds": 0, "HeartbeatTimeoutSeconds": 99999999}),
        _with(CallbackOptions={}),
        _with(Type="CHAINED_INVOKE", Action="CANCEL"),  # options only required on START
        _with(ParentId=None, Name=None, Payload=None, Error=None),  # nulls read as absent
        _with(Unknown="ignored"),
    ],
)
def test_boundary_values_are_accepted(doc: dict[str, Any]) -> None:
    update_from_json(doc)


def test_payload_size_is_left_to_the_service_limits() -> None:
    """The service refuses an oversized payload with the same message in-process and
    over HTTP (`perdure._service.limits`); the wire parser does not judge sizes."""
    assert update_from_json(_with(Payload="x" * 6291457)).payload == "x" * 6291457
