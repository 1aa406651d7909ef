"""Operations rebuilt from an execution's history, for a runner that sees only the API.

A runner pointed at a server reads the history (GetDurableExecutionHistory) as AWS's
cloud runner does, and folds its events, in order, into one operation per id: the first
event sets its type, name and parent, each later one its status, details and end time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from perdure._model import (
    CallbackDetails,
    ChainedInvokeDetails,
    ContextDetails,
    ErrorObject,
    ExecutionDetails,
    Operation,
    OperationStatus,
    OperationType,
    StepDetails,
    WaitDetails,
)

_TYPES = (
    ("ChainedInvoke", OperationType.CHAINED_INVOKE),
    ("Execution", OperationType.EXECUTION),
    ("Context", OperationType.CONTEXT),
    ("Callback", OperationType.CALLBACK),
    ("Step", OperationType.STEP),
    ("Wait", OperationType.WAIT),
)
_STATUSES = {
    "Started": OperationStatus.STARTED,
    "Succeeded": OperationStatus.SUCCEEDED,
    "Failed": OperationStatus.FAILED,
    "TimedOut": OperationStatus.TIMED_OUT,
    "Cancelled": OperationStatus.CANCELLED,
    "Stopped": OperationStatus.STOPPED,
}


def epoch_ms(value: Any) -> int | None:
    """A wire timestamp (epoch seconds as a number, or ISO-8601 text) in epoch ms."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, str):
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return int(parsed.timestamp() * 1000)
    return int(float(value) * 1000)


def _payload(details: Mapping[str, Any], key: str) -> Any:
    member = details.get(key)
    return member.get("Payload") if isinstance(member, Mapping) else None


def _error(details: Mapping[str, Any]) -> ErrorObject | None:
    payload = _payload(details, "Error")
    if not isinstance(payload, Mapping):
        return None
    trace = payload.get("StackTrace")
    return ErrorObject(
        message=payload.get("ErrorMessage"),
        type=payload.get("ErrorType"),
        data=payload.get("ErrorData"),
        stack_trace=list(trace) if trace is not None else None,
    )


def _split(event_type: str) -> tuple[OperationType, OperationStatus] | None:
    for prefix, kind in _TYPES:
        if event_type.startswith(prefix):
            status = _STATUSES.get(event_type[len(prefix) :])
            return (kind, status) if status is not None else None
    return None


def operations_from_history(events: Iterable[Mapping[str, Any]]) -> list[Operation]:
    """The operations an execution's history describes, in the order they started."""
    ops: dict[str, Operation] = {}
    for event in events:
        split = _split(str(event.get("EventType", "")))
        op_id = event.get("Id")
        if split is None or not op_id:
            continue
        kind, status = split
        details = event.get(f"{event['EventType']}Details") or {}
        when = epoch_ms(event.get("EventTimestamp")) or 0
        op = ops.get(op_id) or Operation(
            operation_id=op_id,
            operation_type=kind,
            status=status,
            start_timestamp=when,
            parent_id=event.get("ParentId"),
            name=event.get("Name"),
            sub_type=event.get("SubType"),
        )
        ended = status is not OperationStatus.STARTED
        ops[op_id] = _apply(
            replace(op, status=status, end_timestamp=when if ended else None), kind, details
        )
    return list(ops.values())


def _apply(op: Operation, kind: OperationType, details: Mapping[str, Any]) -> Operation:
    result = _payload(details, "Result")
    error = _error(details)
    if kind is OperationType.EXECUTION:
        input_payload = _payload(details, "Input")
        if input_payload is not None:
            return replace(op, execution_details=ExecutionDetails(input_payload=input_payload))
        return op
    if kind is OperationType.CONTEXT:
        return replace(op, context_details=ContextDetails(result=result, error=error))
    if kind is OperationType.STEP:
        retry = details.get("RetryDetails") or {}
        attempt = int(retry.get("CurrentAttempt", 0) or 0)
        delay = retry.get("NextAttemptDelaySeconds")
        if op.status is OperationStatus.FAILED and delay is not None:
            # a failed attempt that will be retried: the step waits for its next attempt
            next_at = (op.end_timestamp or 0) + int(delay) * 1000
            return replace(
                op,
                status=OperationStatus.PENDING,
                end_timestamp=None,
                step_details=StepDetails(attempt, next_at, None, error),
            )
        previous = op.step_details
        return replace(
            op,
            step_details=StepDetails(
                attempt or (previous.attempt if previous else 0), None, result, error
            ),
        )
    if kind is OperationType.WAIT:
        scheduled = epoch_ms(details.get("ScheduledEndTimestamp"))
        if scheduled is None and op.wait_details is not None:
            scheduled = op.wait_details.scheduled_end_timestamp
        return replace(op, wait_details=WaitDetails(scheduled_end_timestamp=scheduled))
    if kind is OperationType.CALLBACK:
        previous_id = op.callback_details.callback_id if op.callback_details else None
        callback_id = details.get("CallbackId") or previous_id
        return replace(op, callback_details=CallbackDetails(callback_id, result, error))
    return replace(op, chained_invoke_details=ChainedInvokeDetails(result=result, error=error))
