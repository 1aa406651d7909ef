"""History and execution documents as AWS's testing SDK hands them to a test.

`runner.get_execution_history(arn)` answers a `GetDurableExecutionHistoryResponse` whose
`events` are `Event`s with snake_case fields (`event.event_type`, `event.name`,
`event.callback_started_details.callback_id`), read from the same JSON the history API
returns. Each `*_details` is an `EventDetails`: the wire object's keys in snake_case as
attributes, nested objects likewise (`details.result.payload`), and `to_dict()` for the
wire form.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from perdure._model import ErrorObject, OperationStatus
from perdure.testing.exceptions import InvalidParameterValueException


class EventType(Enum):
    """The history's event types (the `EventType` member of an event)."""

    EXECUTION_STARTED = "ExecutionStarted"
    EXECUTION_SUCCEEDED = "ExecutionSucceeded"
    EXECUTION_FAILED = "ExecutionFailed"
    EXECUTION_TIMED_OUT = "ExecutionTimedOut"
    EXECUTION_STOPPED = "ExecutionStopped"
    CONTEXT_STARTED = "ContextStarted"
    CONTEXT_SUCCEEDED = "ContextSucceeded"
    CONTEXT_FAILED = "ContextFailed"
    WAIT_STARTED = "WaitStarted"
    WAIT_SUCCEEDED = "WaitSucceeded"
    WAIT_CANCELLED = "WaitCancelled"
    STEP_STARTED = "StepStarted"
    STEP_SUCCEEDED = "StepSucceeded"
    STEP_FAILED = "StepFailed"
    CHAINED_INVOKE_STARTED = "ChainedInvokeStarted"
    CHAINED_INVOKE_SUCCEEDED = "ChainedInvokeSucceeded"
    CHAINED_INVOKE_FAILED = "ChainedInvokeFailed"
    CHAINED_INVOKE_TIMED_OUT = "ChainedInvokeTimedOut"
    CHAINED_INVOKE_STOPPED = "ChainedInvokeStopped"
    CALLBACK_STARTED = "CallbackStarted"
    CALLBACK_SUCCEEDED = "CallbackSucceeded"
    CALLBACK_FAILED = "CallbackFailed"
    CALLBACK_TIMED_OUT = "CallbackTimedOut"
    INVOCATION_COMPLETED = "InvocationCompleted"


TERMINAL_STATUSES: set[OperationStatus] = {
    OperationStatus.SUCCEEDED,
    OperationStatus.FAILED,
    OperationStatus.TIMED_OUT,
    OperationStatus.STOPPED,
    OperationStatus.CANCELLED,
}

LATEST_PUBLISHED_QUALIFIER = "$LATEST.PUBLISHED"


def executed_version(qualifier: str | None) -> str:
    """The version an invocation of `qualifier` reports: a number or $LATEST.PUBLISHED as
    given, anything else (none, $LATEST, an alias) as $LATEST."""
    if qualifier is not None and (qualifier.isdigit() or qualifier == LATEST_PUBLISHED_QUALIFIER):
        return qualifier
    return "$LATEST"


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


