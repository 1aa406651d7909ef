"""An execution's lifecycle (`perdure._engine.lifecycle`): it starts with its input,
timeout and a queued invocation; it ends once, with the running invocation ended first,
every timer stopped, its EXECUTION operation settled and its parent told."""

from __future__ import annotations

import pytest

from perdure._engine.checkpoint import Minted
from perdure._engine.draft import Draft
from perdure._engine.lifecycle import (
    end_invocation,
    finish_execution,
    interrupted,
    start_execution,
    stop_execution,
    wake,
)
from perdure._model import (
    ErrorObject,
    EventType,
    ExecutionStatus,
    OperationStatus,
    OperationType,
)
from perdure._model.state import InvocationState, ParentNotice, TimerKind
from tests.unit.engine.engine_states import (
    EXECUTION_ID,
    REQUEST_ID,
    T0,
    TIMEOUT_SECONDS,
    apply,
    callback,
    checkpoint,
    execution,
    running,
    started,
    types,
    wait,
)

E = EventType
NOW = T0 + 10


# -- starting ----------------------------------------------------------------------------


def test_a_new_execution_records_its_input_and_timeout_and_queues_its_first_invocation() -> None:
    state, t = start_execution(execution(), T0)
    op = t.ops[EXECUTION_ID]
    assert (op.operation_type, op.status, op.name) == (
        OperationType.EXECUTION,
        OperationStatus.STARTED,
        "n",
    )
    assert op.execution_details is not None
    assert op.execution_details.input_payload == '{"order": 1}'
    assert types(t.events) == [E.EXECUTION_STARTED]
    assert t.events[0].details == {
        "Input": {"Payload": '{"order": 1}', "Truncated": False},
        "ExecutionTimeout": TIMEOUT_SECONDS,
    }
    assert t.events[0].event_id == 1
    assert [(x.op_id, x.kind, x.due_ms) for x in t.timers_set] == [
        (EXECUTION_ID, TimerKind.EXECUTION_TIMEOUT, T0 + TIMEOUT_SECONDS * 1000)
    ]
    assert (t.record.invocation, t.record.invoke_at) == (InvocationState.QUEUED, T0)
    assert state.ops == {}  # the state is the service's to apply once committed


# -- waking ------------------------------------------------------------------------------


def test_waking_an_idle_execution_queues_an_invocation_now() -> None:
    state = running()
    checkpoint(state, wait("w", 60))
    draft = Draft(state, NOW)
    end_invocation(draft)
    wake(draft)
    assert (draft.record.invocation, draft.record.invoke_at) == (InvocationState.QUEUED, NOW)


def test_waking_a_running_or_queued_execution_changes_nothing() -> None:
    for state in (running(), started()):
        draft = Draft(state, NOW)
        wake(draft)
        assert draft.record is state.record


# -- ending an invocation ----------------------------------------------------------------


def test_an_ended_invocation_gives_up_its_token_and_request_id() -> None:
    draft = Draft(running(), NOW)
    end_invocation(draft)
    assert (draft.record.token, draft.record.request_id) == (None, None)
    assert draft.record.invocation is InvocationState.IDLE
    assert draft.events[0].details == {
        "StartTimestamp": T0 + 1,
        "EndTimestamp": NOW,
        "RequestId": REQUEST_ID,
    }


def test_an_invocation_that_ended_badly_records_why() -> None:
    draft = Draft(running(), NOW)
    end_invocation(draft, ErrorObject("killed", "Invocation.Crashed"))
    error = draft.events[0].details["Error"]
    assert error["Payload"]["ErrorType"] == "Invocation.Crashed"


def test_an_interrupted_invocation_says_how_its_execution_ended() -> None:
    error = interrupted(ExecutionStatus.TIMED_OUT)
    assert error.type == "Invocation.Interrupted"
    assert error.message is not None and "(TIMED_OUT)" in error.message


# -- ending an execution -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "op_status", "event"),
    [
        (ExecutionStatus.SUCCEEDED, OperationStatus.SUCCEEDED, E.EXECUTION_SUCCEEDED),
        (ExecutionStatus.FAILED, OperationStatus.FAILED, E.EXECUTION_FAILED),
        (ExecutionStatus.TIMED_OUT, OperationStatus.TIMED_OUT, E.EXECUTION_TIMED_OUT),
        (ExecutionStatus.STOPPED, OperationStatus.STOPPED, E.EXECUTION_STOPPED),
    ],
)
def test_an_ending_execution_settles_its_execution_operation_with_one_terminal_event(
    status: ExecutionStatus, op_status: OperationStatus, event: EventType
) -> None:
    draft = Draft(started(), NOW)
    finish_execution(draft, status, result='"r"', error=ErrorObject("e"))
    t = draft.finish()
    assert t.ops[EXECUTION_ID].status is op_status
    assert t.ops[EXECUTION_ID].end_timestamp == NOW
    assert types(t.events) == [event]
    assert t.record.execution.status is status
    assert t.record.execution.end_timestamp == NOW


def test_only_a_success_keeps_a_result_and_only_a_failure_an_error() -> None:
    draft = Draft(started(), NOW)
    finish_execution(draft, ExecutionStatus.SUCCEEDED, result='"r"', error=ErrorObject("e"))
    assert (draft.record.execution.result, draft.record.execution.error) == ('"r"', None)
    draft = Draft(started(), NOW)
    finish_execution(draft, ExecutionStatus.FAILED, result='"r"', error=ErrorObject("e"))
    assert (draft.record.execution.result, draft.record.execution.error) == (None, ErrorObject("e"))


def test_an_ending_execution_stops_every_timer_including_those_set_in_the_same_decision() -> None:
    state = running()
    checkpoint(state, wait("w", 60), callback("c", 60, 10), minted=Minted(callback_ids={"c": "cb"}))
    draft = Draft(state, NOW)
    draft.set_timer("w", TimerKind.WAIT_END, NOW + 1)
    finish_execution(draft, ExecutionStatus.STOPPED)
    t = draft.finish()
    assert t.timers_set == []
    state.apply(t)
    assert state.timers == {}


def test_an_execution_ending_under_its_invocation_ends_that_invocation_first() -> None:
    state = running()
    t = stop_execution(state, ErrorObject("enough"), NOW)
    apply(state, t)
    assert types(t.events) == [E.INVOCATION_COMPLETED, E.EXECUTION_STOPPED]
    assert t.events[0].details["Error"]["Payload"]["ErrorType"] == "Invocation.Interrupted"
    assert t.events[1].details == {
        "Error": {"Payload": {"ErrorMessage": "enough"}, "Truncated": False}
    }
    assert (state.record.token, state.record.invocation) == (None, InvocationState.IDLE)


def test_an_ending_execution_forgets_a_result_its_handler_checkpointed() -> None:
    state = running()
    draft = Draft(state, NOW)
    draft.update_record(closing_status="SUCCEEDED", closing_result='"r"')
    finish_execution(draft, ExecutionStatus.STOPPED)
    record = draft.finish().record
    assert (record.closing_status, record.closing_result, record.closing_error) == (
        None,
        None,
        None,
    )


def test_a_child_execution_tells_its_parent_how_it_ended() -> None:
    state = started(parent_arn="arn:parent", parent_operation_id="i")
    draft = Draft(state, NOW)
    finish_execution(draft, ExecutionStatus.SUCCEEDED, result='"r"')
    assert draft.finish().parent_notices == [
        ParentNotice("arn:parent", "i", "SUCCEEDED", '"r"', None)
    ]


def test_an_execution_without_a_parent_tells_nobody() -> None:
    assert stop_execution(started(), None, NOW).parent_notices == []
