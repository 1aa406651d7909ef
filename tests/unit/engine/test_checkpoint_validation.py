"""The checkpoint rules refuse what the service refuses, with a message that says why,
and change nothing when they refuse."""

from __future__ import annotations

import itertools

import pytest

from perdure._engine.checkpoint import CheckpointIds, apply_checkpoint, check_token
from perdure._engine.lifecycle import start_execution
from perdure._model import (
    ContextOptions,
    Execution,
    ExecutionStatus,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepOptions,
    WaitOptions,
)
from perdure._model.state import ExecutionState, InvocationState
from perdure.errors import InvalidParameterValueError

A = OperationAction
T = OperationType
NOW = 1_700_000_000_000
_counter = itertools.count()
IDS = CheckpointIds(
    new_token=lambda: "tok",
    new_callback_id=lambda: f"cb{next(_counter)}",
    new_child_execution=lambda name: (f"arn:{name}", "child-id"),
)


def running_state() -> ExecutionState:
    ex = Execution(
        arn="arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/n/i",
        execution_id="i",
        name="n",
        function_name="f",
        version="$LATEST",
        status=ExecutionStatus.RUNNING,
        start_timestamp=NOW,
    )
    state, transition = start_execution(ex, NOW)
    state.apply(transition)
    import dataclasses

    state.record = dataclasses.replace(
        state.record, token="tok0", invocation=InvocationState.RUNNING
    )
    return state


def apply(state: ExecutionState, *updates: OperationUpdate) -> ExecutionState:
    draft = apply_checkpoint(state, updates, NOW, IDS)
    state.apply(draft.finish())
    return state


def step(op_id: str, action: OperationAction, **kw: object) -> OperationUpdate:
    return OperationUpdate(op_id, T.STEP, action, sub_type="Step", **kw)  # type: ignore[arg-type]


def test_a_step_started_and_finished_in_one_batch_records_both_events() -> None:
    state = apply(running_state(), step("s", A.START), step("s", A.SUCCEED, payload="1"))
    assert state.ops["s"].status is OperationStatus.SUCCEEDED
    assert state.ops["s"].step_details is not None and state.ops["s"].step_details.result == "1"


def test_the_same_operation_twice_in_a_batch_is_refused_unless_start_then_finish() -> None:
    with pytest.raises(InvalidParameterValueError, match="appears twice"):
        apply(running_state(), step("s", A.START), step("s", A.START))


def test_a_third_update_of_one_operation_in_a_batch_is_refused() -> None:
    with pytest.raises(InvalidParameterValueError, match="appears twice"):
        apply(
            running_state(),
            step("s", A.START),
            step("s", A.RETRY, step_options=StepOptions(1)),
            step("s", A.SUCCEED),
        )


def test_changing_an_operations_name_is_reported_as_non_deterministic() -> None:
    state = apply(running_state(), OperationUpdate("s", T.STEP, A.START, name="a", sub_type="Step"))
    with pytest.raises(InvalidParameterValueError, match="Name: recorded 'a', sent 'b'"):
        apply(state, OperationUpdate("s", T.STEP, A.SUCCEED, name="b", sub_type="Step"))


def test_a_parent_must_be_a_context_of_this_execution() -> None:
    with pytest.raises(InvalidParameterValueError, match="does not name a CONTEXT"):
        apply(running_state(), step("s", A.START, parent_id="nope"))


def test_a_parent_started_earlier_in_the_same_batch_is_accepted() -> None:
    state = apply(
        running_state(),
        OperationUpdate("c", T.CONTEXT, A.START, sub_type="RunInChildContext"),
        step("s", A.START, parent_id="c"),
    )
    assert state.ops["s"].parent_id == "c"


def test_retry_needs_step_options_and_not_both_error_and_payload() -> None:
    state = apply(running_state(), step("s", A.START))
    with pytest.raises(InvalidParameterValueError, match="requires StepOptions"):
        apply(state, step("s", A.RETRY))
    from perdure._model import ErrorObject

    with pytest.raises(InvalidParameterValueError, match="not both"):
        apply(
            state,
            step("s", A.RETRY, step_options=StepOptions(1), payload="1", error=ErrorObject("x")),
        )


@pytest.mark.parametrize("seconds", [0, 31_622_401])
def test_wait_seconds_out_of_range_are_refused(seconds: int) -> None:
    with pytest.raises(InvalidParameterValueError, match="WaitSeconds must be between"):
        apply(
            running_state(),
            OperationUpdate(
                "w", T.WAIT, A.START, sub_type="Wait", wait_options=WaitOptions(seconds)
            ),
        )


def test_starting_a_started_step_again_is_refused() -> None:
    state = apply(running_state(), step("s", A.START))
    with pytest.raises(InvalidParameterValueError, match="not valid"):
        apply(state, step("s", A.START))


def test_a_retried_step_becomes_pending_with_its_attempt_counted() -> None:
    state = apply(
        running_state(), step("s", A.START), step("s", A.RETRY, step_options=StepOptions(3))
    )
    op = state.ops["s"]
    assert op.status is OperationStatus.PENDING
    assert op.step_details is not None
    assert op.step_details.attempt == 1
    assert op.step_details.next_attempt_timestamp == NOW + 3000


def test_an_execution_update_must_come_last() -> None:
    with pytest.raises(InvalidParameterValueError, match="must be the last"):
        apply(
            running_state(),
            OperationUpdate("x", T.EXECUTION, A.SUCCEED, payload="1"),
            step("s", A.START),
        )


def test_a_context_success_keeps_replay_children() -> None:
    state = apply(
        running_state(),
        OperationUpdate("c", T.CONTEXT, A.START, sub_type="Map"),
        OperationUpdate(
            "c",
            T.CONTEXT,
            A.SUCCEED,
            sub_type="Map",
            payload="",
            context_options=ContextOptions(replay_children=True),
        ),
    )
    details = state.ops["c"].context_details
    assert details is not None and details.replay_children is True


def test_a_refused_batch_changes_nothing() -> None:
    state = running_state()
    before = dict(state.ops)
    with pytest.raises(InvalidParameterValueError):
        apply(state, step("ok", A.START), step("bad", A.SUCCEED))
    assert state.ops == before


def test_a_stale_token_is_refused_with_the_exact_prefix() -> None:
    with pytest.raises(InvalidParameterValueError) as caught:
        check_token(running_state(), "other")
    assert caught.value.message.startswith("Invalid checkpoint token")
