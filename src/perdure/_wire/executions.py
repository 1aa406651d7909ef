"""The control plane's answers as documents: `GetDurableExecution`,
`GetDurableExecutionHistory`, `ListDurableExecutionsByFunction`, `StopDurableExecution`
and `DeleteDurableExecution`.

The HTTP API renders its bodies with these and the embedded client returns them as they
are, so both transports hand `perdure.client` the same document for the same execution.
They go over HTTP, so timestamps are epoch seconds. `FunctionArn` is not stored: it is
derived from the execution ARN (the qualified function ARN up to and including the
version), which keeps the two from ever disagreeing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from perdure._model import Event, Execution, ExecutionStatus
from perdure._model.durable_config import DurableConfig
from perdure._wire.arns import function_arn_of
from perdure._wire.durable_config import durable_config_to_json
from perdure._wire.events import event_to_json
from perdure._wire.operations import error_to_json
from perdure._wire.timestamps import render_timestamp
from perdure._wire.validation import check_enum
from perdure.errors import InvalidParameterValueError

MAX_MARKER_DIGITS = 12

# Statuses whose GetDurableExecution response carries `Error` (reference §4.2).
ERROR_STATUSES = frozenset(
    {ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.STOPPED}
)


def execution_to_json(ex: Execution, *, include_data: bool = True) -> dict[str, Any]:
    """The `GetDurableExecution` response body.

    `Result` is sent only for SUCCEEDED and `Error` only for FAILED, TIMED_OUT and STOPPED,
    whatever the record holds. With `include_data=False` (`IncludeExecutionData=false`)
    `InputPayload`, `Result` and `Error` are all left out, since the model marks each of
    them as execution data; `ExecutionDataIncluded` tells the caller which case it got.
    """
    out: dict[str, Any] = {
        "DurableExecutionArn": ex.arn,
        "DurableExecutionName": ex.name,
        "FunctionArn": function_arn_of(ex.arn),
    }
    if include_data:
        if ex.input_payload is not None:
            out["InputPayload"] = ex.input_payload
        if ex.status is ExecutionStatus.SUCCEEDED and ex.result is not None:
            out["Result"] = ex.result
        if ex.status in ERROR_STATUSES and ex.error is not None:
            out["Error"] = error_to_json(ex.error)
    out["StartTimestamp"] = render_timestamp(ex.start_timestamp, "s")
    out["Status"] = ex.status.value
    if ex.end_timestamp is not None:
        out["EndTimestamp"] = render_timestamp(ex.end_timestamp, "s")
    out["Version"] = ex.version
    out["ExecutionDataIncluded"] = include_data
    # The function's config as it was when the execution started, which it keeps.
    out["DurableConfig"] = durable_config_to_json(
        DurableConfig(ex.execution_timeout, ex.retention_days)
    )
    return out


def execution_summary_to_json(ex: Execution) -> dict[str, Any]:
    """One item of `ListDurableExecutionsByFunction`'s `DurableExecutions` (shape `Execution`)."""
    out: dict[str, Any] = {
        "DurableExecutionArn": ex.arn,
        "DurableExecutionName": ex.name,
        "FunctionArn": function_arn_of(ex.arn),
        "Status": ex.status.value,
        "StartTimestamp": render_timestamp(ex.start_timestamp, "s"),
    }
    if ex.end_timestamp is not None:
        out["EndTimestamp"] = render_timestamp(ex.end_timestamp, "s")
    return out


class PauseRecord(Protocol):
    """The pause in force, as the service reads it from the ExecutionPaused event."""

    @property
    def requested_at(self) -> int: ...  # epoch ms

    @property
    def reason(self) -> str | None: ...

    @property
    def timeout_paused(self) -> bool: ...


def execution_document(
    ex: Execution, pause: PauseRecord | None, *, include_data: bool = True
) -> dict[str, Any]:
    """The `GetDurableExecution` response body, with `PauseDetails` while paused."""
    doc = execution_to_json(ex, include_data=include_data)
    if pause is not None:
        details: dict[str, Any] = {
            "PauseRequestTimestamp": render_timestamp(pause.requested_at, "s"),
            "ExecutionTimeoutPaused": pause.timeout_paused,
        }
        if pause.reason is not None:
            details["Reason"] = pause.reason
        doc["PauseDetails"] = details
    return doc


def history_document(
    events: Iterable[Event], next_marker: str | None, *, include_data: bool = True
) -> dict[str, Any]:
    """The `GetDurableExecutionHistory` response body."""
    doc: dict[str, Any] = {
        "Events": [event_to_json(ev, include_data=include_data, time_unit="s") for ev in events]
    }
    if next_marker:
        doc["NextMarker"] = next_marker
    return doc


def executions_page_document(rows: Iterable[Execution], next_offset: int | None) -> dict[str, Any]:
    """The `ListDurableExecutionsByFunction` response body; the marker is the offset of
    the next page."""
    doc: dict[str, Any] = {"DurableExecutions": [execution_summary_to_json(ex) for ex in rows]}
    if next_offset is not None:
        doc["NextMarker"] = str(next_offset)
    return doc


def list_offset(marker: str | None) -> int:
    """The offset a `ListDurableExecutionsByFunction` marker stands for (0 for none)."""
    if marker is None:
        return 0
    if not marker.isdigit() or len(marker) > MAX_MARKER_DIGITS:
        raise InvalidParameterValueError(
            "Invalid Marker: pass the NextMarker of the previous page unchanged."
        )
    return int(marker)


def list_statuses(values: Sequence[object]) -> list[ExecutionStatus]:
    """The `Statuses` filter of `ListDurableExecutionsByFunction`."""
    return [check_enum(ExecutionStatus, value, "Statuses") for value in values]


def stop_document(ex: Execution, now: int) -> dict[str, Any]:
    """The `StopDurableExecution` response body: when it ended (`now` if it has not)."""
    when = ex.end_timestamp if ex.end_timestamp is not None else now
    return {"StopTimestamp": render_timestamp(when, "s")}


def deletion_document(requested_at: int) -> dict[str, Any]:
    """The `DeleteDurableExecution` response body."""
    return {"DeletionRequestTimestamp": render_timestamp(requested_at, "s")}
