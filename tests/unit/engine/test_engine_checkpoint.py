"""Applying a checkpoint (`perdure._engine.checkpoint`): what each operation type's
actions record, the identifiers the service minted going where they belong, child
executions leaving as effects, and the token the running invocation gets back."""

from __future__ import annotations

import pytest

from perdure._engine.checkpoint import (
    NOTHING_MINTED,
    ChildIds,
    Minted,
    apply_checkpoint,
    checkpoint_transition,
)
from perdure._engine.pause import pause_execution
from perdure._model import (
    ChainedInvokeOptions,
    ContextOptions,
    ErrorObject,
    EventType,
    ExecutionStatus,
    OperationStatus,
    OperationUpdate,
)
from perdure._model.state import ChildStart, TimerKind
from perdure.errors import InvalidParameterValueError
from tests.unit.engine.engine_states import (
    EXECUTION_ID,
    T0,
    TOKEN,
    A,
    T,
    apply,
    callback,
    checkpoint,
    context,
    retry,
    running,
    step,
    types,
    wait,
)

NOW = T0 + 2
E = EventType
S = OperationStatus


# -- steps -------------------------------------------------------------------------------


def test_a_step_started_and_finished_in_one_batch_records_both_events() -> None:
    state = running()
    t = checkpoint(state, step("s", A.START), step("s", A.SUCCEED, payload="1"))
    assert types(t.events) == [E.STEP_STARTED, E.STEP_SUCCEEDED]
    op = state.ops["s"]
    assert (op.status, op.start_timestamp, op.end_timestamp) == (S.SUCCEEDED, NOW, NOW)
    assert op.step_details is not None
    assert (op.step_details.result, op.step_details.attempt) == ("1", 1)
    assert t.events[1].details == {
        "Result": {"Payload": "1", "Truncated": False},
        "RetryDetails": {"CurrentAttempt": 1},
    }


def test_a_failed_step_keeps_its_error_and_attempt() -> None:
    state = running()
    checkpoint(state, step("s", A.START), step("s", A.FAIL, error=ErrorObject("no", "E")))
    details = state.ops["s"].step_details
    assert state.ops["s"].status is S.FAILED
    assert details is not None and details.error == ErrorObject("no", "E")
    assert details.attempt == 1


def test_a_retried_step_waits_pending_with_a_timer_for_its_next_attempt() -> None:
    state = running()
    t = checkpoint(state, step("s", A.START), retry("s", 3, error=ErrorObject("flaky")))
    op = state.ops["s"]
    assert op.status is S.PENDING and op.end_timestamp is None
    assert op.step_details is not None
    assert (op.step_details.attempt, op.step_details.next_attempt_timestamp) == (1, NOW + 3000)
    assert state.timers[("s", TimerKind.RETRY_READY)] == NOW + 3000
    assert types(t.events) == [E.STEP_STARTED, E.STEP_FAILED]
    assert t.events[1].details["RetryDetails"] == {
        "CurrentAttempt": 1,
        "NextAttemptDelaySeconds": 3,
    }


def test_a_retry_with_a_payload_is_recorded_as_a_succeeded_attempt_polling_again() -> None:
    state = running()
    t = checkpoint(state, step("s", A.START), retry("s", 5, payload='"waiting"'))
    assert state.ops["s"].status is S.PENDING
    assert types(t.events)[-1] is E.STEP_SUCCEEDED
    assert t.events[-1].details["Result"] == {"Payload": '"waiting"', "Truncated": False}


def test_the_next_attempt_starts_once_its_retry_is_due_and_counts_as_attempt_two() -> None:
    state = running()
    checkpoint(state, step("s", A.START), retry("s", 1))
    # The retry timer is due by this checkpoint: fired inside it, the step is READY again.
    t = checkpoint(state, step("s", A.START), step("s", A.SUCCEED), now=NOW + 1000)
    op = state.ops["s"]
    assert op.status is S.SUCCEEDED
    assert op.step_details is not None and op.step_details.attempt == 2
    assert ("s", TimerKind.RETRY_READY) not in state.timers
    assert t.events[-1].details["RetryDetails"] == {"CurrentAttempt": 2}


def test_a_pending_step_cannot_start_before_its_retry_is_due() -> None:
    state = running()
    checkpoint(state, step("s", A.START), retry("s", 10))
    with pytest.raises(
        InvalidParameterValueError, match="not valid for a STEP operation that is PENDING"
    ):
        apply_checkpoint(state, [step("s", A.START)], NOW + 9_999)


# -- contexts ----------------------------------------------------------------------------


