"""What the client hands back: an execution as a value, an error as a value, and the
exceptions a caller may want to catch. (Refusals are `perdure.errors.ApiError`s,
decoded with the table the API encodes them with, `perdure._wire.api_errors`.)

Both transports (HTTP and embedded) speak the Lambda API's JSON shapes, so every value
here is built from those shapes in one place, whichever way it travelled.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})


def decode_payload(raw: str | None) -> Any:
    """A stored payload as a Python value: JSON-decoded, or the text itself when it is
    not JSON (a handler with a custom serdes may store anything)."""
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_epoch_seconds(value: Any) -> _dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return _dt.datetime.fromtimestamp(float(value), tz=_dt.UTC)


@dataclass(frozen=True)
class ErrorDetails:
    """An execution's or callback's error (the wire `ErrorObject`)."""

    type: str | None = None
    message: str | None = None
    data: str | None = None
    stack_trace: tuple[str, ...] | None = None

    @classmethod
    def from_wire(cls, doc: Mapping[str, Any]) -> ErrorDetails:
        trace = doc.get("StackTrace")
        return cls(
            type=doc.get("ErrorType"),
            message=doc.get("ErrorMessage"),
            data=doc.get("ErrorData"),
            stack_trace=tuple(trace) if trace is not None else None,
        )

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.message is not None:
            out["ErrorMessage"] = self.message
        if self.type is not None:
            out["ErrorType"] = self.type
        if self.data is not None:
            out["ErrorData"] = self.data
        if self.stack_trace is not None:
            out["StackTrace"] = list(self.stack_trace)
        return out

    def __str__(self) -> str:
        if self.type and self.message:
            return f"{self.type}: {self.message}"
        return self.type or self.message or "(no details)"


@dataclass(frozen=True)
class Execution:
    """One durable execution as the service last committed it.

    `result` and `input` are the JSON-decoded payloads; `raw_result` and `raw_input`
    the strings the service stored. Executions from `list` carry no payloads or error
    (the list API does not return them); `get` fills them in. `wire` is the API's own
    document, for callers that want every member."""

    arn: str
    name: str
    status: str
    started_at: _dt.datetime
    ended_at: _dt.datetime | None = None
    function_arn: str | None = None
    version: str | None = None
    raw_input: str | None = None
    raw_result: str | None = None
    error: ErrorDetails | None = None
    wire: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, doc: Mapping[str, Any]) -> Execution:
        started = from_epoch_seconds(doc.get("StartTimestamp"))
        error = doc.get("Error")
        return cls(
            arn=str(doc["DurableExecutionArn"]),
            name=str(doc.get("DurableExecutionName", "")),
            status=str(doc["Status"]),
            started_at=started or _dt.datetime.fromtimestamp(0, tz=_dt.UTC),
            ended_at=from_epoch_seconds(doc.get("EndTimestamp")),
            function_arn=doc.get("FunctionArn"),
            version=doc.get("Version"),
            raw_input=doc.get("InputPayload"),
            raw_result=doc.get("Result"),
            error=ErrorDetails.from_wire(error) if isinstance(error, Mapping) else None,
            wire=dict(doc),
        )

    @property
    def function_name(self) -> str:
        """The function's name, read from the ARN (`...:function:<name>:<version>/...`)."""
        head = self.arn.split("/", 1)[0]
        parts = head.split(":")
        return parts[6] if len(parts) > 6 else ""

    @property
    def result(self) -> Any:
        return decode_payload(self.raw_result)

    @property
    def input(self) -> Any:
        return decode_payload(self.raw_input)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def duration(self) -> _dt.timedelta | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


@dataclass(frozen=True)
class Progress:
    """What `wait` reports while it waits: the execution, its newest few history events
    (newest first), and the seconds waited so far."""

    execution: Execution
    recent_events: Sequence[Mapping[str, Any]]
    elapsed: float

    @property
    def latest_event(self) -> Mapping[str, Any] | None:
        return self.recent_events[0] if self.recent_events else None

    @property
    def latest_operation_event(self) -> Mapping[str, Any] | None:
        """The newest event about an operation (not an InvocationCompleted), which says
        what the execution is doing or waiting for."""
        for event in self.recent_events:
            if event.get("EventType") != "InvocationCompleted":
                return event
        return None


class ExecutionFailedError(Exception):
    """`invoke` waited for an execution that ended FAILED, TIMED_OUT or STOPPED."""

    def __init__(self, execution: Execution) -> None:
        detail = f": {execution.error}" if execution.error is not None else ""
        super().__init__(f"Execution {execution.name} ended {execution.status}{detail}")
        self.execution = execution


class ServiceUnavailableError(ConnectionError):
    """The server could not be reached (refused, unresolvable, timed out)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach {url}: {reason}")
        self.url = url
        self.reason = reason
