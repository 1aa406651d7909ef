"""Invocations (`perdure._engine.invocations`): a queued invocation starts with a fresh
token and the state to replay; how it ends decides what comes next (the execution's end,
another invocation now or after a backoff, or waiting); a stale report changes nothing."""

from __future__ import annotations

import pytest

from perdure._config import RetryPolicy
from perdure._engine.callbacks import callback_success
from perdure._engine.checkpoint import Minted
from perdure._engine.invocations import begin_invocation, complete_invocation, has_pending_work
from perdure._engine.pause import pause_execution
from perdure._engine.timers import fire_timer
from perdure._model import (
    ErrorObject,
    EventType,
    ExecutionStatus,
    InvocationOutput,
    InvocationStatus,
    OperationUpdate,
)
from perdure._model.state import ExecutionState, InvocationState, TimerKind, Transition
from tests.unit.engine.engine_states import (
    EXECUTION_ID,
    REQUEST_ID,
    T0,
    A,
    T,
    apply,
    callback,
    checkpoint,
    retry,
    running,
    started,
    step,
    types,
    wait,
)

E = EventType
NOW = T0 + 10
POLICY = RetryPolicy(max_consecutive_failures=3, first_backoff_seconds=1, max_backoff_seconds=60)
PENDING = InvocationOutput(InvocationStatus.PENDING)
SUCCEEDED = InvocationOutput(InvocationStatus.SUCCEEDED, result='"done"')
CRASH = ErrorObject("worker died", "Invocation.Crashed")


def end(
    state: ExecutionState, output: InvocationOutput | None, failure: ErrorObject | None = None
) -> Transition:
    """Invocation `REQUEST_ID` ends now with `output` or `failure`; the transition."""
    t = complete_invocation(state, NOW, REQUEST_ID, output, failure, POLICY)
    apply(state, t)
    assert t is not None
    return t


# -- the retry policy --------------------------------------------------------------------


def test_the_backoff_doubles_from_the_first_and_stops_at_the_cap() -> None:
    policy = RetryPolicy(first_backoff_seconds=0.5, max_backoff_seconds=3)
    assert [policy.backoff_ms(n) for n in range(1, 6)] == [500, 1000, 2000, 3000, 3000]


# -- beginning ---------------------------------------------------------------------------


def test_a_queued_invocation_begins_with_its_token_and_the_whole_state() -> None:
    state = started()
    begun = begin_invocation(state, NOW, "t1", "r1")
    assert begun is not None
    transition, given = begun
    record = transition.record
    assert (record.invocation, record.token, record.request_id) == (
        InvocationState.RUNNING,
        "t1",
        "r1",
    )
    assert record.invocation_started == NOW
    assert given.checkpoint_token == "t1"
    assert given.durable_execution_arn == state.record.execution.arn
    assert given.operations == list(state.ops.values())
    assert given.updated_operation_ids == ["x"]  # everything is new to the first one


def test_the_next_invocation_is_told_what_changed_while_the_execution_was_suspended() -> None:
    state = running()
    checkpoint(state, wait("w", 1), step("s", A.START))
    end(state, PENDING)
    apply(state, fire_timer(state, "w", TimerKind.WAIT_END, NOW + 1000))
    begun = begin_invocation(state, NOW + 1001, "t2", "r2")
    assert begun is not None
    # The step's START was the last invocation's own change: only the wait is news.
    assert begun[1].updated_operation_ids == ["w"]


def test_only_a_queued_invocation_begins() -> None:
    assert begin_invocation(running(), NOW, "t2", "r2") is None


def test_a_paused_execution_begins_no_invocation() -> None:
    state = started()
    apply(state, pause_execution(state, None, True, NOW))
    assert state.record.invocation is InvocationState.QUEUED
    assert begin_invocation(state, NOW, "t1", "r1") is None


# -- ending ------------------------------------------------------------------------------


def test_a_handler_that_returns_its_result_ends_the_execution_after_its_invocation() -> None:
    state = running()
    t = end(state, SUCCEEDED)
    assert types(t.events) == [E.INVOCATION_COMPLETED, E.EXECUTION_SUCCEEDED]
    assert state.record.execution.status is ExecutionStatus.SUCCEEDED
    assert state.record.execution.result == '"done"'
    assert t.events[0].details == {
        "StartTimestamp": T0 + 1,
        "EndTimestamp": NOW,
        "RequestId": REQUEST_ID,
    }


def test_a_handler_that_returns_failed_fails_the_execution_with_its_error() -> None:
    state = running()
    end(state, InvocationOutput(InvocationStatus.FAILED, error=ErrorObject("no", "E")))
    assert state.record.execution.status is ExecutionStatus.FAILED
    assert state.record.execution.error == ErrorObject("no", "E")


def test_a_result_checkpointed_before_returning_ends_the_execution_with_it() -> None:
    state = running()
    checkpoint(state, OperationUpdate(EXECUTION_ID, T.EXECUTION, A.SUCCEED, payload='"early"'))
    t = end(state, PENDING)
    assert types(t.events) == [E.INVOCATION_COMPLETED, E.EXECUTION_SUCCEEDED]
    assert state.record.execution.result == '"early"'


