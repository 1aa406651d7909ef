"""Outside systems settling callbacks and child executions settling chained invokes
(`perdure._engine.callbacks`): each settles an open operation once, stops its timers and
queues the handler; anything else is refused with a reason, or ignored when it is late."""

from __future__ import annotations

import pytest

from perdure._config import RetryPolicy
from perdure._engine.callbacks import (
    callback_failure,
    callback_heartbeat,
    callback_success,
    settle_chained_invoke,
)
from perdure._engine.checkpoint import ChildIds, Minted
from perdure._engine.invocations import complete_invocation
from perdure._engine.lifecycle import stop_execution
from perdure._engine.timers import fire_timer
from perdure._model import (
    ChainedInvokeOptions,
    ErrorObject,
    EventType,
    InvocationOutput,
    InvocationStatus,
    OperationStatus,
    OperationUpdate,
)
from perdure._model.state import ExecutionState, InvocationState, TimerKind
from perdure.errors import CallbackTimeoutApiError, InvalidParameterValueError
from tests.unit.engine.engine_states import (
    T0,
    A,
    T,
    apply,
    callback,
    checkpoint,
    running,
    types,
)

E = EventType
S = OperationStatus
K = TimerKind
NOW = T0 + 2
LATER = NOW + 5000
PENDING = InvocationOutput(InvocationStatus.PENDING)


def waiting_on_callback(timeout: int = 60, heartbeat: int = 10) -> ExecutionState:
    """The handler started callback `c` (id `cb`) and returned PENDING to wait for it."""
    state = running()
    checkpoint(state, callback("c", timeout, heartbeat), minted=Minted(callback_ids={"c": "cb"}))
    apply(state, complete_invocation(state, NOW, "req", PENDING, None, RetryPolicy()))
    return state


def waiting_on_invoke() -> ExecutionState:
    """The handler invoked another function as operation `i` and returned PENDING."""
    state = running()
    update = OperationUpdate(
        "i",
        T.CHAINED_INVOKE,
        A.START,
        sub_type="ChainedInvoke",
        chained_invoke_options=ChainedInvokeOptions("g"),
    )
    checkpoint(state, update, minted=Minted(children={"i": ChildIds("g", "arn:g", "g-id")}))
    apply(state, complete_invocation(state, NOW, "req", PENDING, None, RetryPolicy()))
    return state


# -- callbacks ---------------------------------------------------------------------------


def test_a_callback_result_settles_it_stops_its_timers_and_queues_the_handler() -> None:
    state = waiting_on_callback()
    t = callback_success(state, "c", '{"ok": true}', LATER)
    apply(state, t)
    op = state.ops["c"]
    assert (op.status, op.end_timestamp) == (S.SUCCEEDED, LATER)
    assert op.callback_details is not None and op.callback_details.result == '{"ok": true}'
    assert op.callback_details.callback_id == "cb"
    assert types(t.events) == [E.CALLBACK_SUCCEEDED]
    assert not any(op_id == "c" for op_id, _ in state.timers)
    assert (state.record.invocation, state.record.invoke_at) == (InvocationState.QUEUED, LATER)


def test_an_empty_callback_result_is_recorded_as_no_result() -> None:
    state = waiting_on_callback()
    t = callback_success(state, "c", "", LATER)
    assert t.ops["c"].callback_details is not None
    assert t.ops["c"].callback_details.result is None
    assert t.events[0].details == {"Result": {"Truncated": False}}


def test_a_callback_failure_records_its_error() -> None:
    state = waiting_on_callback()
    apply(state, callback_failure(state, "c", ErrorObject("declined", "Card"), LATER))
    op = state.ops["c"]
    assert op.status is S.FAILED
    assert op.callback_details is not None
    assert op.callback_details.error == ErrorObject("declined", "Card")
    assert state.record.invocation is InvocationState.QUEUED


def test_a_callback_failure_without_an_error_records_an_empty_one() -> None:
    state = waiting_on_callback()
    t = callback_failure(state, "c", None, LATER)
    assert t.ops["c"].callback_details is not None
    assert t.ops["c"].callback_details.error == ErrorObject()


def test_a_callback_accepts_one_result() -> None:
    state = waiting_on_callback()
    apply(state, callback_success(state, "c", "1", LATER))
    with pytest.raises(InvalidParameterValueError, match=r"already completed \(SUCCEEDED\)"):
        callback_failure(state, "c", None, LATER + 1)


def test_a_timed_out_callback_refuses_its_result_as_timed_out() -> None:
    state = waiting_on_callback()
    apply(state, fire_timer(state, "c", K.CALLBACK_TIMEOUT, NOW + 60_000))
    with pytest.raises(CallbackTimeoutApiError, match="timed out"):
        callback_success(state, "c", "1", NOW + 60_001)


