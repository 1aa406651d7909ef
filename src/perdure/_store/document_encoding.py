"""How history events and operation documents are encoded at rest: compact arrays.

A one-step execution writes five history events and two operation documents, and in
the API's JSON shape they were most of its stored bytes: every document repeated its
key names, its event type and details member spelled out, its 13-digit timestamps and
the execution's id. At rest each is now a JSON array of values in a fixed order:

* event: `[type, time, details, id, name, parent, sub_type]`;
* operation: `[type, status, start, end, details, name, parent, sub_type]`;

where `type` is a small number from a fixed, append-only table (or the type's name,
for a type the table lacks), every time is in milliseconds after the execution's start
(the row's `start_ms`, which never changes), an id equal to the execution's id is `1`,
a name equal to the id is `1`, an absent string is `0` (an absent end `null`), and
trailing absent strings are left out. In an event's details a data member that was not withheld,
`{"Truncated": false, "Payload": "..."}`, is its payload string alone, and a top-level
`*Timestamp` is relative like the others. The operation's id is its row's key, and the
execution's operation refers to the row's input (`1`) rather than holding it again.

Documents written before (JSON objects, `{`...) still read: decoding tells them apart by
their first character. Decoding gives back exactly the `Event` and `Operation` the old
encoding gave, so histories are unchanged on the wire, byte for byte; `perdure db copy`
moves the stored text as it is, with the `start_ms` and id it is relative to.
"""

from __future__ import annotations

import json
from typing import Any

from perdure._model import Event, EventType, Operation, OperationStatus, OperationType
from perdure._wire.events import DATA_MEMBERS, event_from_json, event_to_json
from perdure._wire.operations import operation_from_json, operation_to_json

# Append-only: a stored number means the type at that place for ever.
_EVENT_TYPES: tuple[EventType, ...] = (
    EventType.EXECUTION_STARTED,
    EventType.EXECUTION_SUCCEEDED,
    EventType.EXECUTION_FAILED,
    EventType.EXECUTION_TIMED_OUT,
    EventType.EXECUTION_STOPPED,
    EventType.EXECUTION_PAUSED,
    EventType.EXECUTION_RESUMED,
    EventType.CONTEXT_STARTED,
    EventType.CONTEXT_SUCCEEDED,
    EventType.CONTEXT_FAILED,
    EventType.WAIT_STARTED,
    EventType.WAIT_SUCCEEDED,
    EventType.WAIT_CANCELLED,
    EventType.STEP_STARTED,
    EventType.STEP_SUCCEEDED,
    EventType.STEP_FAILED,
    EventType.CHAINED_INVOKE_STARTED,
    EventType.CHAINED_INVOKE_SUCCEEDED,
    EventType.CHAINED_INVOKE_FAILED,
    EventType.CHAINED_INVOKE_TIMED_OUT,
    EventType.CHAINED_INVOKE_STOPPED,
    EventType.CALLBACK_STARTED,
    EventType.CALLBACK_SUCCEEDED,
    EventType.CALLBACK_FAILED,
    EventType.CALLBACK_TIMED_OUT,
    EventType.INVOCATION_COMPLETED,
)
_EVENT_CODES = {event_type: code for code, event_type in enumerate(_EVENT_TYPES)}
_OPERATION_TYPES: tuple[str, ...] = tuple(
    t.value
    for t in (
        OperationType.EXECUTION,
        OperationType.CONTEXT,
        OperationType.STEP,
        OperationType.WAIT,
        OperationType.CALLBACK,
        OperationType.CHAINED_INVOKE,
    )
)
_OPERATION_STATUSES: tuple[str, ...] = tuple(
    s.value
    for s in (
        OperationStatus.STARTED,
        OperationStatus.PENDING,
        OperationStatus.READY,
        OperationStatus.SUCCEEDED,
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.TIMED_OUT,
        OperationStatus.STOPPED,
    )
)
_OPERATION_TYPE_CODES = {value: code for code, value in enumerate(_OPERATION_TYPES)}
_OPERATION_STATUS_CODES = {value: code for code, value in enumerate(_OPERATION_STATUSES)}
# The members of an operation's JSON shape held in the array's own places.
_OPERATION_HEAD = frozenset(
    {"Id", "Type", "Status", "StartTimestamp", "EndTimestamp", "Name", "ParentId", "SubType"}
)
_SAME = 1  # "equal to the execution's id" (an id), "equal to the id" (a name)
_ABSENT = 0

_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_decode = json.JSONDecoder().decode


def _trimmed(values: list[Any], keep: int) -> list[Any]:
    """`values` without the absent strings at its end (the first `keep` always stay)."""
    end = len(values)
    while end > keep and values[end - 1] == _ABSENT:
        end -= 1
    return values[:end]


def _is_time(key: str, value: Any) -> bool:
    return key.endswith("Timestamp") and type(value) is int


