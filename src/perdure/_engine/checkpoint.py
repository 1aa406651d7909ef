"""Applying a checkpoint batch: one rule per operation type and action.

Each update names an operation and an action; the batch is atomic (`validation` holds the
checks that refuse it); STEP and CONTEXT may be started and finished in the same batch.
The identifiers a batch needs (callback ids, child executions) are minted by the service
before the decision and come in as `Minted`; starting a child execution goes out as a
`ChildStart` effect on the transition, which the service carries out in the same commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

from perdure._engine import history as h
from perdure._engine.draft import Draft
from perdure._engine.pause import take_hold
from perdure._engine.timers import fire_due_in_checkpoint
from perdure._engine.validation import (
    BatchOrder,
    bad_action,
    callback_timeouts,
    check_execution_update,
    check_identity,
    check_invoke_target,
    check_parent,
    retry_delay,
    wait_seconds,
)
from perdure._model import (
    CallbackDetails,
    ChainedInvokeDetails,
    ContextDetails,
    EventType,
    ExecutionStatus,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepDetails,
    WaitDetails,
)
from perdure._model.state import ChildStart, ExecutionState, TimerKind, Transition

A = OperationAction
S = OperationStatus
T = OperationType
_V = TypeVar("_V")


@dataclasses.dataclass(frozen=True, slots=True)
class ChildIds:
    """A child execution minted for a chained invoke: the bare function name it runs,
    its ARN and its execution id."""

    function_name: str
    arn: str
    execution_id: str


def _nothing() -> Mapping[str, Any]:
    return _EMPTY


_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclasses.dataclass(frozen=True, slots=True)
class Minted:
    """Identifiers the service minted before the decision, by operation id: a callback id
    for each CALLBACK START and a child execution for each CHAINED_INVOKE START of the
    batch. The engine mints none."""

    callback_ids: Mapping[str, str] = dataclasses.field(default_factory=_nothing)
    children: Mapping[str, ChildIds] = dataclasses.field(default_factory=_nothing)


NOTHING_MINTED = Minted()
"""For the batches that start no callback and no chained invoke (most of them)."""


def checkpoint_transition(
    state: ExecutionState,
    updates: Sequence[OperationUpdate],
    now: int,
    new_token: str,
    minted: Minted = NOTHING_MINTED,
) -> Transition:
    """The running invocation's checkpoint, its token already accepted: the updates
    applied, everything marked as seen by that invocation, and the token rotated to
    `new_token`, unless the batch ended the execution (no token: nothing more may be
    checkpointed) or a pause takes hold on it (the token is withdrawn)."""
    draft = apply_checkpoint(state, updates, now, minted)
    if take_hold(draft):
        return draft.finish(seen=True)
    closing = draft.record.closing_status is not None
    return draft.finish(seen=True, token=None if closing else new_token)


def apply_checkpoint(
    state: ExecutionState,
    updates: Sequence[OperationUpdate],
    now: int,
    minted: Minted = NOTHING_MINTED,
) -> Draft:
    """Validate and apply `updates`. Raises InvalidParameterValueError and changes
    nothing when any update is invalid."""
    draft = Draft(state, now)
    fire_due_in_checkpoint(draft)
    order = BatchOrder(len(updates))
    for index, update in enumerate(updates):
        order.admit(index, update)
        if update.operation_type is T.EXECUTION:
            _apply_execution(draft, update, index)
            continue
        if update.parent_id is not None:
            check_parent(draft.get(update.parent_id), index, update)
        existing = draft.get(update.operation_id)
        if existing is not None:
            check_identity(existing, index, update)
        _APPLY[update.operation_type](draft, update, existing, index, minted)
    return draft


def _new_op(draft: Draft, u: OperationUpdate, status: OperationStatus, **details: Any) -> Operation:
    return Operation(
        operation_id=u.operation_id,
        operation_type=u.operation_type,
        status=status,
        start_timestamp=draft.now,
        parent_id=u.parent_id,
        name=u.name,
        sub_type=u.sub_type,
        **details,
    )


def _end(draft: Draft, op: Operation, status: OperationStatus, **details: Any) -> Operation:
    return dataclasses.replace(op, status=status, end_timestamp=draft.now, **details)


def _apply_execution(draft: Draft, u: OperationUpdate, index: int) -> None:
    """The handler's result: recorded now, the execution ends when its invocation returns."""
    check_execution_update(index, u)
    if u.action is A.SUCCEED:
        draft.update_record(
            closing_status=ExecutionStatus.SUCCEEDED.value, closing_result=u.payload, token=None
        )
    else:
        draft.update_record(
            closing_status=ExecutionStatus.FAILED.value, closing_error=u.error, token=None
        )