def test_a_callback_of_an_ended_execution_refuses_its_result() -> None:
    state = waiting_on_callback()
    apply(state, stop_execution(state, None, LATER))
    with pytest.raises(InvalidParameterValueError, match="execution has already ended"):
        callback_success(state, "c", "1", LATER + 1)


def test_an_id_that_names_no_callback_is_refused() -> None:
    state = waiting_on_callback()
    with pytest.raises(InvalidParameterValueError, match="does not name a callback"):
        callback_success(state, "i-am-not-there", "1", LATER)


def test_a_heartbeat_pushes_the_heartbeat_deadline_without_an_event() -> None:
    state = waiting_on_callback(heartbeat=10)
    t = callback_heartbeat(state, "c", 10, LATER)
    apply(state, t)
    assert state.timers[("c", K.CALLBACK_HEARTBEAT)] == LATER + 10_000
    assert state.timers[("c", K.CALLBACK_TIMEOUT)] == NOW + 60_000  # untouched
    assert t.events == [] and t.ops == {}
    assert state.record.invocation is InvocationState.IDLE


def test_a_heartbeat_of_a_callback_without_a_heartbeat_timeout_sets_no_timer() -> None:
    state = waiting_on_callback(heartbeat=0)
    assert callback_heartbeat(state, "c", 0, LATER).timers_set == []


def test_a_heartbeat_of_a_settled_callback_is_refused() -> None:
    state = waiting_on_callback()
    apply(state, callback_success(state, "c", "1", LATER))
    with pytest.raises(InvalidParameterValueError, match="already completed"):
        callback_heartbeat(state, "c", 10, LATER + 1)


# -- chained invokes ---------------------------------------------------------------------


def test_a_child_that_succeeded_settles_the_chained_invoke_with_its_result() -> None:
    state = waiting_on_invoke()
    t = settle_chained_invoke(state, "i", "SUCCEEDED", '"r"', None, LATER)
    apply(state, t)
    op = state.ops["i"]
    assert (op.status, op.end_timestamp) == (S.SUCCEEDED, LATER)
    assert op.chained_invoke_details is not None
    assert (op.chained_invoke_details.result, op.chained_invoke_details.error) == ('"r"', None)
    assert t is not None and types(t.events) == [E.CHAINED_INVOKE_SUCCEEDED]
    assert state.record.invocation is InvocationState.QUEUED


@pytest.mark.parametrize(
    ("status", "op_status", "event"),
    [
        ("FAILED", S.FAILED, E.CHAINED_INVOKE_FAILED),
        ("STOPPED", S.STOPPED, E.CHAINED_INVOKE_STOPPED),
    ],
)
def test_a_child_that_did_not_succeed_settles_the_chained_invoke_with_its_error(
    status: str, op_status: OperationStatus, event: EventType
) -> None:
    state = waiting_on_invoke()
    t = settle_chained_invoke(state, "i", status, '"ignored"', ErrorObject("no", "X"), LATER)
    assert t is not None
    op = t.ops["i"]
    assert op.status is op_status
    assert op.chained_invoke_details is not None
    assert (op.chained_invoke_details.result, op.chained_invoke_details.error) == (
        None,
        ErrorObject("no", "X"),
    )
    assert types(t.events) == [event]


def test_a_child_that_timed_out_is_reported_as_a_chained_invoke_timeout() -> None:
    state = waiting_on_invoke()
    error = ErrorObject("Execution timed out after 60 seconds", "Execution.Timeout")
    t = settle_chained_invoke(state, "i", "TIMED_OUT", None, error, LATER)
    assert t is not None and t.ops["i"].status is S.TIMED_OUT
    details = t.ops["i"].chained_invoke_details
    assert details is not None
    assert details.error == ErrorObject(error.message, "ChainedInvoke.Timeout")


def test_a_chained_invoke_is_settled_once() -> None:
    state = waiting_on_invoke()
    apply(state, settle_chained_invoke(state, "i", "SUCCEEDED", "1", None, LATER))
    assert settle_chained_invoke(state, "i", "FAILED", None, ErrorObject(), LATER + 1) is None


def test_a_child_finishing_after_its_parent_ended_changes_nothing() -> None:
    state = waiting_on_invoke()
    apply(state, stop_execution(state, None, LATER))
    assert settle_chained_invoke(state, "i", "SUCCEEDED", "1", None, LATER + 1) is None


def test_a_notice_for_an_unknown_operation_changes_nothing() -> None:
    assert settle_chained_invoke(waiting_on_invoke(), "nope", "SUCCEEDED", "1", None, LATER) is None