def test_a_context_success_keeps_its_result_and_replay_children() -> None:
    state = running()
    replay = ContextOptions(replay_children=True)
    finish = context("c", A.SUCCEED, payload="[1]", context_options=replay)
    t = checkpoint(state, context("c", A.START), finish)
    details = state.ops["c"].context_details
    assert details is not None and (details.result, details.replay_children) == ("[1]", True)
    assert types(t.events) == [E.CONTEXT_STARTED, E.CONTEXT_SUCCEEDED]


def test_a_context_may_be_finished_without_a_recorded_start() -> None:
    state = running()
    t = checkpoint(state, context("c", A.FAIL, error=ErrorObject("boom")))
    op = state.ops["c"]
    assert op.status is S.FAILED and op.start_timestamp == NOW
    assert op.context_details is not None and op.context_details.error == ErrorObject("boom")
    assert types(t.events) == [E.CONTEXT_FAILED]


def test_children_may_name_a_context_started_earlier_in_the_same_batch() -> None:
    state = running()
    checkpoint(state, context("c", A.START), step("s", A.START, parent_id="c"))
    assert state.ops["s"].parent_id == "c"


# -- waits -------------------------------------------------------------------------------


def test_a_wait_records_when_it_ends_and_sets_a_timer_for_then() -> None:
    state = running()
    t = checkpoint(state, wait("w", 30))
    op = state.ops["w"]
    assert op.status is S.STARTED
    assert op.wait_details is not None and op.wait_details.scheduled_end_timestamp == NOW + 30_000
    assert state.timers[("w", TimerKind.WAIT_END)] == NOW + 30_000
    assert t.events[0].details == {"Duration": 30, "ScheduledEndTimestamp": NOW + 30_000}


def test_a_cancelled_wait_ends_and_its_timer_goes() -> None:
    state = running()
    checkpoint(state, wait("w", 30))
    t = checkpoint(state, OperationUpdate("w", T.WAIT, A.CANCEL, sub_type="Wait"))
    assert state.ops["w"].status is S.CANCELLED
    assert ("w", TimerKind.WAIT_END) not in state.timers
    assert types(t.events) == [E.WAIT_CANCELLED]


def test_a_wait_already_due_when_a_checkpoint_arrives_ends_in_that_checkpoint_first() -> None:
    state = running()
    checkpoint(state, wait("w", 1))
    t = checkpoint(state, step("s", A.START), now=NOW + 1000)
    assert types(t.events) == [E.WAIT_SUCCEEDED, E.STEP_STARTED]
    assert state.ops["w"].status is S.SUCCEEDED
    assert [op.operation_id for op in state.changed_since(0)][-2:] == ["w", "s"]


def test_a_wait_not_yet_due_is_left_running() -> None:
    state = running()
    checkpoint(state, wait("w", 2))
    t = checkpoint(state, step("s", A.START), now=NOW + 1999)
    assert types(t.events) == [E.STEP_STARTED]
    assert state.ops["w"].status is S.STARTED


# -- callbacks ---------------------------------------------------------------------------


def test_a_callback_takes_the_id_minted_for_it_and_its_timers() -> None:
    state = running()
    minted = Minted(callback_ids={"c": "cb-1"})
    t = checkpoint(state, callback("c", timeout=60, heartbeat=10), minted=minted)
    details = state.ops["c"].callback_details
    assert details is not None and details.callback_id == "cb-1"
    assert t.callbacks == {"cb-1": ("c", 10)}
    assert state.timers[("c", TimerKind.CALLBACK_TIMEOUT)] == NOW + 60_000
    assert state.timers[("c", TimerKind.CALLBACK_HEARTBEAT)] == NOW + 10_000
    assert t.events[0].details == {"CallbackId": "cb-1", "Timeout": 60, "HeartbeatTimeout": 10}


def test_a_callback_without_timeouts_sets_no_timer() -> None:
    state = running()
    t = checkpoint(state, callback("c"), minted=Minted(callback_ids={"c": "cb-1"}))
    assert t.timers_set == []
    assert t.events[0].details == {"CallbackId": "cb-1"}


def test_a_callback_nobody_minted_an_id_for_is_a_callers_mistake() -> None:
    with pytest.raises(LookupError, match="No callback id was minted for operation 'c'"):
        apply_checkpoint(running(), [callback("c")], NOW)


# -- chained invokes ---------------------------------------------------------------------


def invoke(function_name: str, tenant_id: str | None = None) -> OperationUpdate:
    options = ChainedInvokeOptions(function_name, tenant_id=tenant_id)
    return OperationUpdate(
        "i",
        T.CHAINED_INVOKE,
        A.START,
        sub_type="ChainedInvoke",
        payload='{"n": 1}',
        chained_invoke_options=options,
    )


