"""`context.wait_for_condition`: poll a check until a strategy says stop, durably.

One STEP op (subtype WaitForCondition) carries the polling state: each attempt runs the
check on the recorded state, and either SUCCEEDs with the final state or RETRYs with the
new state as payload (no error) and a delay. The service holds the step PENDING until the
delay passes, then re-invokes; the next attempt reads the state back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from perdure._model import (
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    StepOptions,
)
from perdure._sdk.error_mapping import error_object_from_exception, raise_as_operation_error
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.logger import LogInfo
from perdure._sdk.operations import EXECUTE, FAIL, RETURN, Action, Decision
from perdure._sdk.operations.scope import OperationScope
from perdure._sdk.serdes import deserialize, serialize
from perdure._sdk.types import WaitForConditionCheckContext
from perdure._sdk.waits import WaitForConditionConfig
from perdure.errors import (
    ExecutionError,
    InvocationError,
    SerDesError,
    TimedSuspendExecution,
    WaitForConditionError,
)

T = TypeVar("T")


def decide_wait_for_condition(op: Operation | None, now_ms: int) -> Decision:
    if op is None:
        return Decision(Action.START, attempt=1)
    details = op.step_details
    attempt = (details.attempt if details is not None else 0) + 1
    if op.status is OperationStatus.SUCCEEDED:
        return RETURN
    if op.status in (
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.TIMED_OUT,
        OperationStatus.STOPPED,
    ):
        return FAIL
    if op.status is OperationStatus.PENDING:
        at = details.next_attempt_timestamp if details is not None else None
        return Decision(Action.SUSPEND, resume_at_ms=max(at or now_ms, now_ms), attempt=attempt)
    if op.status is OperationStatus.STARTED:
        return Decision(EXECUTE.action, attempt=attempt)
    return Decision(Action.START, attempt=attempt)  # READY


def run_wait_for_condition(
    ctx: OperationScope,
    check: Callable[[T, WaitForConditionCheckContext], T],
    config: WaitForConditionConfig[T],
    name: str | None,
) -> T:
    state = ctx.state
    arn = ctx.execution_context.durable_execution_arn
    op_id = ctx._begin_operation()
    ident = OperationIdentifier(op_id, "WaitForCondition", ctx._parent_id, name, OperationType.STEP)
    op = state.get_checkpoint(ident)
    decision = decide_wait_for_condition(op, state.clock.now_ms())
    details = op.step_details if op is not None else None
    if decision.action is Action.RETURN:
        value: T = deserialize(config.serdes, details.result if details else None, op_id, arn)
        ctx._end_operation(op_id)
        return value
    if decision.action is Action.FAIL:
        error = details.error if details is not None and details.error else None
        raise_as_operation_error(
            error or ErrorObject(message=f"wait_for_condition {op_id} failed"),
            WaitForConditionError,
        )
    if decision.action is Action.SUSPEND:
        assert decision.resume_at_ms is not None
        raise TimedSuspendExecution(
            f"wait_for_condition {name or op_id} polls again later", decision.resume_at_ms / 1000
        )
    if decision.action is Action.START:
        state.create_checkpoint(ident.update(OperationAction.START), is_sync=False)
    attempt = decision.attempt
    logger = ctx.logger.with_log_info(LogInfo(ctx.state, ident.parent_id, op_id, name, attempt))
    try:
        if details is not None and details.result is not None:
            current: Any = deserialize(config.serdes, details.result, op_id, arn)
        else:
            current = deserialize(
                config.serdes,
                serialize(config.serdes, config.initial_state, op_id, arn),
                op_id,
                arn,
            )
        check_ctx = WaitForConditionCheckContext(logger=logger, attempt=attempt)
        host = state.plugins
        if host is None:
            new_state = check(current, check_ctx)
        else:
            new_state = host.run_user_function(
                ident, lambda: check(current, check_ctx), attempt=attempt
            )
        verdict = config.wait_strategy(new_state, attempt)
        payload = serialize(config.serdes, new_state, op_id, arn)
        if not verdict.should_continue:
            result: T = deserialize(config.serdes, payload, op_id, arn)
    except SerDesError as exc:
        error = error_object_from_exception(exc)
        state.create_checkpoint(ident.update(OperationAction.FAIL, error=error), is_sync=True)
        raise
    except ExecutionError:
        raise
    except InvocationError as exc:
        if exc.is_retryable():
            raise
        _fail(ctx, ident, exc)
    except Exception as exc:
        _fail(ctx, ident, exc)
    if not verdict.should_continue:
        state.create_checkpoint(
            ident.update(OperationAction.SUCCEED, payload=payload), is_sync=True
        )
        ctx._end_operation(op_id)
        return result
    delay = max(1, verdict.delay_seconds)
    state.create_checkpoint(
        ident.update(
            OperationAction.RETRY,
            payload=payload,
            step_options=StepOptions(next_attempt_delay_seconds=delay),
        ),
        is_sync=True,
    )
    raise TimedSuspendExecution(
        f"wait_for_condition {name or op_id} polls again in {delay}s",
        state.clock.now_ms() / 1000 + delay,
    )


def _fail(ctx: OperationScope, ident: OperationIdentifier, exc: Exception) -> NoReturn:
    error = error_object_from_exception(exc)
    ctx.state.create_checkpoint(ident.update(OperationAction.FAIL, error=error), is_sync=True)
    raise_as_operation_error(error, WaitForConditionError)