def _timestamp(value: Any) -> datetime.datetime | None:
    """A wire timestamp (epoch seconds, or ISO text) as an aware datetime."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.datetime.fromtimestamp(float(value), tz=datetime.UTC)


def _epoch(value: datetime.datetime | None) -> float | None:
    return None if value is None else value.timestamp()


class EventDetails:
    """One `...Details` object of an event (or an object nested in it), read-only."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)
        for key, value in data.items():
            setattr(self, _snake(key), _wrap(value))

    def __getattr__(self, name: str) -> Any:
        # A field the event does not carry reads as None, as AWS's optional fields do.
        if name.startswith("_"):
            raise AttributeError(name)
        return None

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventDetails) and other._data == self._data

    def __hash__(self) -> int:
        return hash(repr(sorted(self._data)))

    def __repr__(self) -> str:
        return f"EventDetails({self._data!r})"


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return EventDetails(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


_DETAILS = (
    "ExecutionStarted",
    "ExecutionSucceeded",
    "ExecutionFailed",
    "ExecutionTimedOut",
    "ExecutionStopped",
    "ContextStarted",
    "ContextSucceeded",
    "ContextFailed",
    "WaitStarted",
    "WaitSucceeded",
    "WaitCancelled",
    "StepStarted",
    "StepSucceeded",
    "StepFailed",
    "ChainedInvokeStarted",
    "ChainedInvokeSucceeded",
    "ChainedInvokeFailed",
    "ChainedInvokeTimedOut",
    "ChainedInvokeStopped",
    "CallbackStarted",
    "CallbackSucceeded",
    "CallbackFailed",
    "CallbackTimedOut",
    "InvocationCompleted",
)


@dataclass(frozen=True)
class Event:
    """One history event (the Smithy model's `Event`)."""

    event_type: str
    event_timestamp: datetime.datetime
    sub_type: str | None = None
    event_id: int = 1
    operation_id: str | None = None
    name: str | None = None
    parent_id: str | None = None
    execution_started_details: EventDetails | None = None
    execution_succeeded_details: EventDetails | None = None
    execution_failed_details: EventDetails | None = None
    execution_timed_out_details: EventDetails | None = None
    execution_stopped_details: EventDetails | None = None
    context_started_details: EventDetails | None = None
    context_succeeded_details: EventDetails | None = None
    context_failed_details: EventDetails | None = None
    wait_started_details: EventDetails | None = None
    wait_succeeded_details: EventDetails | None = None
    wait_cancelled_details: EventDetails | None = None
    step_started_details: EventDetails | None = None
    step_succeeded_details: EventDetails | None = None
    step_failed_details: EventDetails | None = None
    chained_invoke_started_details: EventDetails | None = None
    chained_invoke_succeeded_details: EventDetails | None = None
    chained_invoke_failed_details: EventDetails | None = None
    chained_invoke_timed_out_details: EventDetails | None = None
    chained_invoke_stopped_details: EventDetails | None = None
    callback_started_details: EventDetails | None = None
    callback_succeeded_details: EventDetails | None = None
    callback_failed_details: EventDetails | None = None
    callback_timed_out_details: EventDetails | None = None
    invocation_completed_details: EventDetails | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        details = {
            f"{_snake(kind)}_details": EventDetails(data[f"{kind}Details"])
            for kind in _DETAILS
            if isinstance(data.get(f"{kind}Details"), Mapping)
        }
        if "EventType" not in data:
            raise InvalidParameterValueException("An event needs an EventType")
        when = _timestamp(data.get("EventTimestamp"))
        return cls(
            event_type=data["EventType"],
            event_timestamp=when or datetime.datetime.fromtimestamp(0, tz=datetime.UTC),
            sub_type=data.get("SubType"),
            event_id=int(data.get("EventId", 1)),
            operation_id=data.get("Id"),
            name=data.get("Name"),
            parent_id=data.get("ParentId"),
            **details,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "EventType": self.event_type,
            "EventTimestamp": _epoch(self.event_timestamp),
            "EventId": self.event_id,
        }
        for key, value in (
            ("SubType", self.sub_type),
            ("Id", self.operation_id),
            ("Name", self.name),
            ("ParentId", self.parent_id),
        ):
            if value is not None:
                out[key] = value
        for kind in _DETAILS:
            details = getattr(self, f"{_snake(kind)}_details")
            if details is not None:
                out[f"{kind}Details"] = details.to_dict()
        return out


@dataclass(frozen=True)
class GetDurableExecutionHistoryResponse:
    """A page (or, from a runner, all) of an execution's history."""

    events: list[Event]
    next_marker: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GetDurableExecutionHistoryResponse:
        return cls(
            events=[Event.from_dict(e) for e in data.get("Events", [])],
            next_marker=data.get("NextMarker"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Events": [e.to_dict() for e in self.events]}
        if self.next_marker is not None:
            out["NextMarker"] = self.next_marker
        return out


@dataclass(frozen=True)
class GetDurableExecutionResponse:
    """One execution as GetDurableExecution describes it."""

    durable_execution_arn: str
    durable_execution_name: str
    function_arn: str
    status: str
    start_timestamp: datetime.datetime
    input_payload: str | None = None
    result: str | None = None
    error: ErrorObject | None = None
    end_timestamp: datetime.datetime | None = None
    version: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GetDurableExecutionResponse:
        raw_error = data.get("Error")
        error = None
        if isinstance(raw_error, Mapping) and raw_error:
            trace = raw_error.get("StackTrace")
            error = ErrorObject(
                message=raw_error.get("ErrorMessage"),
                type=raw_error.get("ErrorType"),
                data=raw_error.get("ErrorData"),
                stack_trace=list(trace) if trace is not None else None,
            )
        started = _timestamp(data.get("StartTimestamp"))
        return cls(
            durable_execution_arn=data["DurableExecutionArn"],
            durable_execution_name=data["DurableExecutionName"],
            function_arn=data["FunctionArn"],
            status=data["Status"],
            start_timestamp=started or datetime.datetime.fromtimestamp(0, tz=datetime.UTC),
            input_payload=data.get("InputPayload"),
            result=data.get("Result"),
            error=error,
            end_timestamp=_timestamp(data.get("EndTimestamp")),
            version=data.get("Version"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "DurableExecutionArn": self.durable_execution_arn,
            "DurableExecutionName": self.durable_execution_name,
            "FunctionArn": self.function_arn,
            "Status": self.status,
            "StartTimestamp": self.start_timestamp,
        }
        optional: dict[str, Any] = {
            "InputPayload": self.input_payload,
            "Result": self.result,
            "EndTimestamp": self.end_timestamp,
            "Version": self.version,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.error is not None:
            error = {
                "ErrorMessage": self.error.message,
                "ErrorType": self.error.type,
                "ErrorData": self.error.data,
                "StackTrace": self.error.stack_trace,
            }
            out["Error"] = {k: v for k, v in error.items() if v is not None}
        return out


__all__ = [
    "LATEST_PUBLISHED_QUALIFIER",
    "TERMINAL_STATUSES",
    "Event",
    "EventDetails",
    "EventType",
    "GetDurableExecutionHistoryResponse",
    "GetDurableExecutionResponse",
    "executed_version",
]
