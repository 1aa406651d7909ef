"""Execution lifecycle: start, wake-ups, the end of an invocation, the end of an execution
(success, failure, timeout, stop) and notices to a parent waiting on a chained invoke.

Every invocation ends in exactly one InvocationCompleted event. Usually its runner reports
back (`_engine.invocations.complete_invocation`); when the execution ends under a running
invocation instead (a stop, the execution timeout), the invocation is ended at that moment,
before the execution's terminal event, and whatever its runner reports later is ignored:
its token is gone, so its checkpoints are refused.
"""

from __future__ import annotations

import dataclasses

from perdure._engine import history as h
from perdure._engine.draft import Draft
from perdure._model import (
    ErrorObject,
    EventType,
    Execution,
    ExecutionDetails,
    ExecutionStatus,
    Operation,
    OperationStatus,
    OperationType,
)
from perdure._model.state import (
    ExecutionRecord,
    ExecutionState,
    InvocationState,
    ParentNotice,
    TimerKind,
    Transition,
)


def start_execution(execution: Execution, now: int) -> tuple[ExecutionState, Transition]:
    """A new execution: its EXECUTION operation, ExecutionStarted, the timeout timer, and
    a queued first invocation."""
    record = ExecutionRecord(execution=execution)
    state = ExecutionState(record=record)
    draft = Draft(state, now)
    op = Operation(
        operation_id=execution.execution_id,
        operation_type=OperationType.EXECUTION,
        status=OperationStatus.STARTED,
        start_timestamp=execution.start_timestamp,
        name=execution.name,
        execution_details=ExecutionDetails(input_payload=execution.input_payload),
    )
    draft.put(op)
    draft.event(
        EventType.EXECUTION_STARTED,
        {
            "Input": h.result_member(execution.input_payload),
            "ExecutionTimeout": execution.execution_timeout,
        },
        dataclasses.replace(op, name=execution.name),
    )
    draft.set_timer(
        execution.execution_id,
        TimerKind.EXECUTION_TIMEOUT,
        now + execution.execution_timeout * 1000,
    )
    draft.update_record(invocation=InvocationState.QUEUED, invoke_at=now)
    return state, draft.finish()


def end_invocation(draft: Draft, error: ErrorObject | None = None) -> None:
    """The running invocation ends now: its InvocationCompleted event (with `error` if it
    did not end well), and its token and request id are given up."""
    rec = draft.record
    details: dict[str, object] = {
        "StartTimestamp": rec.invocation_started,
        "EndTimestamp": draft.now,
        "RequestId": rec.request_id,
    }
    if error is not None:
        details["Error"] = h.error_member(error)
    draft.event(EventType.INVOCATION_COMPLETED, details)
    draft.update_record(token=None, invocation=InvocationState.IDLE, request_id=None)


def interrupted(status: ExecutionStatus) -> ErrorObject:
    """The error on an invocation that was still running when its execution ended."""
    return ErrorObject(
        message=f"The execution ended ({status.value}) while this invocation was running; "
        "its later checkpoints and result are refused",
        type="Invocation.Interrupted",
    )


def wake(draft: Draft) -> None:
    """Something the handler has not seen happened: make sure it runs again."""
    if draft.record.invocation is InvocationState.IDLE:
        draft.update_record(invocation=InvocationState.QUEUED, invoke_at=draft.now)


def finish_execution(
    draft: Draft,
    status: ExecutionStatus,
    *,
    result: str | None = None,
    error: ErrorObject | None = None,
) -> None:
    if draft.record.invocation is InvocationState.RUNNING:
        end_invocation(draft, interrupted(status))
    ex = draft.record.execution
    new_ex = dataclasses.replace(
        ex,
        status=status,
        result=result if status is ExecutionStatus.SUCCEEDED else None,
        error=error if status is not ExecutionStatus.SUCCEEDED else None,
        end_timestamp=draft.now,
    )
    draft.update_record(
        execution=new_ex,
        token=None,
        invocation=InvocationState.IDLE,
        closing_status=None,
        closing_result=None,
        closing_error=None,
    )
    exec_op = draft.get(ex.execution_id)
    if exec_op is not None:
        op_status = {
            ExecutionStatus.SUCCEEDED: OperationStatus.SUCCEEDED,
            ExecutionStatus.FAILED: OperationStatus.FAILED,
            ExecutionStatus.TIMED_OUT: OperationStatus.TIMED_OUT,
            ExecutionStatus.STOPPED: OperationStatus.STOPPED,
        }[status]
        draft.put(dataclasses.replace(exec_op, status=op_status, end_timestamp=draft.now))
    if status is ExecutionStatus.SUCCEEDED:
        draft.event(EventType.EXECUTION_SUCCEEDED, {"Result": h.result_member(result)})
    else:
        event_type = {
            ExecutionStatus.FAILED: EventType.EXECUTION_FAILED,
            ExecutionStatus.TIMED_OUT: EventType.EXECUTION_TIMED_OUT,
            ExecutionStatus.STOPPED: EventType.EXECUTION_STOPPED,
        }[status]
        draft.event(event_type, {"Error": h.error_member(error)})
    for op_id, kind in list(draft.state.timers):
        draft.cancel_timer(op_id, kind)
    for timer in list(draft.timers_set):
        draft.cancel_timer(timer.op_id, timer.kind)
    if ex.parent_arn and ex.parent_operation_id:
        draft.parent_notices.append(
            ParentNotice(
                parent_arn=ex.parent_arn,
                parent_op_id=ex.parent_operation_id,
                status=status.value,
                result=result,
                error=error,
            )
        )


def stop_execution(state: ExecutionState, error: ErrorObject | None, now: int) -> Transition:
    draft = Draft(state, now)
    finish_execution(draft, ExecutionStatus.STOPPED, error=error)
    return draft.finish()
