"""Each operation's replay decision is a pure function of its recorded Operation."""

from __future__ import annotations

from perdure._model import (
    CallbackDetails,
    ContextDetails,
    Operation,
    OperationStatus,
    OperationType,
    StepDetails,
)
from perdure._sdk.config import StepSemantics
from perdure._sdk.operations import Action
from perdure._sdk.operations.callback import decide_callback_result, decide_create_callback
from perdure._sdk.operations.child import decide_child
from perdure._sdk.operations.invoke import decide_invoke
from perdure._sdk.operations.step import decide_step
from perdure._sdk.operations.wait import decide_wait
from perdure._sdk.operations.wait_for_condition import decide_wait_for_condition

NOW = 1_000_000
S = OperationStatus
ALO = StepSemantics.AT_LEAST_ONCE_PER_RETRY
AMO = StepSemantics.AT_MOST_ONCE_PER_RETRY


def op(t: OperationType, status: OperationStatus, **kw: object) -> Operation:
    return Operation("x", t, status, 0, **kw)  # type: ignore[arg-type]


def step(status: OperationStatus, **kw: object) -> Operation:
    return op(OperationType.STEP, status, **kw)


def test_step_decisions() -> None:
    assert decide_step(None, ALO, NOW).action is Action.START
    assert decide_step(step(S.SUCCEEDED), ALO, NOW).action is Action.RETURN
    assert decide_step(step(S.FAILED), ALO, NOW).action is Action.FAIL
    assert decide_step(step(S.STARTED), ALO, NOW).action is Action.EXECUTE
    assert decide_step(step(S.STARTED), AMO, NOW).action is Action.INTERRUPTED
    ready = decide_step(step(S.READY, step_details=StepDetails(attempt=2)), ALO, NOW)
    assert ready.action is Action.START and ready.attempt == 3


def test_step_pending_suspends_until_next_attempt_not_before_now() -> None:
    later = step(S.PENDING, step_details=StepDetails(attempt=1, next_attempt_timestamp=NOW + 5))
    assert decide_step(later, ALO, NOW).resume_at_ms == NOW + 5
    past = step(S.PENDING, step_details=StepDetails(attempt=1, next_attempt_timestamp=NOW - 5))
    assert decide_step(past, ALO, NOW).resume_at_ms == NOW


def test_wait_decisions_use_full_duration_from_now() -> None:
    assert decide_wait(None, 10, NOW).action is Action.START
    assert decide_wait(op(OperationType.WAIT, S.SUCCEEDED), 10, NOW).action is Action.RETURN
    started = decide_wait(op(OperationType.WAIT, S.STARTED), 10, NOW)
    assert started.action is Action.SUSPEND and started.resume_at_ms == NOW + 10_000


def test_callback_decisions() -> None:
    cb = op(OperationType.CALLBACK, S.FAILED, callback_details=CallbackDetails("id"))
    assert decide_create_callback(None).action is Action.START
    assert decide_create_callback(cb).action is Action.RETURN  # errors wait for result()
    assert decide_callback_result(cb).action is Action.FAIL
    assert decide_callback_result(op(OperationType.CALLBACK, S.STARTED)).action is Action.SUSPEND
    assert decide_callback_result(op(OperationType.CALLBACK, S.SUCCEEDED)).action is Action.RETURN


def test_invoke_decisions() -> None:
    assert decide_invoke(None).action is Action.START
    assert decide_invoke(op(OperationType.CHAINED_INVOKE, S.STARTED)).action is Action.SUSPEND
    for status in (S.FAILED, S.TIMED_OUT, S.STOPPED):
        assert decide_invoke(op(OperationType.CHAINED_INVOKE, status)).action is Action.FAIL
    assert decide_invoke(op(OperationType.CHAINED_INVOKE, S.SUCCEEDED)).action is Action.RETURN


def test_child_decisions() -> None:
    ctx = OperationType.CONTEXT
    assert decide_child(None).action is Action.START
    assert decide_child(op(ctx, S.STARTED)).action is Action.EXECUTE
    assert decide_child(op(ctx, S.SUCCEEDED)).action is Action.RETURN
    big = op(ctx, S.SUCCEEDED, context_details=ContextDetails(replay_children=True))
    assert decide_child(big).action is Action.REPLAY_CHILDREN
    assert decide_child(op(ctx, S.FAILED)).action is Action.FAIL


def test_wait_for_condition_decisions() -> None:
    assert decide_wait_for_condition(None, NOW).action is Action.START
    ready = decide_wait_for_condition(step(S.READY, step_details=StepDetails(attempt=1)), NOW)
    assert ready.action is Action.START and ready.attempt == 2
    assert decide_wait_for_condition(step(S.STARTED), NOW).action is Action.EXECUTE
    pending = step(S.PENDING, step_details=StepDetails(attempt=1, next_attempt_timestamp=NOW + 9))
    assert decide_wait_for_condition(pending, NOW).resume_at_ms == NOW + 9
    assert decide_wait_for_condition(step(S.SUCCEEDED), NOW).action is Action.RETURN
    assert decide_wait_for_condition(step(S.FAILED), NOW).action is Action.FAIL
