"""Every invocation ends in exactly one InvocationCompleted, also when the execution is
stopped or times out under it; and a pause takes hold at the running invocation's next
checkpoint: the checkpoint stands, the token is withdrawn, the execution is PAUSED, and
the invocation runs again after the resume."""

from __future__ import annotations

import pytest

from perdure._config import RetryPolicy
from perdure._engine.checkpoint import checkpoint_transition
from perdure._engine.invocations import begin_invocation, complete_invocation
from perdure._engine.lifecycle import start_execution, stop_execution
from perdure._engine.pause import pause_execution, resume_execution
from perdure._engine.timers import fire_timer
from perdure._engine.validation import check_token
from perdure._model import (
    ErrorObject,
    EventType,
    Execution,
    ExecutionStatus,
    InvocationOutput,
    InvocationStatus,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
)
from perdure._model.state import ExecutionState, InvocationState, TimerKind, Transition
from perdure.errors import InvalidParameterValueError

T0 = 1_700_000_000_000
PENDING = InvocationOutput(InvocationStatus.PENDING)


def running() -> tuple[ExecutionState, list[EventType]]:
    """An execution whose first invocation (request `req`, token `tok`) is running, and
    the list its event types are collected in."""
    execution = Execution(
        arn="arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/n/x",
        execution_id="x",
        name="n",
        function_name="f",
        version="$LATEST",
        status=ExecutionStatus.RUNNING,
        start_timestamp=T0,
        execution_timeout=60,
    )
    state, transition = start_execution(execution, T0)
    events: list[EventType] = []
    apply(state, transition, events)
    begun = begin_invocation(state, T0 + 1, "tok", "req")
    assert begun is not None
    apply(state, begun[0], events)
    return state, events


def apply(state: ExecutionState, transition: Transition | None, events: list[EventType]) -> None:
    assert transition is not None
    state.apply(transition)
    events.extend(e.event_type for e in transition.events)


def status_of(state: ExecutionState) -> ExecutionStatus:
    """The execution's status, read afresh (not narrowed by an earlier assertion)."""
    return state.record.execution.status


def checkpoint_step(state: ExecutionState, now: int) -> Transition:
    """What the service does with a checkpoint of step `s` started and finished."""
    updates = [
        OperationUpdate("s", OperationType.STEP, OperationAction.START, sub_type="Step"),
        OperationUpdate(
            "s", OperationType.STEP, OperationAction.SUCCEED, sub_type="Step", payload='"ok"'
        ),
    ]
    return checkpoint_transition(state, updates, now, "tok2")


def test_stopping_an_execution_mid_invocation_ends_that_invocation_first() -> None:
    state, events = running()
    apply(state, stop_execution(state, None, T0 + 5), events)
    assert events[-2:] == [EventType.INVOCATION_COMPLETED, EventType.EXECUTION_STOPPED]
    assert state.record.invocation is InvocationState.IDLE
    assert state.record.request_id is None
    completed = next(
        e for e in stop_execution(running()[0], None, T0 + 5).events if e.details.get("Error")
    )
    assert completed.details["RequestId"] == "req"
    assert completed.details["Error"]["Payload"]["ErrorType"] == "Invocation.Interrupted"


def test_the_stopped_invocation_can_neither_checkpoint_nor_end_a_second_time() -> None:
    state, events = running()
    apply(state, stop_execution(state, None, T0 + 5), events)
    with pytest.raises(InvalidParameterValueError, match=r"Invalid checkpoint token.*STOPPED"):
        check_token(state, "tok")
    done = InvocationOutput(InvocationStatus.SUCCEEDED, result='"late"')
    assert complete_invocation(state, T0 + 6, "req", done, None, RetryPolicy()) is None
    assert events.count(EventType.INVOCATION_COMPLETED) == 1
    assert state.record.execution.result is None


