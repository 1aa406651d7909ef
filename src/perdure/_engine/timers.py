"""Service-owned timers: wait ends, retry readiness, callback timeouts, execution timeout.

A timer firing is an asynchronous change: the handler has not seen it, so the execution
is queued for another invocation (or, if one is running, it is re-invoked when that one
returns). Waits and retries that are already due when a checkpoint arrives are fired
inside that checkpoint, so its response carries them (map and parallel resume branches
in-process on exactly that).
"""

from __future__ import annotations

import dataclasses

from perdure._engine import history as h
from perdure._engine.draft import Draft
from perdure._engine.lifecycle import finish_execution, wake
from perdure._model import (
    TERMINAL_EXECUTION_STATUSES,
    ErrorObject,
    EventType,
    ExecutionStatus,
    OperationStatus,
)
from perdure._model.state import ExecutionState, InvocationState, TimerKind, Transition

CALLBACK_TIMEOUT_ERROR = ErrorObject(message="Callback timed out", type="Callback.Timeout")
HEARTBEAT_TIMEOUT_ERROR = ErrorObject(
    message="Callback timed out on heartbeat", type="Callback.Heartbeat"
)


def fire_due_in_checkpoint(draft: Draft) -> None:
    due = sorted(
        (due_ms, op_id, kind)
        for (op_id, kind), due_ms in draft.state.timers.items()
        if due_ms <= draft.now and kind in (TimerKind.WAIT_END, TimerKind.RETRY_READY)
    )
    for _, op_id, kind in due:
        _fire(draft, op_id, kind)


def fire_timer(state: ExecutionState, op_id: str, kind: TimerKind, now: int) -> Transition | None:
    """Fire one due timer. Returns None when it no longer applies."""
    if state.record.execution.status in TERMINAL_EXECUTION_STATUSES:
        return None
    if (op_id, kind) not in state.timers:
        return None
    draft = Draft(state, now)
    # A timer that no longer applies is only dropped (`_fire` cancels it).
    if _fire(draft, op_id, kind) and kind is not TimerKind.EXECUTION_TIMEOUT:
        wake(draft)
    return draft.finish()


def _fire(draft: Draft, op_id: str, kind: TimerKind) -> bool:
    if kind is TimerKind.EXECUTION_TIMEOUT:
        finish_execution(
            draft,
            ExecutionStatus.TIMED_OUT,
            error=ErrorObject(
                message=(
                    f"Execution timed out after {draft.record.execution.execution_timeout} seconds"
                ),
                type="Execution.Timeout",
            ),
        )
        return True
    op = draft.get(op_id)
    draft.cancel_timer(op_id, kind)
    if op is None:
        return False
    if kind is TimerKind.WAIT_END:
        if op.status is not OperationStatus.STARTED:
            return False
        new = dataclasses.replace(op, status=OperationStatus.SUCCEEDED, end_timestamp=draft.now)
        draft.put(new)
        end = op.wait_details.scheduled_end_timestamp if op.wait_details else None
        duration = round(((end or draft.now) - op.start_timestamp) / 1000)
        draft.event(EventType.WAIT_SUCCEEDED, {"Duration": duration}, new)
        return True
    if kind is TimerKind.RETRY_READY:
        if op.status is not OperationStatus.PENDING or op.step_details is None:
            return False
        details = dataclasses.replace(op.step_details, next_attempt_timestamp=None)
        draft.put(dataclasses.replace(op, status=OperationStatus.READY, step_details=details))
        return True
    # Callback timers.
    if op.status is not OperationStatus.STARTED or op.callback_details is None:
        return False
    error = (
        CALLBACK_TIMEOUT_ERROR if kind is TimerKind.CALLBACK_TIMEOUT else HEARTBEAT_TIMEOUT_ERROR
    )
    new = dataclasses.replace(
        op,
        status=OperationStatus.TIMED_OUT,
        end_timestamp=draft.now,
        callback_details=dataclasses.replace(op.callback_details, error=error),
    )
    draft.put(new)
    draft.cancel_timer(op_id, TimerKind.CALLBACK_TIMEOUT)
    draft.cancel_timer(op_id, TimerKind.CALLBACK_HEARTBEAT)
    draft.event(EventType.CALLBACK_TIMED_OUT, {"Error": h.error_member(error)}, new)
    return True


def next_due(state: ExecutionState) -> int | None:
    """When this execution next has work for a dispatcher: its earliest timer, or its
    queued invocation's time; None when it has neither."""
    due = min(state.timers.values(), default=None)
    rec = state.record
    if rec.invocation is InvocationState.QUEUED and (due is None or rec.invoke_at < due):
        due = rec.invoke_at
    return due
