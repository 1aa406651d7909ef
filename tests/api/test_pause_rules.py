"""The pause and resume rules of `perdure._engine.pause`, as pure functions: PAUSING while
an invocation runs, no invocation while paused, and the execution timeout standing still
while paused."""

from __future__ import annotations

import pytest

from perdure._config import RetryPolicy
from perdure._engine import pause
from perdure._engine.invocations import begin_invocation, complete_invocation
from perdure._engine.lifecycle import start_execution, stop_execution
from perdure._model import Execution, ExecutionStatus, InvocationOutput, InvocationStatus
from perdure._model.state import ExecutionState, InvocationState, TimerKind, Transition
from perdure.errors import ResourceConflictError

T0 = 1_700_000_000_000


def new_state() -> ExecutionState:
    execution = Execution(
        arn="arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/n/x",
        execution_id="x",
        name="n",
        function_name="f",
        version="$LATEST",
        status=ExecutionStatus.RUNNING,
        start_timestamp=T0,
        execution_timeout=3600,
    )
    state, transition = start_execution(execution, T0)
    state.apply(transition)
    return state


def applied(state: ExecutionState, transition: Transition | None) -> ExecutionState:
    assert transition is not None
    state.apply(transition)
    return state


def status(state: ExecutionState) -> ExecutionStatus:
    """The execution's status now (a call, so one assertion does not narrow the next)."""
    return state.record.execution.status


def timeout_due(state: ExecutionState) -> int:
    return state.timers[("x", TimerKind.EXECUTION_TIMEOUT)]


def test_pausing_an_idle_execution_holds_its_queued_invocation() -> None:
    state = new_state()
    assert state.record.invocation is InvocationState.QUEUED
    applied(state, pause.pause_execution(state, "why", True, T0 + 10))
    assert status(state) is ExecutionStatus.PAUSED
    assert begin_invocation(state, T0 + 20, "tok", "req") is None
    assert pause.pause_execution(state, None, True, T0 + 30) is None  # already paused
    applied(state, pause.resume_execution(state, None, None, T0 + 40))
    assert status(state) is ExecutionStatus.RUNNING
    assert begin_invocation(state, T0 + 50, "tok", "req") is not None


def test_a_pause_during_an_invocation_takes_effect_when_it_ends() -> None:
    state = new_state()
    begun = begin_invocation(state, T0 + 1, "tok", "req")
    assert begun is not None
    applied(state, begun[0])
    applied(state, pause.pause_execution(state, None, False, T0 + 2))
    assert status(state) is ExecutionStatus.PAUSING
    output = InvocationOutput(InvocationStatus.PENDING)
    applied(state, complete_invocation(state, T0 + 3, "req", output, None, RetryPolicy()))
    assert status(state) is ExecutionStatus.PAUSED


def test_an_execution_that_ends_while_pausing_ends() -> None:
    state = new_state()
    begun = begin_invocation(state, T0 + 1, "tok", "req")
    assert begun is not None
    applied(state, begun[0])
    applied(state, pause.pause_execution(state, None, True, T0 + 2))
    output = InvocationOutput(InvocationStatus.SUCCEEDED, result='"done"')
    applied(state, complete_invocation(state, T0 + 3, "req", output, None, RetryPolicy()))
    assert status(state) is ExecutionStatus.SUCCEEDED


def test_the_execution_timeout_stands_still_while_paused() -> None:
    state = new_state()
    due = timeout_due(state)
    applied(state, pause.pause_execution(state, None, True, T0 + 1_000))
    assert timeout_due(state) == due + pause.MAX_PAUSE_MS
    info = pause.PauseInfo(requested_at=T0 + 1_000, reason=None, timeout_paused=True)
    applied(state, pause.resume_execution(state, None, info, T0 + 61_000))
    assert timeout_due(state) == due + 60_000


def test_without_timeout_paused_the_timeout_keeps_counting() -> None:
    state = new_state()
    due = timeout_due(state)
    applied(state, pause.pause_execution(state, None, False, T0 + 1_000))
    info = pause.PauseInfo(requested_at=T0 + 1_000, reason=None, timeout_paused=False)
    applied(state, pause.resume_execution(state, None, info, T0 + 61_000))
    assert timeout_due(state) == due


def test_ended_executions_cannot_be_paused_or_resumed() -> None:
    state = new_state()
    applied(state, stop_execution(state, None, T0 + 1))
    with pytest.raises(ResourceConflictError):
        pause.pause_execution(state, None, True, T0 + 2)
    with pytest.raises(ResourceConflictError):
        pause.resume_execution(state, None, None, T0 + 2)