def test_a_crashed_invocation_is_retried_after_a_backoff_that_grows() -> None:
    state = running()
    t = end(state, None, CRASH)
    assert types(t.events) == [E.INVOCATION_COMPLETED]
    assert t.events[0].details["Error"]["Payload"]["ErrorType"] == "Invocation.Crashed"
    assert (state.record.invocation, state.record.invoke_at) == (InvocationState.QUEUED, NOW + 1000)
    assert state.record.failed_invocations == 1
    begun = begin_invocation(state, NOW + 1000, "t2", "r2")
    assert begun is not None
    apply(state, begun[0])
    t2 = complete_invocation(state, NOW, "r2", None, CRASH, POLICY)
    assert t2 is not None
    assert (t2.record.failed_invocations, t2.record.invoke_at) == (2, NOW + 2000)


def test_too_many_failed_invocations_in_a_row_fail_the_execution() -> None:
    state = running()
    for attempt in range(POLICY.max_consecutive_failures):
        request_id = f"r{attempt}"
        if attempt:
            begun = begin_invocation(state, state.record.invoke_at, f"t{attempt}", request_id)
            assert begun is not None
            apply(state, begun[0])
        else:
            request_id = REQUEST_ID
        apply(state, complete_invocation(state, NOW, request_id, None, CRASH, POLICY))
    assert state.record.execution.status is ExecutionStatus.FAILED
    assert state.record.execution.error == CRASH


def test_a_good_invocation_clears_the_count_of_failed_ones() -> None:
    state = running()
    apply(state, complete_invocation(state, NOW, REQUEST_ID, None, CRASH, POLICY))
    begun = begin_invocation(state, state.record.invoke_at, "t2", "r2")
    assert begun is not None
    apply(state, begun[0])
    checkpoint(state, wait("w", 60), new_token="t2")
    apply(state, complete_invocation(state, NOW, "r2", PENDING, None, POLICY))
    assert state.record.failed_invocations == 0
    assert state.record.invocation is InvocationState.IDLE


def test_pending_with_something_to_wait_for_leaves_the_execution_waiting() -> None:
    state = running()
    checkpoint(state, callback("c"), minted=Minted(callback_ids={"c": "cb"}))
    end(state, PENDING)
    assert state.record.invocation is InvocationState.IDLE
    assert state.record.failed_invocations == 0


def test_pending_with_nothing_to_wait_for_is_a_failed_invocation() -> None:
    state = running()
    checkpoint(state, step("s", A.START), step("s", A.SUCCEED))
    t = end(state, PENDING)
    error = t.events[0].details["Error"]["Payload"]
    assert error["ErrorType"] == "InvalidInvocationOutput"
    assert "nothing is pending" in error["ErrorMessage"]
    assert state.record.failed_invocations == 1


def test_pending_after_something_it_has_not_seen_runs_the_handler_again_now() -> None:
    state = running()
    checkpoint(state, callback("c"), minted=Minted(callback_ids={"c": "cb"}))
    # The callback's result arrives while the invocation is still running.
    apply(state, callback_success(state, "c", '"yes"', NOW - 1))
    assert state.record.invocation is InvocationState.RUNNING
    end(state, PENDING)
    assert (state.record.invocation, state.record.invoke_at) == (InvocationState.QUEUED, NOW)
    assert state.record.failed_invocations == 0


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (InvocationOutput(InvocationStatus.FAILED, result='"r"'), "FAILED with a Result"),
        (
            InvocationOutput(InvocationStatus.SUCCEEDED, error=ErrorObject()),
            "SUCCEEDED with an Error",
        ),
    ],
)
def test_a_contradictory_output_is_a_failed_invocation(
    output: InvocationOutput, message: str
) -> None:
    state = running()
    t = end(state, output)
    assert message in t.events[0].details["Error"]["Payload"]["ErrorMessage"]
    assert state.record.execution.status is ExecutionStatus.RUNNING
    assert state.record.invocation is InvocationState.QUEUED


def test_a_report_from_an_invocation_given_up_on_changes_nothing() -> None:
    state = running()
    assert complete_invocation(state, NOW, "someone-else", SUCCEEDED, None, POLICY) is None
    end(state, None, CRASH)
    assert complete_invocation(state, NOW, REQUEST_ID, SUCCEEDED, None, POLICY) is None


# -- what counts as pending --------------------------------------------------------------


def test_a_finished_or_running_step_is_not_pending_work() -> None:
    state = running()
    checkpoint(state, step("done", A.START), step("done", A.SUCCEED), step("now", A.START))
    assert not has_pending_work(state)


@pytest.mark.parametrize(
    "updates",
    [
        (wait("w", 60),),
        (callback("c"),),
        (step("s", A.START), retry("s", 5)),
    ],
)
def test_waits_callbacks_and_retries_are_pending_work(updates: tuple[OperationUpdate, ...]) -> None:
    state = running()
    checkpoint(state, *updates, minted=Minted(callback_ids={"c": "cb"}))
    assert has_pending_work(state)


def test_a_step_ready_to_run_again_is_pending_work() -> None:
    state = running()
    checkpoint(state, step("s", A.START), retry("s", 5))
    apply(state, fire_timer(state, "s", TimerKind.RETRY_READY, NOW + 5000))
    assert has_pending_work(state)
