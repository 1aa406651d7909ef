"""Service-owned timers (`perdure._engine.timers`): each kind ends what it guards, queues
the handler to see it, and a timer that no longer applies is dropped without a trace."""

from __future__ import annotations

from perdure._config import RetryPolicy
from perdure._engine.checkpoint import Minted
from perdure._engine.draft import Draft
from perdure._engine.invocations import complete_invocation
from perdure._engine.lifecycle import stop_execution
from perdure._engine.timers import fire_due_in_checkpoint, fire_timer
from perdure._model import (
    EventType,
    ExecutionStatus,
    InvocationOutput,
    InvocationStatus,
    OperationStatus,
    OperationUpdate,
)
from perdure._model.state import ExecutionState, InvocationState, TimerKind
from tests.unit.engine.engine_states import (
    EXECUTION_ID,
    T0,
    TIMEOUT_SECONDS,
    A,
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
S = OperationStatus
K = TimerKind
NOW = T0 + 2
PENDING = InvocationOutput(InvocationStatus.PENDING)


def suspended(*updates: OperationUpdate, minted: Minted | None = None) -> ExecutionState:
    """The invocation checkpointed `updates` and returned PENDING: nothing runs now."""
    state = running()
    checkpoint(state, *updates, minted=minted or Minted())
    apply(state, complete_invocation(state, NOW, "req", PENDING, None, RetryPolicy()))
    assert state.record.invocation is InvocationState.IDLE
    return state


def test_a_wait_ends_at_its_timer_and_queues_the_handler() -> None:
    state = suspended(wait("w", 30))
    t = fire_timer(state, "w", K.WAIT_END, NOW + 30_000)
    assert t is not None
    apply(state, t)
    assert state.ops["w"].status is S.SUCCEEDED
    assert state.ops["w"].end_timestamp == NOW + 30_000
    assert types(t.events) == [E.WAIT_SUCCEEDED]
    assert t.events[0].details == {"Duration": 30}
    assert ("w", K.WAIT_END) not in state.timers
    assert (state.record.invocation, state.record.invoke_at) == (
        InvocationState.QUEUED,
        NOW + 30_000,
    )


def test_a_late_timer_records_the_scheduled_duration_not_the_delay() -> None:
    state = suspended(wait("w", 30))
    t = fire_timer(state, "w", K.WAIT_END, NOW + 95_000)
    assert t is not None and t.events[0].details == {"Duration": 30}


def test_a_due_retry_makes_its_step_ready_without_an_event() -> None:
    state = suspended(step("s", A.START), retry("s", 5))
    t = fire_timer(state, "s", K.RETRY_READY, NOW + 5000)
    assert t is not None
    apply(state, t)
    op = state.ops["s"]
    assert op.status is S.READY
    assert op.step_details is not None and op.step_details.next_attempt_timestamp is None
    assert op.step_details.attempt == 1
    assert t.events == []
    assert state.record.invocation is InvocationState.QUEUED


def test_a_callback_timeout_times_the_callback_out_and_drops_its_heartbeat() -> None:
    minted = Minted(callback_ids={"c": "cb"})
    state = suspended(callback("c", timeout=60, heartbeat=10), minted=minted)
    t = fire_timer(state, "c", K.CALLBACK_TIMEOUT, NOW + 60_000)
    assert t is not None
    apply(state, t)
    details = state.ops["c"].callback_details
    assert state.ops["c"].status is S.TIMED_OUT
    assert details is not None and details.error is not None
    assert (details.error.type, details.error.message) == ("Callback.Timeout", "Callback timed out")
    assert not any(op_id == "c" for op_id, _ in state.timers)
    assert types(t.events) == [E.CALLBACK_TIMED_OUT]
    assert state.record.invocation is InvocationState.QUEUED


def test_a_missed_heartbeat_times_the_callback_out_as_a_heartbeat_timeout() -> None:
    state = suspended(
        callback("c", timeout=60, heartbeat=10), minted=Minted(callback_ids={"c": "cb"})
    )
    t = fire_timer(state, "c", K.CALLBACK_HEARTBEAT, NOW + 10_000)
    assert t is not None
    apply(state, t)
    details = state.ops["c"].callback_details
    assert details is not None and details.error is not None
    assert details.error.type == "Callback.Heartbeat"
    assert ("c", K.CALLBACK_TIMEOUT) not in state.timers


def test_the_execution_timeout_ends_the_execution_without_queuing_the_handler() -> None:
    state = suspended(wait("w", 3600))
    due = T0 + TIMEOUT_SECONDS * 1000
    t = fire_timer(state, EXECUTION_ID, K.EXECUTION_TIMEOUT, due)
    assert t is not None
    apply(state, t)
    ex = state.record.execution
    assert ex.status is ExecutionStatus.TIMED_OUT
    assert ex.error is not None and ex.error.type == "Execution.Timeout"
    assert ex.error.message == f"Execution timed out after {TIMEOUT_SECONDS} seconds"
    assert state.record.invocation is InvocationState.IDLE
    assert state.timers == {}  # the wait's timer went with it


def test_a_timer_that_was_cancelled_meanwhile_does_not_fire() -> None:
    state = suspended(wait("w", 30))
    assert fire_timer(state, "w", K.CALLBACK_TIMEOUT, NOW + 30_000) is None


def test_no_timer_fires_after_the_execution_ended() -> None:
    state = suspended(wait("w", 30))
    apply(state, stop_execution(state, None, NOW + 1))
    assert fire_timer(state, "w", K.WAIT_END, NOW + 30_000) is None


def test_a_timer_whose_operation_moved_on_is_dropped_without_an_event_or_a_wake_up() -> None:
    state = suspended(wait("w", 60), step("s", A.START))
    # A retry timer left behind for a step that is not waiting for a retry.
    state.timers[("s", K.RETRY_READY)] = NOW + 1000
    t = fire_timer(state, "s", K.RETRY_READY, NOW + 1000)
    assert t is not None
    assert (t.events, t.ops) == ([], {})
    assert t.timers_cancelled == [("s", K.RETRY_READY)]
    assert t.record.invocation is InvocationState.IDLE


def test_a_checkpoint_fires_only_due_waits_and_retries_in_due_order() -> None:
    minted = Minted(callback_ids={"c": "cb"})
    state = running()
    checkpoint(
        state,
        wait("late", 3),
        wait("early", 1),
        step("s", A.START),
        retry("s", 2),
        callback("c", timeout=1),
        wait("future", 60),
        minted=minted,
    )
    draft = Draft(state, NOW + 3000)
    fire_due_in_checkpoint(draft)
    assert list(draft.ops) == ["early", "s", "late"]
    assert draft.get("c") is state.ops["c"]  # callbacks time out through the scheduler
    assert draft.get("future") is state.ops["future"]


def test_a_fresh_execution_has_only_its_timeout_timer() -> None:
    state = started()
    assert state.timers == {(EXECUTION_ID, K.EXECUTION_TIMEOUT): T0 + TIMEOUT_SECONDS * 1000}
