"""Pausing and resuming (`perdure._engine.pause`): a pause stops new invocations, not
the execution's clock of waits and callbacks; it takes hold at once when nothing runs and
at the running invocation's next checkpoint or end otherwise; the execution timeout
stops counting while paused unless asked to go on."""

from __future__ import annotations

import pytest

from perdure._config import RetryPolicy
from perdure._engine.draft import Draft
from perdure._engine.invocations import begin_invocation, complete_invocation
from perdure._engine.lifecycle import stop_execution
from perdure._engine.pause import (
    MAX_PAUSE_MS,
    MAX_REASON_CHARS,
    PauseInfo,
    after_invocation,
    held,
    may_invoke,
    pause_execution,
    resume_execution,
    take_hold,
)
from perdure._engine.timers import fire_timer
from perdure._model import (
    EventType,
    ExecutionStatus,
    InvocationOutput,
    InvocationStatus,
    OperationType,
    OperationUpdate,
)
from perdure._model.state import ExecutionState, InvocationState, TimerKind
from perdure.errors import InvalidParameterValueError, ResourceConflictError
from tests.unit.engine.engine_states import (
    EXECUTION_ID,
    REQUEST_ID,
    T0,
    TIMEOUT_SECONDS,
    TOKEN,
    A,
    apply,
    checkpoint,
    running,
    started,
    step,
    types,
    wait,
)

E = EventType
NOW = T0 + 10
TIMEOUT_DUE = T0 + TIMEOUT_SECONDS * 1000
TIMEOUT_KEY = (EXECUTION_ID, TimerKind.EXECUTION_TIMEOUT)
PENDING = InvocationOutput(InvocationStatus.PENDING)


def idle() -> ExecutionState:
    """Waiting for `w` (60 s) with no invocation running."""
    state = running()
    checkpoint(state, wait("w", 60))
    apply(state, complete_invocation(state, NOW, REQUEST_ID, PENDING, None, RetryPolicy()))
    return state


def paused(state: ExecutionState, at: int = NOW, timeout_paused: bool = True) -> ExecutionState:
    return apply(state, pause_execution(state, "deploy", timeout_paused, at))


# -- pausing -----------------------------------------------------------------------------


def test_an_idle_execution_is_paused_at_once_and_the_pause_recorded() -> None:
    state = idle()
    t = pause_execution(state, "deploy", True, NOW)
    assert t is not None
    apply(state, t)
    assert state.record.execution.status is ExecutionStatus.PAUSED
    assert types(t.events) == [E.EXECUTION_PAUSED]
    assert t.events[0].details == {
        "PauseRequestTimestamp": NOW,
        "Reason": {"Truncated": False, "Payload": "deploy"},
        "ExecutionTimeoutPaused": True,
    }


def test_a_running_execution_is_pausing_until_its_invocation_checkpoints() -> None:
    state = paused(running())
    assert state.record.execution.status is ExecutionStatus.PAUSING
    assert state.record.token == TOKEN  # the invocation may still checkpoint once


def test_pausing_twice_changes_nothing_the_second_time() -> None:
    state = paused(idle())
    assert pause_execution(state, None, True, NOW + 1) is None


def test_an_ended_execution_cannot_be_paused() -> None:
    state = idle()
    apply(state, stop_execution(state, None, NOW))
    with pytest.raises(ResourceConflictError, match=r"Cannot pause .* ended \(STOPPED\)"):
        pause_execution(state, None, True, NOW + 1)


def test_a_reason_over_its_limit_is_refused() -> None:
    with pytest.raises(InvalidParameterValueError, match=f"at most {MAX_REASON_CHARS}"):
        pause_execution(idle(), "x" * (MAX_REASON_CHARS + 1), True, NOW)


def test_while_paused_the_execution_timeout_is_pushed_out_by_the_longest_pause() -> None:
    state = paused(idle())
    assert state.timers[TIMEOUT_KEY] == TIMEOUT_DUE + MAX_PAUSE_MS