def _apply_context(
    draft: Draft, u: OperationUpdate, op: Operation | None, index: int, minted: Minted
) -> None:
    if u.action is A.START:
        if op is not None:
            raise bad_action(op, index, u)
        new = _new_op(draft, u, S.STARTED, context_details=ContextDetails())
        draft.put(new)
        draft.event(EventType.CONTEXT_STARTED, {}, new)
        return
    if u.action not in (A.SUCCEED, A.FAIL) or (op is not None and op.status is not S.STARTED):
        raise bad_action(op, index, u)
    base = op if op is not None else _new_op(draft, u, S.STARTED)
    replay_children = bool(u.context_options and u.context_options.replay_children)
    if u.action is A.SUCCEED:
        new = _end(
            draft,
            base,
            S.SUCCEEDED,
            context_details=ContextDetails(replay_children=replay_children, result=u.payload),
        )
        draft.put(new)
        draft.event(EventType.CONTEXT_SUCCEEDED, {"Result": h.result_member(u.payload)}, new)
    else:
        new = _end(draft, base, S.FAILED, context_details=ContextDetails(error=u.error))
        draft.put(new)
        draft.event(EventType.CONTEXT_FAILED, {"Error": h.error_member(u.error)}, new)


def _apply_step(
    draft: Draft, u: OperationUpdate, op: Operation | None, index: int, minted: Minted
) -> None:
    details = op.step_details if op and op.step_details else StepDetails()
    if u.action is A.START:
        if op is None:
            new = _new_op(draft, u, S.STARTED, step_details=details)
        elif op.status is S.READY:
            new = dataclasses.replace(
                op,
                status=S.STARTED,
                step_details=dataclasses.replace(details, next_attempt_timestamp=None),
            )
        else:
            raise bad_action(op, index, u)
        draft.put(new)
        draft.event(EventType.STEP_STARTED, {}, new)
        return
    if op is None or op.status not in (S.STARTED, S.READY):
        raise bad_action(op, index, u)
    attempt = details.attempt + 1
    if u.action is A.RETRY:
        delay = retry_delay(index, u)
        due = draft.now + delay * 1000
        new = dataclasses.replace(
            op,
            status=S.PENDING,
            step_details=StepDetails(
                attempt=attempt,
                next_attempt_timestamp=due,
                result=u.payload,
                error=u.error,
            ),
        )
        draft.put(new)
        retry = h.retry_details(attempt, delay)
        if u.payload is not None:
            draft.event(
                EventType.STEP_SUCCEEDED,
                {"Result": h.result_member(u.payload), "RetryDetails": retry},
                new,
            )
        else:
            draft.event(
                EventType.STEP_FAILED,
                {"Error": h.error_member(u.error), "RetryDetails": retry},
                new,
            )
        draft.set_timer(op.operation_id, TimerKind.RETRY_READY, due)
        return
    if u.action is A.SUCCEED:
        new = _end(
            draft,
            op,
            S.SUCCEEDED,
            step_details=StepDetails(attempt=attempt, result=u.payload),
        )
        draft.put(new)
        draft.event(
            EventType.STEP_SUCCEEDED,
            {"Result": h.result_member(u.payload), "RetryDetails": h.retry_details(attempt)},
            new,
        )
        return
    if u.action is A.FAIL:
        new = _end(draft, op, S.FAILED, step_details=StepDetails(attempt=attempt, error=u.error))
        draft.put(new)
        draft.event(
            EventType.STEP_FAILED,
            {"Error": h.error_member(u.error), "RetryDetails": h.retry_details(attempt)},
            new,
        )
        return
    raise bad_action(op, index, u)


