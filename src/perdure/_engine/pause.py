"""Pausing and resuming an execution from outside (PauseDurableExecution and
ResumeDurableExecution), as pure rules.

While an execution is paused no invocation starts, but everything else still happens:
waits end, retries become ready, callbacks settle and chained invokes finish. Each of
those queues an invocation as usual; the queue is simply not served while paused (the
store does not offer paused executions as due work, and `begin_invocation` refuses
them), so resuming needs no bookkeeping of its own: whatever is queued runs.

A pause that arrives while an invocation runs leaves the execution PAUSING until that
invocation's next checkpoint. That checkpoint is recorded as usual (a step that finished
keeps its result) and the pause takes hold on it (`take_hold`): the execution is PAUSED
and the invocation's token is withdrawn, so the response carries no token, the SDK ends
the invocation with PENDING, and the invocation is queued to run again once resumed. An
invocation that ends without checkpointing again ends the PAUSING too (`after_invocation`);
if it ended with the execution's result, the execution ends with it, as it does when that
checkpoint carries the result: there is nothing left to pause.

With `ExecutionTimeoutPaused` (the default) the execution timeout stops counting while
paused: pausing pushes the timeout timer out by `MAX_PAUSE_MS` (so a forgotten pause
still ends, about a year later), and resuming pulls it back in by that amount less the
time spent paused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from perdure._engine.draft import Draft
from perdure._model import TERMINAL_EXECUTION_STATUSES, EventType, ExecutionStatus
from perdure._model.state import (
    ExecutionRecord,
    ExecutionState,
    InvocationState,
    TimerKind,
    Transition,
)
from perdure.errors import InvalidParameterValueError, ResourceConflictError

PAUSED_STATUSES = frozenset({ExecutionStatus.PAUSED, ExecutionStatus.PAUSING})
MAX_PAUSE_MS = 366 * 24 * 3600 * 1000
MAX_REASON_CHARS = 1024


@dataclass(frozen=True)
class PauseInfo:
    """What the last ExecutionPaused event recorded (the service reads it from history)."""

    requested_at: int
    reason: str | None
    timeout_paused: bool


def _check_reason(reason: str | None) -> None:
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise InvalidParameterValueError(
            f"Reason must be at most {MAX_REASON_CHARS} characters long, got {len(reason)}."
        )


def _reason_member(reason: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"Truncated": False}
    if reason is not None:
        out["Payload"] = reason
    return out


def _refuse_terminal(state: ExecutionState, verb: str) -> None:
    status = state.record.execution.status
    if status in TERMINAL_EXECUTION_STATUSES:
        raise ResourceConflictError(
            f"Cannot {verb} a durable execution that has ended ({status.value})."
        )


def pause_execution(
    state: ExecutionState, reason: str | None, timeout_paused: bool, now: int
) -> Transition | None:
    """Pause; None when already paused or pausing (a repeated request changes nothing)."""
    _check_reason(reason)
    _refuse_terminal(state, "pause")
    ex = state.record.execution
    if ex.status in PAUSED_STATUSES:
        return None
    draft = Draft(state, now)
    running = state.record.invocation is InvocationState.RUNNING
    status = ExecutionStatus.PAUSING if running else ExecutionStatus.PAUSED
    draft.update_record(execution=dataclasses.replace(ex, status=status))
    draft.event(
        EventType.EXECUTION_PAUSED,
        {
            "PauseRequestTimestamp": now,
            "Reason": _reason_member(reason),
            "ExecutionTimeoutPaused": timeout_paused,
        },
    )
    if timeout_paused:
        _shift_timeout(draft, MAX_PAUSE_MS)
    return draft.finish()


def resume_execution(
    state: ExecutionState, reason: str | None, pause: PauseInfo | None, now: int
) -> Transition | None:
    """Resume; None when the execution is not paused (a repeated request changes nothing).
    `pause` is the pause being ended, as its ExecutionPaused event recorded it."""
    _check_reason(reason)
    _refuse_terminal(state, "resume")
    ex = state.record.execution
    if ex.status not in PAUSED_STATUSES:
        return None
    draft = Draft(state, now)
    draft.update_record(execution=dataclasses.replace(ex, status=ExecutionStatus.RUNNING))
    draft.event(
        EventType.EXECUTION_RESUMED,
        {"ResumeRequestTimestamp": now, "Reason": _reason_member(reason)},
    )
    if pause is not None and pause.timeout_paused:
        paused_for = max(0, now - pause.requested_at)
        _shift_timeout(draft, paused_for - MAX_PAUSE_MS)
    return draft.finish()


def after_invocation(draft: Draft) -> None:
    """The invocation that was running when a pause arrived has ended: PAUSING → PAUSED."""
    ex = draft.record.execution
    if ex.status is ExecutionStatus.PAUSING:
        draft.update_record(execution=dataclasses.replace(ex, status=ExecutionStatus.PAUSED))


def take_hold(draft: Draft) -> bool:
    """A checkpoint of the running invocation has been applied: if a pause is waiting for
    it, the execution is PAUSED now and the invocation's token withdrawn (True)."""
    ex = draft.record.execution
    if ex.status is not ExecutionStatus.PAUSING:
        return False
    draft.update_record(
        execution=dataclasses.replace(ex, status=ExecutionStatus.PAUSED), token=None
    )
    return True


def held(state: ExecutionState) -> bool:
    """Whether the running invocation's token was withdrawn by a pause (a token withdrawn
    because the handler checkpointed the execution's result leaves `closing_status`)."""
    return held_record(state.record)


def held_record(rec: ExecutionRecord) -> bool:
    """`held` for a record not yet applied (the one a transition commits)."""
    return (
        rec.invocation is InvocationState.RUNNING
        and rec.token is None
        and rec.closing_status is None
    )


def may_invoke(state: ExecutionState) -> bool:
    return state.record.execution.status not in PAUSED_STATUSES


def _shift_timeout(draft: Draft, delta_ms: int) -> None:
    op_id = draft.record.execution.execution_id
    due = draft.state.timers.get((op_id, TimerKind.EXECUTION_TIMEOUT))
    if due is not None:
        draft.set_timer(op_id, TimerKind.EXECUTION_TIMEOUT, max(draft.now, due + delta_ms))