def test_the_execution_timeout_mid_invocation_ends_that_invocation_first() -> None:
    state, events = running()
    apply(state, fire_timer(state, "x", TimerKind.EXECUTION_TIMEOUT, T0 + 60_000), events)
    assert events[-2:] == [EventType.INVOCATION_COMPLETED, EventType.EXECUTION_TIMED_OUT]
    assert state.record.execution.status is ExecutionStatus.TIMED_OUT


def test_an_invocation_that_reports_back_ends_once_and_before_the_execution() -> None:
    state, events = running()
    done = InvocationOutput(InvocationStatus.SUCCEEDED, result='"done"')
    apply(state, complete_invocation(state, T0 + 2, "req", done, None, RetryPolicy()), events)
    assert events[-2:] == [EventType.INVOCATION_COMPLETED, EventType.EXECUTION_SUCCEEDED]
    assert events.count(EventType.INVOCATION_COMPLETED) == 1


def test_a_pause_takes_hold_at_the_next_checkpoint_which_is_kept() -> None:
    state, events = running()
    apply(state, pause_execution(state, None, True, T0 + 2), events)
    assert state.record.execution.status is ExecutionStatus.PAUSING
    apply(state, checkpoint_step(state, T0 + 3), events)
    assert state.ops["s"].status is OperationStatus.SUCCEEDED  # the step is not run again
    assert status_of(state) is ExecutionStatus.PAUSED
    assert state.record.token is None  # withdrawn: the response carries no token
    assert state.record.invocation is InvocationState.RUNNING
    with pytest.raises(InvalidParameterValueError, match="paused"):
        check_token(state, "tok")


def test_the_held_invocation_ends_pending_and_runs_again_only_after_resume() -> None:
    state, events = running()
    apply(state, pause_execution(state, None, True, T0 + 2), events)
    apply(state, checkpoint_step(state, T0 + 3), events)
    # Nothing is pending (the step finished), yet this PENDING is what was asked for.
    apply(state, complete_invocation(state, T0 + 4, "req", PENDING, None, RetryPolicy()), events)
    completed = [e for e in events if e is EventType.INVOCATION_COMPLETED]
    assert len(completed) == 1
    assert state.record.failed_invocations == 0
    assert state.record.execution.status is ExecutionStatus.PAUSED
    assert EventType.EXECUTION_SUCCEEDED not in events
    assert state.record.invocation is InvocationState.QUEUED
    assert begin_invocation(state, T0 + 5, "tok3", "req2") is None  # held while paused
    apply(state, resume_execution(state, None, None, T0 + 6), events)
    assert begin_invocation(state, T0 + 7, "tok3", "req2") is not None


def test_a_resume_before_the_held_invocation_reports_back_still_runs_it_again() -> None:
    state, events = running()
    apply(state, pause_execution(state, None, True, T0 + 2), events)
    apply(state, checkpoint_step(state, T0 + 3), events)
    apply(state, resume_execution(state, None, None, T0 + 4), events)
    apply(state, complete_invocation(state, T0 + 5, "req", PENDING, None, RetryPolicy()), events)
    assert state.record.execution.status is ExecutionStatus.RUNNING
    assert begin_invocation(state, T0 + 6, "tok3", "req2") is not None


def test_a_checkpoint_without_a_pause_keeps_its_token() -> None:
    state, events = running()
    apply(state, checkpoint_step(state, T0 + 3), events)
    assert state.record.token == "tok2"
    assert state.record.execution.status is ExecutionStatus.RUNNING


def test_stopping_a_held_invocation_ends_it_once() -> None:
    state, events = running()
    apply(state, pause_execution(state, None, True, T0 + 2), events)
    apply(state, checkpoint_step(state, T0 + 3), events)
    apply(state, stop_execution(state, ErrorObject(message="no"), T0 + 4), events)
    assert events.count(EventType.INVOCATION_COMPLETED) == 1
    assert complete_invocation(state, T0 + 5, "req", PENDING, None, RetryPolicy()) is None
    assert state.record.execution.status is ExecutionStatus.STOPPED
