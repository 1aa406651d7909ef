"""`context.run_in_child_context`: a named block of durable code with its own id space.

The child's operations are prefixed with the child's id and parented to it, so the block
replays as a unit: once its CONTEXT is SUCCEEDED, replay returns the recorded result
without re-running the body. A result too large to record (>256 KiB) is replaced by a
summary and flagged ReplayChildren, and replay then re-runs the body over the children's
own checkpoints. A virtual child records nothing for itself (FLAT map branches).

This module also serves map, parallel and wait_for_callback, which are child contexts
with their own subtype and body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from perdure._model import (
    ContextOptions,
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
)
from perdure._sdk.checkpoint_size import CHECKPOINT_SIZE_LIMIT_BYTES
from perdure._sdk.error_mapping import error_object_from_exception, raise_as_operation_error
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.operations import EXECUTE, FAIL, RETURN, START, Action, Decision
from perdure._sdk.operations.scope import OperationScope, ScopeT
from perdure._sdk.serdes import deserialize, serialize
from perdure._sdk.values import SerDes
from perdure.errors import (
    ChildContextError,
    ExecutionError,
    InvocationError,
    NonDeterministicExecutionError,
)

T = TypeVar("T")

CHECKPOINT_SIZE_LIMIT = CHECKPOINT_SIZE_LIMIT_BYTES


def decide_child(op: Operation | None) -> Decision:
    if op is None:
        return START
    if op.status is OperationStatus.SUCCEEDED:
        details = op.context_details
        if details is not None and details.replay_children:
            return Decision(Action.REPLAY_CHILDREN)
        return RETURN
    if op.status in (
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.TIMED_OUT,
        OperationStatus.STOPPED,
    ):
        return FAIL
    return EXECUTE  # STARTED: resume the body without a new START


def run_child(
    ctx: ScopeT,
    func: Callable[[ScopeT], T],
    name: str | None,
    *,
    sub_type: str,
    serdes: SerDes[Any] | None = None,
    summary_generator: Callable[[T], str] | None = None,
    is_virtual: bool = False,
    operation_id: str | None = None,
    parent_id: str | None = None,
) -> T:
    """Run `func` in a child context. `operation_id`/`parent_id` override the counter
    (map/parallel branches, whose ids come from their index)."""
    state = ctx.state
    arn = ctx.execution_context.durable_execution_arn
    own_id = operation_id is None
    op_id = ctx._begin_operation() if operation_id is None else operation_id
    ident = OperationIdentifier(
        op_id,
        sub_type,
        ctx._parent_id if parent_id is None else parent_id,
        name,
        OperationType.CONTEXT,
    )
    if is_virtual:
        if state.get_operation(op_id) is not None:
            raise NonDeterministicExecutionError(
                f"Non-deterministic operation identity at id={op_id!r}: a virtual child "
                "context found a recorded operation",
                step_id=op_id,
            )
        decision = EXECUTE
        op = None
    else:
        op = state.get_checkpoint(ident)
        decision = decide_child(op)
    if decision.action is Action.RETURN:
        assert op is not None and op.context_details is not None
        value: T = deserialize(serdes, op.context_details.result, op_id, arn)
        if own_id:
            ctx._end_operation(op_id)
        return value
    if decision.action is Action.FAIL:
        assert op is not None
        details = op.context_details
        error = details.error if details is not None and details.error else None
        raise_as_operation_error(
            error or ErrorObject(message=f"Child context {op_id} failed"), ChildContextError
        )
    if decision.action is Action.START:
        state.create_checkpoint(ident.update(OperationAction.START), is_sync=False)
    replaying_children = decision.action is Action.REPLAY_CHILDREN
    child = ctx.create_child_context(op_id, is_virtual=is_virtual)
    child._replaying_children = replaying_children
    host = state.plugins
    silent = is_virtual or replaying_children  # nothing recorded for this context itself
    try:
        if host is None:
            raw = func(child)
        else:
            # A body's first run is attempt 1; a re-run over a recorded context has none.
            raw = host.run_user_function(
                ident,
                lambda: func(child),
                attempt=None if op is not None else 1,
                is_replay_children=replaying_children,
            )
        payload = serialize(serdes, raw, op_id, arn)
        value = deserialize(serdes, payload, op_id, arn)
    except ExecutionError:
        raise
    except InvocationError as exc:
        if exc.is_retryable():
            raise
        _fail(ctx, ident, exc, silent, replaying_children)
    except Exception as exc:
        _fail(ctx, ident, exc, silent, replaying_children)
    if host is not None and silent:
        host.synthetic_end(ident, replaying_children, None)
    if not (is_virtual or replaying_children):
        replay_children = len(payload) > CHECKPOINT_SIZE_LIMIT
        if replay_children:
            payload = summary_generator(raw) if summary_generator is not None else ""
        state.create_checkpoint(
            ident.update(
                OperationAction.SUCCEED,
                payload=payload,
                context_options=ContextOptions(replay_children=replay_children),
            ),
            is_sync=True,
        )
    if own_id:
        ctx._end_operation(op_id)
    return value


def _fail(
    ctx: OperationScope,
    ident: OperationIdentifier,
    exc: Exception,
    silent: bool,
    replaying_children: bool = False,
) -> NoReturn:
    """Record the failure (unless nothing is recorded for this context) and raise it as
    replay would: ChildContextError (SerDesError for serdes failures), typed cause."""
    error = error_object_from_exception(exc)
    if not silent:
        ctx.state.create_checkpoint(ident.update(OperationAction.FAIL, error=error), is_sync=True)
    elif ctx.state.plugins is not None:
        ctx.state.plugins.synthetic_end(ident, replaying_children, error)
    raise_as_operation_error(error, ChildContextError)
