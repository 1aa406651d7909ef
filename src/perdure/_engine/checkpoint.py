"""Applying a checkpoint batch: validation, status transitions, history and timers.

The rules follow the durable-execution service: each update names an operation and an
action; the batch is atomic; an operation keeps its type, sub-type, name and parent for
life (a change means the handler's code no longer replays the same way); STEP and
CONTEXT may be started and finished in the same batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from perdure._engine import history as h
from perdure._engine.draft import Draft
from perdure._engine.pause import held
from perdure._engine.timers import fire_due_in_checkpoint
from perdure._model import (
    TERMINAL_EXECUTION_STATUSES,
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
from perdure._model.state import ChildStart, ExecutionState, InvocationState, TimerKind
from perdure.errors import INVALID_CHECKPOINT_TOKEN_PREFIX, InvalidParameterValueError

MAX_DELAY_SECONDS = 31_622_400

A = OperationAction
S = OperationStatus
T = OperationType


@dataclasses.dataclass(frozen=True)
class CheckpointIds:
    """Identifiers the service mints ahead of a checkpoint (the engine makes none)."""

    new_token: Callable[[], str]
    new_callback_id: Callable[[], str]
    new_child_execution: Callable[[str], tuple[str, str]]  # function name -> (arn, id)


def check_token(state: ExecutionState, token: str) -> None:
    rec = state.record
    if rec.token is None or token != rec.token or rec.invocation is not InvocationState.RUNNING:
        status = rec.execution.status
        if status in TERMINAL_EXECUTION_STATUSES:
            why = f"the execution has ended ({status.value}) and takes no more checkpoints"
        elif held(state):
            why = "the execution was paused and this invocation's token withdrawn"
        else:
            why = (
                "the token is stale or belongs to an invocation that has ended; use the "
                "token from the latest checkpoint response"
            )
        raise InvalidParameterValueError(f"{INVALID_CHECKPOINT_TOKEN_PREFIX}: {why}")


def apply_checkpoint(
    state: ExecutionState,
    updates: Sequence[OperationUpdate],
    now: int,
    ids: CheckpointIds,
) -> Draft:
    """Validate and apply `updates`. Raises InvalidParameterValueError and changes
    nothing when any update is invalid."""
    draft = Draft(state, now)
    fire_due_in_checkpoint(draft)
    started_in_batch: set[str] = set()
    seen: set[str] = set()
    for index, update in enumerate(updates):
        where = f"Updates[{index}] (Id={update.operation_id!r})"
        if update.operation_type is T.EXECUTION:
            if index != len(updates) - 1:
                raise InvalidParameterValueError(
                    f"{where}: an EXECUTION update must be the last update of its batch"
                )
            _apply_execution(draft, update, where)
            continue
        key = update.operation_id
        if key in seen and not (
            key in started_in_batch
            and update.action is not A.START
            and update.operation_type in (T.STEP, T.CONTEXT)
        ):
            raise InvalidParameterValueError(
                f"{where}: the operation appears twice in one batch; only a START followed "
                "by one completion of the same STEP or CONTEXT may share a batch"
            )
        if key in started_in_batch:
            started_in_batch.discard(key)  # one completion after the START at most
        seen.add(key)
        _check_parent(draft, update, where)
        existing = draft.get(key)
        if existing is not None:
            _check_identity(existing, update, where)
        if update.action is A.START:
            started_in_batch.add(key)
        _APPLY[update.operation_type](draft, update, existing, where, ids)
    return draft


def _check_parent(draft: Draft, u: OperationUpdate, where: str) -> None:
    if u.parent_id is None:
        return
    parent = draft.get(u.parent_id)
    if parent is None or parent.operation_type is not T.CONTEXT:
        raise InvalidParameterValueError(
            f"{where}: ParentId {u.parent_id!r} does not name a CONTEXT operation of this execution"
        )


def _check_identity(op: Operation, u: OperationUpdate, where: str) -> None:
    for field, recorded, sent in (
        ("Type", op.operation_type, u.operation_type),
        ("SubType", op.sub_type, u.sub_type),
        ("Name", op.name, u.name),
        ("ParentId", op.parent_id, u.parent_id),
    ):
        if (recorded or None) != (sent or None):
            raise InvalidParameterValueError(
                f"{where}: inconsistent operation {field}: recorded {recorded!r}, sent {sent!r}. "
                "The handler no longer replays the same operations (non-deterministic code)"
            )


def _bad_action(u: OperationUpdate, op: Operation | None, where: str) -> InvalidParameterValueError:
    state = op.status.value if op else "absent"
    return InvalidParameterValueError(
        f"{where}: action {u.action.value} is not valid for a {u.operation_type.value} "
        f"operation that is {state}"
    )


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


def _apply_execution(draft: Draft, u: OperationUpdate, where: str) -> None:
    if u.action is A.SUCCEED:
        if u.error is not None:
            raise InvalidParameterValueError(f"{where}: EXECUTION SUCCEED must not carry Error")
        draft.update_record(
            closing_status=ExecutionStatus.SUCCEEDED.value, closing_result=u.payload
        )
    elif u.action is A.FAIL:
        if u.payload is not None:
            raise InvalidParameterValueError(f"{where}: EXECUTION FAIL must not carry Payload")
        draft.update_record(closing_status=ExecutionStatus.FAILED.value, closing_error=u.error)
    else:
        raise _bad_action(u, None, where)
    draft.update_record(token=None)


def _apply_context(
    draft: Draft, u: OperationUpdate, op: Operation | None, where: str, ids: CheckpointIds
) -> None:
    if u.action is A.START:
        if op is not None:
            raise _bad_action(u, op, where)
        new = _new_op(draft, u, S.STARTED, context_details=ContextDetails())
        draft.put(new)
        draft.event(EventType.CONTEXT_STARTED, {}, new)
        return
    if u.action not in (A.SUCCEED, A.FAIL) or (op is not None and op.status is not S.STARTED):
        raise _bad_action(u, op, where)
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
    draft: Draft, u: OperationUpdate, op: Operation | None, where: str, ids: CheckpointIds
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
            raise _bad_action(u, op, where)
        draft.put(new)
        draft.event(EventType.STEP_STARTED, {}, new)
        return
    if op is None or op.status not in (S.STARTED, S.READY):
        raise _bad_action(u, op, where)
    attempt = details.attempt + 1
    if u.action is A.RETRY:
        if u.step_options is None:
            raise InvalidParameterValueError(f"{where}: RETRY requires StepOptions")
        if u.error is not None and u.payload is not None:
            raise InvalidParameterValueError(
                f"{where}: RETRY carries either Error (a failed attempt) or Payload (polling "
                "state), not both"
            )
        delay = u.step_options.next_attempt_delay_seconds
        if not 1 <= delay <= MAX_DELAY_SECONDS:
            raise InvalidParameterValueError(
                f"{where}: StepOptions.NextAttemptDelaySeconds must be between 1 and "
                f"{MAX_DELAY_SECONDS}, got {delay}"
            )
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
    raise _bad_action(u, op, where)


def _apply_wait(
    draft: Draft, u: OperationUpdate, op: Operation | None, where: str, ids: CheckpointIds
) -> None:
    if u.action is A.START:
        if op is not None:
            raise _bad_action(u, op, where)
        seconds = u.wait_options.wait_seconds if u.wait_options else 0
        if not 1 <= seconds <= MAX_DELAY_SECONDS:
            raise InvalidParameterValueError(
                f"{where}: WaitOptions.WaitSeconds must be between 1 and {MAX_DELAY_SECONDS}, "
                f"got {seconds}"
            )
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
    raise _bad_action(u, op, where)


def _apply_callback(
    draft: Draft, u: OperationUpdate, op: Operation | None, where: str, ids: CheckpointIds
) -> None:
    if u.action is not A.START or op is not None:
        raise _bad_action(u, op, where)
    opts = u.callback_options
    timeout = opts.timeout_seconds if opts else 0
    heartbeat = opts.heartbeat_timeout_seconds if opts else 0
    for label, value in (("TimeoutSeconds", timeout), ("HeartbeatTimeoutSeconds", heartbeat)):
        if not 0 <= value <= 99_999_999:
            raise InvalidParameterValueError(
                f"{where}: CallbackOptions.{label} must be between 0 and 99999999, got {value}"
            )
    callback_id = ids.new_callback_id()
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
    draft: Draft, u: OperationUpdate, op: Operation | None, where: str, ids: CheckpointIds
) -> None:
    if u.action is not A.START or op is not None:
        raise _bad_action(u, op, where)
    opts = u.chained_invoke_options
    if opts is None or not opts.function_name:
        raise InvalidParameterValueError(
            f"{where}: CHAINED_INVOKE START requires ChainedInvokeOptions.FunctionName"
        )
    function_name = _bare_function_name(opts.function_name)
    child_arn, child_id = ids.new_child_execution(function_name)
    new = _new_op(draft, u, S.STARTED, chained_invoke_details=ChainedInvokeDetails())
    draft.put(new)
    details: dict[str, object] = {"FunctionName": opts.function_name}
    if opts.tenant_id is not None:
        details["TenantId"] = opts.tenant_id
    details["Input"] = h.result_member(u.payload)
    details["ExecutedVersion"] = "$LATEST"
    details["DurableExecutionArn"] = child_arn
    draft.event(EventType.CHAINED_INVOKE_STARTED, details, new)
    draft.child_starts.append(
        ChildStart(
            op_id=u.operation_id,
            function_name=function_name,
            payload=u.payload,
            tenant_id=opts.tenant_id,
            child_arn=child_arn,
            child_execution_id=child_id,
        )
    )


def _bare_function_name(name: str) -> str:
    """`fn`, `fn:qualifier`, or a function ARN → the function's name."""
    if name.startswith("arn:"):
        parts = name.split(":")
        if len(parts) >= 7:
            return parts[6]
    return name.split(":", 1)[0]


_APPLY = {
    T.CONTEXT: _apply_context,
    T.STEP: _apply_step,
    T.WAIT: _apply_wait,
    T.CALLBACK: _apply_callback,
    T.CHAINED_INVOKE: _apply_invoke,
}
