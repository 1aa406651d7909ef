"""History events (`GetDurableExecutionHistory`) in the shape the conformance suite matches.

The suite treats a missing key as a mismatch even when it expects `{}`, and an unnamed
operation must have no `Name` at all (testing-and-conformance §4.1). Hence:

* `Id`, `Name`, `ParentId` and `SubType` appear only when set, never as null or `""`;
* the `<EventType>Details` member is always present, `{}` when the event has none;
* `InvocationCompleted` never carries `Id`, `Name`, `ParentId` or `SubType`: it belongs to
  the execution, not to an operation.

The model stores details already in wire form (`perdure._model.Event`), with every member
whose key ends in `Timestamp` holding epoch ms at any depth; this module only converts
those timestamps to the transport's unit and applies the execution-data rule.
"""

from __future__ import annotations

from typing import Any

from perdure._model import Event, EventType
from perdure._wire.timestamps import TimeUnit, parse_timestamp, render_timestamp
from perdure._wire.validation import (
    check_enum,
    check_int,
    opt_object,
    opt_str,
    require_object,
    required,
)

# Members of a details object that wrap execution data as {Payload, Truncated}:
# EventInput, EventResult, EventError, and EventPauseReason / EventResumeReason.
DATA_MEMBERS = frozenset({"Input", "Result", "Error", "Reason"})

_OPERATION_KEYS = (("Id", "operation_id"), ("Name", "name"), ("ParentId", "parent_id"))


def details_key(event_type: EventType) -> str:
    """The member that holds an event's details, e.g. `StepSucceededDetails`."""
    return f"{event_type.value}Details"


def event_to_json(
    ev: Event, *, include_data: bool = True, time_unit: TimeUnit = "s"
) -> dict[str, Any]:
    """One `Event` of the history API.

    `time_unit` applies to `EventTimestamp` and to every nested `*Timestamp` member.

    With `include_data=False` (the API's `IncludeExecutionData=false`), each data member
    of the details (`Input`, `Result`, `Error`, `Reason`) that holds a `Payload` loses it
    and gets `Truncated: true`; the member itself stays, so the details keep the shape the
    model requires. A data member without a `Payload` is left as it is: nothing was
    withheld, so it is not marked truncated.
    """
    out: dict[str, Any] = {
        "EventType": ev.event_type.value,
        "EventId": ev.event_id,
        "EventTimestamp": render_timestamp(ev.timestamp, time_unit),
    }
    if ev.event_type is not EventType.INVOCATION_COMPLETED:
        for key, attr in _OPERATION_KEYS:
            value = getattr(ev, attr)
            if value:
                out[key] = value
        if ev.sub_type:
            out["SubType"] = ev.sub_type
    details = _render_details(ev.details, time_unit)
    if not include_data:
        _withhold_data(details)
    out[details_key(ev.event_type)] = details
    return out


def event_from_json(d: object, *, time_unit: TimeUnit = "s", path: str = "Event") -> Event:
    """Inverse of `event_to_json` with `include_data=True`. Nested `*Timestamp` members
    are read in `time_unit` (or ISO-8601) and stored as epoch ms."""
    obj = require_object(d, path)
    event_type = check_enum(
        EventType, required(obj, "EventType", path, "the event type"), f"{path}.EventType"
    )
    event_id = check_int(required(obj, "EventId", path, "an integer >= 1"), f"{path}.EventId", lo=1)
    timestamp = parse_timestamp(
        required(obj, "EventTimestamp", path, "when the event happened"),
        time_unit,
        field=f"{path}.EventTimestamp",
    )
    key = details_key(event_type)
    details = opt_object(obj, key, path) or {}
    return Event(
        event_id=event_id,
        event_type=event_type,
        timestamp=timestamp,
        details=_parse_details(details, time_unit, f"{path}.{key}"),
        operation_id=opt_str(obj, "Id", path),
        name=opt_str(obj, "Name", path),
        parent_id=opt_str(obj, "ParentId", path),
        sub_type=opt_str(obj, "SubType", path),
    )


def _render_details(value: dict[str, Any], unit: TimeUnit) -> dict[str, Any]:
    # A deep copy: the model's dict must not change under the caller.
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key.endswith("Timestamp") and isinstance(item, int) and not isinstance(item, bool):
            out[key] = render_timestamp(item, unit)
        else:
            out[key] = _render_value(item, unit)
    return out


def _render_value(value: Any, unit: TimeUnit) -> Any:
    if isinstance(value, dict):
        return _render_details(value, unit)
    if isinstance(value, list):
        return [_render_value(item, unit) for item in value]
    return value


def _parse_details(value: dict[str, Any], unit: TimeUnit, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key.endswith("Timestamp") and item is not None:
            out[key] = parse_timestamp(item, unit, field=f"{path}.{key}")
        elif isinstance(item, dict):
            out[key] = _parse_details(item, unit, f"{path}.{key}")
        elif isinstance(item, list):
            out[key] = [
                _parse_details(x, unit, f"{path}.{key}[{i}]") if isinstance(x, dict) else x
                for i, x in enumerate(item)
            ]
        else:
            out[key] = item
    return out


def _withhold_data(details: dict[str, Any]) -> None:
    for key in DATA_MEMBERS:
        member = details.get(key)
        if isinstance(member, dict) and "Payload" in member:
            del member["Payload"]
            member["Truncated"] = True