def _apply_wait(
    draft: Draft, u: OperationUpdate, op: Operation | None, index: int, minted: Minted
) -> None:
    if u.action is A.START:
        if op is not None:
            raise bad_action(op, index, u)
        seconds = wait_seconds(index, u)
        end = draft.now + seconds * 1000
        new = _new_op(draft, u, S.STARTED, wait_details=WaitDetails(scheduled_end_timestamp=end))
        draft.put(new)
        draft.event(
            EventType.WAIT_STARTED, {"Duration": seconds, "ScheduledEndTimestamp": end}, new
        )
        draft.set_timer(u.operation_id, TimerKind.WAIT_END, end)
        return
    if u.action is A.CANCEL and op is not None and op.status is S.STARTED:
        new = _end(draft, op, S.CANCELLED)
        draft.put(new)
        draft.event(EventType.WAIT_CANCELLED, {"Error": h.error_member(u.error)}, new)
        draft.cancel_timer(op.operation_id, TimerKind.WAIT_END)
        return
    raise bad_action(op, index, u)


def _apply_callback(
    draft: Draft, u: OperationUpdate, op: Operation | None, index: int, minted: Minted
) -> None:
    if u.action is not A.START or op is not None:
        raise bad_action(op, index, u)
    timeout, heartbeat = callback_timeouts(index, u)
    callback_id = _minted(minted.callback_ids, u, "callback id")
    new = _new_op(draft, u, S.STARTED, callback_details=CallbackDetails(callback_id=callback_id))
    draft.put(new)
    details: dict[str, object] = {"CallbackId": callback_id}
    if timeout:
        details["Timeout"] = timeout
        draft.set_timer(u.operation_id, TimerKind.CALLBACK_TIMEOUT, draft.now + timeout * 1000)
    if heartbeat:
        details["HeartbeatTimeout"] = heartbeat
        draft.set_timer(u.operation_id, TimerKind.CALLBACK_HEARTBEAT, draft.now + heartbeat * 1000)
    draft.callbacks[callback_id] = (u.operation_id, heartbeat)
    draft.event(EventType.CALLBACK_STARTED, details, new)


def _apply_invoke(
    draft: Draft, u: OperationUpdate, op: Operation | None, index: int, minted: Minted
) -> None:
    if u.action is not A.START or op is not None:
        raise bad_action(op, index, u)
    function_name = check_invoke_target(index, u)
    child = _minted(minted.children, u, "child execution")
    tenant_id = u.chained_invoke_options.tenant_id if u.chained_invoke_options else None
    new = _new_op(draft, u, S.STARTED, chained_invoke_details=ChainedInvokeDetails())
    draft.put(new)
    details: dict[str, object] = {"FunctionName": function_name}
    if tenant_id is not None:
        details["TenantId"] = tenant_id
    details["Input"] = h.result_member(u.payload)
    details["ExecutedVersion"] = "$LATEST"
    details["DurableExecutionArn"] = child.arn
    draft.event(EventType.CHAINED_INVOKE_STARTED, details, new)
    draft.child_starts.append(
        ChildStart(
            op_id=u.operation_id,
            function_name=child.function_name,
            payload=u.payload,
            tenant_id=tenant_id,
            child_arn=child.arn,
            child_execution_id=child.execution_id,
        )
    )


def _minted(ids: Mapping[str, _V], u: OperationUpdate, what: str) -> _V:
    """The identifier minted for `u`; its absence is a caller's mistake, not the user's."""
    try:
        return ids[u.operation_id]
    except KeyError:
        raise LookupError(
            f"No {what} was minted for operation {u.operation_id!r}: mint one per "
            "START of its type before the decision (see Minted)"
        ) from None


_APPLY: dict[
    OperationType, Callable[[Draft, OperationUpdate, Operation | None, int, Minted], None]
] = {
    T.CONTEXT: _apply_context,
    T.STEP: _apply_step,
    T.WAIT: _apply_wait,
    T.CALLBACK: _apply_callback,
    T.CHAINED_INVOKE: _apply_invoke,
}
