"""Invocations: handing the handler its state, and judging what it returned.

Every invocation, crashed ones included, ends in one InvocationCompleted event. The
execution's terminal event comes after it. An invocation that returns PENDING while
something it has not seen already happened (a timer fired, a callback arrived) is
followed at once by another; one that returns PENDING with nothing left to wait for is
a failed invocation, unless a pause withdrew its token (`_engine.pause.take_hold`): that
one was told to stop, so its PENDING is expected and it runs again after the resume.
"""

from __future__ import annotations

import dataclasses

from perdure._config import RetryPolicy
from perdure._engine.draft import Draft
from perdure._engine.lifecycle import end_invocation, finish_execution, start_execution
from perdure._engine.pause import after_invocation, held, may_invoke
from perdure._model import (
    TERMINAL_EXECUTION_STATUSES,
    ErrorObject,
    Execution,
    ExecutionStatus,
    InvocationInput,
    InvocationOutput,
    InvocationStatus,
    OperationStatus,
    OperationType,
)
from perdure._model.state import ExecutionState, InvocationState, Transition


def begin_invocation(
    state: ExecutionState, now: int, token: str, request_id: str
) -> tuple[Transition, InvocationInput] | None:
    rec = state.record
    if rec.invocation is not InvocationState.QUEUED:
        return None
    if rec.execution.status in TERMINAL_EXECUTION_STATUSES or not may_invoke(state):
        return None
    # What changed while the execution was suspended: AWS's SDK reports these to its
    # plugins as news, so the changes the last invocation made, or was told of in its
    # checkpoint responses (its `token_seen_seq`), are not among them.
    updated = [op_id for op_id, seq in state.op_seq.items() if seq > rec.token_seen_seq]
    draft = Draft(state, now)
    draft.update_record(
        invocation=InvocationState.RUNNING,
        token=token,
        token_seen_seq=rec.seq,
        delivered_seq=rec.seq,
        request_id=request_id,
        invocation_started=now,
    )
    inp = InvocationInput(
        durable_execution_arn=rec.execution.arn,
        checkpoint_token=token,
        operations=list(state.ops.values()),
        updated_operation_ids=updated,
    )
    return draft.finish(), inp


def start_and_begin(
    execution: Execution, now: int, token: str, request_id: str
) -> tuple[ExecutionState, Transition, InvocationInput] | None:
    """A new execution whose first invocation begins at once: one transition that is
    `start_execution`'s followed by `begin_invocation`'s, for a runner with a free
    thread to commit both in one transaction. Beginning adds no operation, event or
    timer, only record changes, so the history and the state the handler gets are those
    of a start and a claim committed one after the other. None when the first
    invocation could not begin (the caller then starts the execution alone).
    Returns the fresh state (the transition not applied), as `start_execution` does."""
    state, started = start_execution(execution, now)
    after = ExecutionState(record=state.record)
    after.apply(started)
    begun = begin_invocation(after, now, token, request_id)
    if begun is None:
        return None
    claimed, inp = begun
    return state, dataclasses.replace(started, record=claimed.record), inp


def complete_invocation(
    state: ExecutionState,
    now: int,
    request_id: str,
    output: InvocationOutput | None,
    failure: ErrorObject | None,
    policy: RetryPolicy,
) -> Transition | None:
    """Record how invocation `request_id` ended: `output` if the handler returned one,
    else `failure` (a crash, a raised error, an unreadable output)."""
    rec = state.record
    if rec.invocation is not InvocationState.RUNNING or rec.request_id != request_id:
        return None  # a stale worker: its invocation was already given up on
    if rec.execution.status in TERMINAL_EXECUTION_STATUSES:
        return None
    draft = Draft(state, now)
    if failure is None and output is not None:
        failure = _invalid_output(state, output)
    end_invocation(draft, failure)
    after_invocation(draft)

    if rec.closing_status is not None:
        status = ExecutionStatus(rec.closing_status)
        finish_execution(draft, status, result=rec.closing_result, error=rec.closing_error)
        return draft.finish()
    if failure is not None or output is None:
        failures = rec.failed_invocations + 1
        if failures >= policy.max_consecutive_failures:
            finish_execution(draft, ExecutionStatus.FAILED, error=failure)
        else:
            draft.update_record(
                failed_invocations=failures,
                invocation=InvocationState.QUEUED,
                invoke_at=now + policy.backoff_ms(failures),
            )
        return draft.finish()
    draft.update_record(failed_invocations=0)
    if output.status is InvocationStatus.SUCCEEDED:
        finish_execution(draft, ExecutionStatus.SUCCEEDED, result=output.result)
    elif output.status is InvocationStatus.FAILED:
        finish_execution(draft, ExecutionStatus.FAILED, error=output.error)
    elif rec.seq > rec.token_seen_seq or held(state):
        draft.update_record(invocation=InvocationState.QUEUED, invoke_at=now)
    return draft.finish()


def _invalid_output(state: ExecutionState, output: InvocationOutput) -> ErrorObject | None:
    if output.status is InvocationStatus.FAILED and output.result:
        return ErrorObject(
            message="The handler returned FAILED with a Result", type="InvalidInvocationOutput"
        )
    if output.status is InvocationStatus.SUCCEEDED and output.error is not None:
        return ErrorObject(
            message="The handler returned SUCCEEDED with an Error", type="InvalidInvocationOutput"
        )
    if output.status is InvocationStatus.PENDING and state.record.closing_status is None:
        if held(state):
            return None
        if state.record.seq <= state.record.token_seen_seq and not has_pending_work(state):
            return ErrorObject(
                message="The handler returned PENDING but nothing is pending: no wait, "
                "retry, callback or chained invoke is outstanding",
                type="InvalidInvocationOutput",
            )
    return None


def has_pending_work(state: ExecutionState) -> bool:
    for op in state.ops.values():
        kind = op.operation_type
        if kind is OperationType.STEP and op.status in (
            OperationStatus.PENDING,
            OperationStatus.READY,
        ):
            return True
        if (
            kind in (OperationType.WAIT, OperationType.CALLBACK, OperationType.CHAINED_INVOKE)
            and op.status is OperationStatus.STARTED
        ):
            return True
    return False