def test_a_pause_that_keeps_the_timeout_running_leaves_it_alone() -> None:
    state = paused(idle(), timeout_paused=False)
    assert state.timers[TIMEOUT_KEY] == TIMEOUT_DUE


def test_while_paused_waits_still_end_but_no_invocation_begins() -> None:
    state = paused(idle())
    apply(state, fire_timer(state, "w", TimerKind.WAIT_END, NOW + 60_000))
    assert state.ops["w"].status.value == "SUCCEEDED"
    assert state.record.invocation is InvocationState.QUEUED
    assert not may_invoke(state)
    assert begin_invocation(state, NOW + 60_001, "t2", "r2") is None


# -- resuming ----------------------------------------------------------------------------


def test_resuming_runs_what_was_queued_meanwhile() -> None:
    state = paused(idle())
    apply(state, fire_timer(state, "w", TimerKind.WAIT_END, NOW + 60_000))
    t = resume_execution(state, "done", PauseInfo(NOW, "deploy", True), NOW + 70_000)
    assert t is not None
    apply(state, t)
    assert state.record.execution.status is ExecutionStatus.RUNNING
    assert t.events[0].details == {
        "ResumeRequestTimestamp": NOW + 70_000,
        "Reason": {"Truncated": False, "Payload": "done"},
    }
    assert begin_invocation(state, NOW + 70_001, "t2", "r2") is not None


def test_resuming_gives_the_timeout_back_less_the_time_spent_paused() -> None:
    state = paused(idle())
    apply(state, resume_execution(state, None, PauseInfo(NOW, None, True), NOW + 5000))
    assert state.timers[TIMEOUT_KEY] == TIMEOUT_DUE + 5000


def test_resuming_a_pause_that_kept_the_timeout_running_leaves_it_alone() -> None:
    state = paused(idle(), timeout_paused=False)
    apply(state, resume_execution(state, None, PauseInfo(NOW, None, False), NOW + 5000))
    assert state.timers[TIMEOUT_KEY] == TIMEOUT_DUE


def test_a_forgotten_pause_still_times_out_once_the_longest_pause_is_over() -> None:
    state = paused(idle())
    due = state.timers[TIMEOUT_KEY]
    apply(state, fire_timer(state, EXECUTION_ID, TimerKind.EXECUTION_TIMEOUT, due))
    assert state.record.execution.status is ExecutionStatus.TIMED_OUT


def test_resuming_an_execution_that_is_not_paused_changes_nothing() -> None:
    assert resume_execution(idle(), None, None, NOW) is None


def test_an_ended_execution_cannot_be_resumed() -> None:
    state = paused(idle())
    apply(state, stop_execution(state, None, NOW + 1))
    with pytest.raises(ResourceConflictError, match="Cannot resume"):
        resume_execution(state, None, None, NOW + 2)


# -- the running invocation --------------------------------------------------------------


def test_a_pause_takes_hold_on_a_checkpoint_and_withdraws_the_token() -> None:
    state = paused(running())
    draft = Draft(state, NOW + 1)
    assert take_hold(draft)
    t = draft.finish()
    assert (t.record.execution.status, t.record.token) == (ExecutionStatus.PAUSED, None)


def test_without_a_pause_waiting_a_checkpoint_takes_no_hold() -> None:
    assert not take_hold(Draft(running(), NOW))


def test_an_invocation_that_ends_while_pausing_leaves_the_execution_paused() -> None:
    state = paused(running())
    draft = Draft(state, NOW + 1)
    after_invocation(draft)
    assert draft.record.execution.status is ExecutionStatus.PAUSED


def test_only_a_token_a_pause_withdrew_counts_as_held() -> None:
    state = paused(running())
    assert not held(state)
    checkpoint(state, step("s", A.START))
    assert held(state)
    ended = running()
    checkpoint(ended, OperationUpdate(EXECUTION_ID, OperationType.EXECUTION, A.SUCCEED))
    assert ended.record.token is None and not held(ended)  # its result withdrew it


def test_a_fresh_execution_may_be_invoked() -> None:
    assert may_invoke(started())
