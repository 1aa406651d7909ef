"""Outside systems settling callbacks, and child executions settling chained invokes."""

from __future__ import annotations

import dataclasses

from perdure._engine import history as h
from perdure._engine.draft import Draft
from perdure._engine.lifecycle import wake
from perdure._model import (
    TERMINAL_EXECUTION_STATUSES,
    ChainedInvokeDetails,
    ErrorObject,
    EventType,
    Operation,
    OperationStatus,
)
from perdure._model.state import ExecutionState, TimerKind, Transition
from perdure.errors import CallbackTimeoutApiError, InvalidParameterValueError


def _open_callback(state: ExecutionState, op_id: str) -> Operation:
    op = state.ops.get(op_id)
    if state.record.execution.status in TERMINAL_EXECUTION_STATUSES:
        raise InvalidParameterValueError(
            "The callback's execution has already ended; it accepts no more callback results"
        )
    if op is None or op.callback_details is None:
        raise InvalidParameterValueError("The callback id does not name a callback operation")
    if op.status is OperationStatus.TIMED_OUT:
        raise CallbackTimeoutApiError("The callback has timed out")
    if op.status is not OperationStatus.STARTED:
        raise InvalidParameterValueError(
            f"The callback has already completed ({op.status.value}); each callback accepts "
            "one result"
        )
    return op


def _settle(draft: Draft, op: Operation) -> None:
    draft.cancel_timer(op.operation_id, TimerKind.CALLBACK_TIMEOUT)
    draft.cancel_timer(op.operation_id, TimerKind.CALLBACK_HEARTBEAT)
    wake(draft)


def callback_success(
    state: ExecutionState, op_id: str, payload: str | None, now: int
) -> Transition:
    op = _open_callback(state, op_id)
    assert op.callback_details is not None
    draft = Draft(state, now)
    new = dataclasses.replace(
        op,
        status=OperationStatus.SUCCEEDED,
        end_timestamp=now,
        callback_details=dataclasses.replace(op.callback_details, result=payload or None),
    )
    draft.put(new)
    draft.event(EventType.CALLBACK_SUCCEEDED, {"Result": h.result_member(payload or None)}, new)
    _settle(draft, new)
    return draft.finish()


def callback_failure(
    state: ExecutionState, op_id: str, error: ErrorObject | None, now: int
) -> Transition:
    op = _open_callback(state, op_id)
    assert op.callback_details is not None
    draft = Draft(state, now)
    error = error or ErrorObject()
    new = dataclasses.replace(
        op,
        status=OperationStatus.FAILED,
        end_timestamp=now,
        callback_details=dataclasses.replace(op.callback_details, error=error),
    )
    draft.put(new)
    draft.event(EventType.CALLBACK_FAILED, {"Error": h.error_member(error)}, new)
    _settle(draft, new)
    return draft.finish()


def callback_heartbeat(
    state: ExecutionState, op_id: str, heartbeat_seconds: int, now: int
) -> Transition:
    """A heartbeat only pushes the heartbeat deadline; it records no event."""
    _open_callback(state, op_id)
    draft = Draft(state, now)
    if heartbeat_seconds > 0:
        draft.set_timer(op_id, TimerKind.CALLBACK_HEARTBEAT, now + heartbeat_seconds * 1000)
    return draft.finish()


_INVOKE_OUTCOMES = {
    "SUCCEEDED": (OperationStatus.SUCCEEDED, EventType.CHAINED_INVOKE_SUCCEEDED),
    "FAILED": (OperationStatus.FAILED, EventType.CHAINED_INVOKE_FAILED),
    "TIMED_OUT": (OperationStatus.TIMED_OUT, EventType.CHAINED_INVOKE_TIMED_OUT),
    "STOPPED": (OperationStatus.STOPPED, EventType.CHAINED_INVOKE_STOPPED),
}


def settle_chained_invoke(
    state: ExecutionState,
    op_id: str,
    status: str,
    result: str | None,
    error: ErrorObject | None,
    now: int,
) -> Transition | None:
    op = state.ops.get(op_id)
    if op is None or op.status is not OperationStatus.STARTED:
        return None
    if state.record.execution.status in TERMINAL_EXECUTION_STATUSES:
        return None
    op_status, event_type = _INVOKE_OUTCOMES[status]
    if status == "TIMED_OUT" and error is not None:
        error = ErrorObject(message=error.message, type="ChainedInvoke.Timeout")
    draft = Draft(state, now)
    details = dataclasses.replace(
        op.chained_invoke_details or ChainedInvokeDetails(),
        result=result if op_status is OperationStatus.SUCCEEDED else None,
        error=error if op_status is not OperationStatus.SUCCEEDED else None,
    )
    new = dataclasses.replace(
        op, status=op_status, end_timestamp=now, chained_invoke_details=details
    )
    draft.put(new)
    if op_status is OperationStatus.SUCCEEDED:
        draft.event(event_type, {"Result": h.result_member(result)}, new)
    else:
        draft.event(event_type, {"Error": h.error_member(error)}, new)
    wake(draft)
    return draft.finish()
