"""`context.step`: run a function at most once per successful attempt and record its result.

AT_LEAST_ONCE (default): START is queued asynchronously and the body runs at once; found
STARTED on replay (the process died mid-attempt) the body simply runs again.
AT_MOST_ONCE: START is synchronous and the body runs only once it is recorded; found
STARTED on replay, the attempt is treated as interrupted and handed to the retry strategy.

Retry delays are owned by the service: a RETRY checkpoint leaves the step PENDING until
its next-attempt time, and the invocation suspends until then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

from perdure._model import (
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    StepOptions,
)
from perdure._sdk.config import StepConfig, StepSemantics
from perdure._sdk.error_mapping import error_object_from_exception, raise_as_operation_error
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.logger import LogInfo
from perdure._sdk.operations import FAIL, RETURN, Action, Decision
from perdure._sdk.operations.scope import OperationScope
from perdure._sdk.retries import RetryPresets
from perdure._sdk.serdes import deserialize, serialize
from perdure._sdk.types import StepContext
from perdure.errors import (
    ExecutionError,
    InvalidStateError,
    InvocationError,
    SerDesError,
    StepError,
    StepInterruptedError,
    TimedSuspendExecution,
)

T = TypeVar("T")


def decide_step(op: Operation | None, semantics: StepSemantics, now_ms: int) -> Decision:
    """What a step does given its recorded operation."""
    if op is None:
        return Decision(Action.START, attempt=1)
    details = op.step_details
    attempt = (details.attempt if details is not None else 0) + 1
    status = op.status
    if status is OperationStatus.SUCCEEDED:
        return RETURN
    if status in (
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.TIMED_OUT,
        OperationStatus.STOPPED,
    ):
        return FAIL
    if status is OperationStatus.PENDING:
        at = details.next_attempt_timestamp if details is not None else None
        return Decision(Action.SUSPEND, resume_at_ms=max(at or now_ms, now_ms), attempt=attempt)
    if status is OperationStatus.STARTED:
        if semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY:
            return Decision(Action.INTERRUPTED, attempt=attempt)
        return Decision(Action.EXECUTE, attempt=attempt)
    return Decision(Action.START, attempt=attempt)  # READY: the retry delay has passed


def run_step(
    ctx: OperationScope,
    func: Callable[[StepContext], T],
    name: str | None,
    config: StepConfig | None,
) -> T:
    config = config or StepConfig()
    state = ctx.state
    arn = ctx.execution_context.durable_execution_arn
    op_id = ctx._begin_operation()
    ident = OperationIdentifier(
        op_id, config.sub_type or "Step", ctx._parent_id, name, OperationType.STEP
    )
    op = state.get_checkpoint(ident)
    decision = decide_step(op, config.step_semantics, state.clock.now_ms())
    action = decision.action
    if action is Action.RETURN:
        assert op is not None
        result = op.step_details.result if op.step_details is not None else None
        value: T = deserialize(config.serdes, result, op_id, arn)
        ctx._end_operation(op_id)
        return value
    if action is Action.FAIL:
        assert op is not None
        raise_as_operation_error(_recorded_error(op), StepError)
    if action is Action.SUSPEND:
        assert decision.resume_at_ms is not None
        raise TimedSuspendExecution(
            f"Step {name or op_id} is waiting for its next attempt", decision.resume_at_ms / 1000
        )
    if action is Action.INTERRUPTED:
        interrupted = StepInterruptedError(  # AWS's wording: it is recorded in the history
            f"Step operation_id={op_id} name={name} was previously interrupted", step_id=op_id
        )
        _handle_failure(ctx, ident, config, interrupted, decision.attempt)
    if action is Action.START:
        if config.step_semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY:
            state.create_checkpoint(ident.update(OperationAction.START), is_sync=True)
            started = state.get_checkpoint(ident)
            if started is None or started.status is not OperationStatus.STARTED:
                raise InvalidStateError(
                    f"Step {op_id} must be STARTED after an at-most-once START, "
                    f"found {started.status if started else None}"
                )
        else:
            state.create_checkpoint(ident.update(OperationAction.START), is_sync=False)
    value = _execute(ctx, ident, func, config, decision.attempt)
    ctx._end_operation(op_id)
    return value


def _execute(
    ctx: OperationScope,
    ident: OperationIdentifier,
    func: Callable[[StepContext], T],
    config: StepConfig,
    attempt: int,
) -> T:
    state = ctx.state
    arn = ctx.execution_context.durable_execution_arn
    op_id = ident.operation_id
    logger = ctx.logger.with_log_info(
        LogInfo(state, ident.parent_id, op_id, ident.name, attempt)
    ).with_is_replaying(_never)
    host = state.plugins
    try:
        step_ctx = StepContext(logger=logger, attempt=attempt)
        if host is None:
            raw = func(step_ctx)
        else:
            raw = host.run_user_function(ident, lambda: func(step_ctx), attempt=attempt)
        payload = serialize(config.serdes, raw, op_id, arn)
        value: T = deserialize(config.serdes, payload, op_id, arn)
    except SerDesError as exc:
        error = error_object_from_exception(exc)
        state.create_checkpoint(ident.update(OperationAction.FAIL, error=error), is_sync=True)
        raise
    except ExecutionError:
        raise
    except InvocationError as exc:
        if exc.is_retryable():
            raise
        _handle_failure(ctx, ident, config, exc, attempt)
    except Exception as exc:
        _handle_failure(ctx, ident, config, exc, attempt)
    state.create_checkpoint(ident.update(OperationAction.SUCCEED, payload=payload), is_sync=True)
    return value


def _handle_failure(
    ctx: OperationScope,
    ident: OperationIdentifier,
    config: StepConfig,
    exc: Exception,
    attempt: int,
) -> NoReturn:
    """Ask the retry strategy: RETRY and suspend until the next attempt, or FAIL."""
    state = ctx.state
    strategy = config.retry_strategy or RetryPresets.default()
    decision = strategy(exc, attempt)
    error = error_object_from_exception(exc)
    if decision.should_retry:
        delay = max(1, decision.delay_seconds)
        state.create_checkpoint(
            ident.update(
                OperationAction.RETRY,
                error=error,
                step_options=StepOptions(next_attempt_delay_seconds=delay),
            ),
            is_sync=True,
        )
        raise TimedSuspendExecution(
            f"Step {ident.name or ident.operation_id} retries in {delay}s",
            state.clock.now_ms() / 1000 + delay,
        )
    state.create_checkpoint(ident.update(OperationAction.FAIL, error=error), is_sync=True)
    raise_as_operation_error(error, StepError)


def _recorded_error(op: Operation) -> ErrorObject:
    details = op.step_details
    if details is not None and details.error is not None:
        return details.error
    return ErrorObject(message=f"Step {op.operation_id} {op.status.value.lower()}")


def _never() -> bool:
    return False