CHILD = ChildIds("orders", "arn:child", "child-id")


def test_a_chained_invoke_asks_for_the_minted_child_execution_to_start() -> None:
    state = running()
    t = checkpoint(state, invoke("orders:3", "t-1"), minted=Minted(children={"i": CHILD}))
    assert t.child_starts == [ChildStart("i", "orders", '{"n": 1}', "t-1", "arn:child", "child-id")]
    assert state.ops["i"].status is S.STARTED
    assert t.events[0].details == {
        "FunctionName": "orders:3",
        "TenantId": "t-1",
        "Input": {"Payload": '{"n": 1}', "Truncated": False},
        "ExecutedVersion": "$LATEST",
        "DurableExecutionArn": "arn:child",
    }


def test_a_chained_invoke_without_a_tenant_records_none() -> None:
    t = checkpoint(running(), invoke("orders"), minted=Minted(children={"i": CHILD}))
    assert "TenantId" not in t.events[0].details
    assert t.child_starts[0].tenant_id is None


def test_a_chained_invoke_nobody_minted_a_child_for_is_a_callers_mistake() -> None:
    with pytest.raises(LookupError, match="No child execution was minted"):
        apply_checkpoint(running(), [invoke("orders")], NOW)


# -- the execution's result and the token --------------------------------------------------


def test_the_handlers_result_is_held_until_its_invocation_returns_and_ends_checkpointing() -> None:
    state = running()
    finish = OperationUpdate(EXECUTION_ID, T.EXECUTION, A.SUCCEED, payload='"done"')
    t = checkpoint(state, step("s", A.START), finish, new_token="next")
    assert (t.record.closing_status, t.record.closing_result) == ("SUCCEEDED", '"done"')
    assert t.record.token is None
    assert state.record.execution.status is ExecutionStatus.RUNNING
    assert E.EXECUTION_SUCCEEDED not in types(t.events)


def test_the_handlers_failure_is_held_with_its_error() -> None:
    state = running()
    finish = OperationUpdate(EXECUTION_ID, T.EXECUTION, A.FAIL, error=ErrorObject("bad"))
    t = checkpoint(state, finish, new_token="next")
    assert (t.record.closing_status, t.record.closing_error) == ("FAILED", ErrorObject("bad"))
    assert t.record.token is None


def test_a_checkpoint_rotates_the_token_and_marks_everything_seen() -> None:
    state = running()
    t = checkpoint(state, step("s", A.START), new_token="next")
    assert t.record.token == "next"
    assert t.record.seq == state.record.token_seen_seq == 2


def test_an_empty_checkpoint_rotates_the_token_without_a_change() -> None:
    state = running()
    seq = state.record.seq
    t = checkpoint_transition(state, [], NOW, "next")
    assert (t.record.token, t.record.seq, t.ops, t.events) == ("next", seq, {}, [])


def test_a_waiting_pause_takes_hold_and_withdraws_the_token() -> None:
    state = running()
    apply(state, pause_execution(state, None, True, NOW - 1))
    t = checkpoint(state, step("s", A.START), new_token="next")
    assert t.record.token is None
    assert t.record.execution.status is ExecutionStatus.PAUSED
    assert state.ops["s"].status is S.STARTED  # the checkpoint itself stands


def test_events_are_numbered_on_from_the_history_and_stamped_now() -> None:
    state = running()
    before = state.record.event_count
    t = checkpoint(state, step("a", A.START), step("b", A.START))
    assert [e.event_id for e in t.events] == [before + 1, before + 2]
    assert {e.timestamp for e in t.events} == {NOW}
    assert t.record.event_count == before + 2
    assert state.record.token == TOKEN


def test_the_operations_a_checkpoint_answers_with_are_known_before_it_is_applied() -> None:
    state = running()
    checkpoint(state, step("a", A.START), wait("w", 30))
    checkpoint(state, step("b", A.START))
    batch = (step("a", A.SUCCEED, payload="1"), step("c", A.START))  # "a" changes again
    pending = checkpoint_transition(state, batch, NOW + 1, "next", NOTHING_MINTED)
    before = {seq: state.changed_ids_since(seq, pending) for seq in range(pending.record.seq + 1)}
    state.apply(pending)
    after = {seq: [op.operation_id for op in state.changed_since(seq)] for seq in before}
    assert before == after
    assert before[0][-4:] == ["w", "b", "a", "c"]