def encode_event(ev: Event, execution_id: str, start_ms: int) -> str:
    """`ev` at rest (see the module doc)."""
    details: dict[str, Any] = {}
    for key, value in ev.details.items():
        if key in DATA_MEMBERS:
            if not isinstance(value, dict):
                # Would read back as a payload: keep this one in the API's shape.
                return _encode(event_to_json(ev, time_unit="ms"))
            if (
                len(value) == 2
                and value.get("Truncated") is False
                and type(value.get("Payload")) is str
                and next(iter(value)) == "Truncated"
            ):
                value = value["Payload"]
        elif _is_time(key, value):
            value -= start_ms
        details[key] = value
    code: int | str = _EVENT_CODES.get(ev.event_type, ev.event_type.value)
    if ev.event_type is EventType.INVOCATION_COMPLETED:
        return _encode([code, ev.timestamp - start_ms, details])
    op_id = ev.operation_id or None
    name = ev.name or None
    return _encode(
        _trimmed(
            [
                code,
                ev.timestamp - start_ms,
                details,
                _SAME if op_id is not None and op_id == execution_id else op_id or _ABSENT,
                _SAME if name is not None and name == op_id else name or _ABSENT,
                ev.parent_id or _ABSENT,
                ev.sub_type or _ABSENT,
            ],
            3,
        )
    )


def decode_event(doc: str, event_id: int, execution_id: str, start_ms: int) -> Event:
    """The event stored as `doc` under `event_id`, in either encoding."""
    if doc[0] == "{":
        return event_from_json(_decode(doc), time_unit="ms")
    values = _decode(doc)
    code = values[0]
    event_type = _EVENT_TYPES[code] if type(code) is int else EventType(code)
    details: dict[str, Any] = values[2]
    for key, value in details.items():
        if key in DATA_MEMBERS:
            if type(value) is str:
                details[key] = {"Truncated": False, "Payload": value}
        elif _is_time(key, value):
            details[key] = value + start_ms
    values += [_ABSENT] * (7 - len(values))
    _, time, _, op_id, name, parent_id, sub_type = values
    if op_id == _SAME:
        op_id = execution_id
    if name == _SAME:
        name = op_id
    return Event(
        event_id=event_id,
        event_type=event_type,
        timestamp=time + start_ms,
        details=details,
        operation_id=op_id or None,
        name=name or None,
        parent_id=parent_id or None,
        sub_type=sub_type or None,
    )


def encode_op(op: Operation, start_ms: int, input_payload: str | None) -> str:
    """`op` at rest (see the module doc); its id is the row's key. The execution's
    operation holding the execution's `input_payload` (its row's `input`) holds `1`
    in its place: an input is stored once, not once more per copy."""
    shape = operation_to_json(op, time_unit="ms")
    details = {key: value for key, value in shape.items() if key not in _OPERATION_HEAD}
    ex = op.execution_details
    if ex is not None and ex.input_payload is not None and ex.input_payload == input_payload:
        details["ExecutionDetails"] = _SAME
    end = shape.get("EndTimestamp")
    name = shape.get("Name")
    return _encode(
        _trimmed(
            [
                _OPERATION_TYPE_CODES.get(shape["Type"], shape["Type"]),
                _OPERATION_STATUS_CODES.get(shape["Status"], shape["Status"]),
                shape["StartTimestamp"] - start_ms,
                None if end is None else end - start_ms,
                details,
                _SAME if name == op.operation_id else _ABSENT if name is None else name,
                shape.get("ParentId", _ABSENT),
                shape.get("SubType", _ABSENT),
            ],
            5,
        )
    )


def decode_op(doc: str, op_id: str, start_ms: int, input_payload: str | None) -> Operation:
    """The operation stored as `doc` under `op_id`, in either encoding; `input_payload`
    is the execution's input."""
    if doc[0] == "{":
        return operation_from_json(_decode(doc), time_unit="ms")
    values = _decode(doc)
    values += [_ABSENT] * (8 - len(values))
    op_type, status, start, end, details, name, parent_id, sub_type = values
    shape: dict[str, Any] = {"Id": op_id}
    # Strings as stored ("" included); the numbers 0 (absent) and 1 (the id) are not.
    if type(parent_id) is str:
        shape["ParentId"] = parent_id
    if type(name) is int and name == _SAME:
        shape["Name"] = op_id
    elif type(name) is str:
        shape["Name"] = name
    shape["Type"] = _OPERATION_TYPES[op_type] if type(op_type) is int else op_type
    if type(sub_type) is str:
        shape["SubType"] = sub_type
    shape["StartTimestamp"] = start + start_ms
    if end is not None:
        shape["EndTimestamp"] = end + start_ms
    shape["Status"] = _OPERATION_STATUSES[status] if type(status) is int else status
    shape.update(details)
    if shape.get("ExecutionDetails") == _SAME:
        shape["ExecutionDetails"] = {"InputPayload": input_payload}
    return operation_from_json(shape, time_unit="ms")


def stored_event_json(doc: str, event_id: int, execution_id: str, start_ms: int) -> dict[str, Any]:
    """A stored event in the API's JSON shape (times in ms), for tools that read the
    database directly rather than through a store."""
    return event_to_json(decode_event(doc, event_id, execution_id, start_ms), time_unit="ms")
