"""The checkpoint checks (`perdure._engine.validation`) refuse what the service refuses,
with a message that names the update and says what is wrong, and a refused batch changes
nothing."""

from __future__ import annotations

import dataclasses

import pytest

from perdure._engine.checkpoint import apply_checkpoint
from perdure._engine.lifecycle import stop_execution
from perdure._engine.pause import pause_execution
from perdure._engine.validation import bare_function_name, check_token, invoke_target
from perdure._model import (
    CallbackOptions,
    ChainedInvokeOptions,
    ErrorObject,
    OperationUpdate,
)
from perdure.errors import InvalidParameterValueError
from tests.unit.engine.engine_states import (
    TOKEN,
    A,
    T,
    apply,
    callback,
    checkpoint,
    context,
    retry,
    running,
    started,
    step,
    wait,
)

NOW = 1_700_000_000_100


def refuse(state_updates: tuple[OperationUpdate, ...], match: str) -> None:
    with pytest.raises(InvalidParameterValueError, match=match):
        apply_checkpoint(running(), state_updates, NOW)


def invoke(op_id: str, function_name: str | None) -> OperationUpdate:
    options = None if function_name is None else ChainedInvokeOptions(function_name)
    return OperationUpdate(
        op_id, T.CHAINED_INVOKE, A.START, sub_type="ChainedInvoke", chained_invoke_options=options
    )


# -- the token ---------------------------------------------------------------------------


def test_the_running_invocations_token_is_accepted() -> None:
    check_token(running(), TOKEN)


def test_a_stale_token_is_refused_with_the_prefix_the_sdk_recognises() -> None:
    with pytest.raises(InvalidParameterValueError) as caught:
        check_token(running(), "other")
    assert caught.value.message.startswith("Invalid checkpoint token: the token is stale")


def test_no_token_is_good_while_no_invocation_runs() -> None:
    with pytest.raises(InvalidParameterValueError, match="Invalid checkpoint token"):
        check_token(started(), TOKEN)


def test_the_token_of_an_ended_execution_is_refused_saying_it_ended() -> None:
    state = running()
    apply(state, stop_execution(state, None, NOW))
    with pytest.raises(InvalidParameterValueError, match=r"has ended \(STOPPED\)"):
        check_token(state, TOKEN)


def test_a_token_withdrawn_by_a_pause_is_refused_saying_so() -> None:
    state = running()
    apply(state, pause_execution(state, None, True, NOW))
    checkpoint(state, step("s", A.START))
    with pytest.raises(InvalidParameterValueError, match="paused"):
        check_token(state, TOKEN)


# -- the order of a batch ----------------------------------------------------------------


def test_the_same_operation_twice_in_a_batch_is_refused_unless_start_then_finish() -> None:
    refuse((step("s", A.START), step("s", A.START)), "appears twice")


def test_a_third_update_of_one_operation_in_a_batch_is_refused() -> None:
    refuse((step("s", A.START), retry("s", 1), step("s", A.SUCCEED)), "appears twice")


def test_only_steps_and_contexts_may_be_started_and_finished_in_one_batch() -> None:
    cancel = OperationUpdate("w", T.WAIT, A.CANCEL, sub_type="Wait")
    refuse((wait("w", 5), cancel), "appears twice")


def test_an_execution_update_must_come_last() -> None:
    finish = OperationUpdate("x", T.EXECUTION, A.SUCCEED, payload="1")
    refuse((finish, step("s", A.START)), r"Updates\[0\] \(Id='x'\): an EXECUTION update")


# -- parents and identity ----------------------------------------------------------------


def test_a_parent_must_be_a_context_of_this_execution() -> None:
    refuse((step("s", A.START, parent_id="nope"),), "ParentId 'nope' does not name a CONTEXT")


def test_a_parent_that_is_not_a_context_is_refused() -> None:
    refuse(
        (step("p", A.START), step("s", A.START, parent_id="p")),
        "ParentId 'p' does not name a CONTEXT",
    )


def test_changing_an_operations_name_is_reported_as_non_deterministic() -> None:
    state = running()
    checkpoint(state, step("s", A.START, name="a"))
    with pytest.raises(InvalidParameterValueError, match="Name: recorded 'a', sent 'b'") as caught:
        apply_checkpoint(state, [step("s", A.SUCCEED, name="b")], NOW)
    assert "non-deterministic" in caught.value.message


def test_changing_an_operations_type_is_reported_as_non_deterministic() -> None:
    state = running()
    checkpoint(state, step("s", A.START))
    with pytest.raises(InvalidParameterValueError, match="inconsistent operation Type"):
        apply_checkpoint(state, [context("s", A.SUCCEED)], NOW)


def test_an_empty_name_and_no_name_are_the_same_name() -> None:
    state = running()
    checkpoint(state, step("s", A.START, name=""))
    apply_checkpoint(state, [step("s", A.SUCCEED)], NOW)


# -- actions and options -----------------------------------------------------------------


def test_starting_a_started_step_again_is_refused_naming_its_status() -> None:
    state = running()
    checkpoint(state, step("s", A.START))
    with pytest.raises(
        InvalidParameterValueError, match=r"START is not valid for a STEP .* STARTED"
    ):
        apply_checkpoint(state, [step("s", A.START)], NOW)


def test_finishing_a_step_that_never_started_is_refused() -> None:
    refuse((step("s", A.SUCCEED),), "SUCCEED is not valid for a STEP operation that is absent")


def test_retry_needs_step_options() -> None:
    state = running()
    checkpoint(state, step("s", A.START))
    with pytest.raises(InvalidParameterValueError, match="requires StepOptions"):
        apply_checkpoint(state, [step("s", A.RETRY)], NOW)


def test_retry_carries_an_error_or_a_payload_not_both() -> None:
    state = running()
    checkpoint(state, step("s", A.START))
    both = retry("s", 1, payload="1", error=ErrorObject("x"))
    with pytest.raises(InvalidParameterValueError, match="not both"):
        apply_checkpoint(state, [both], NOW)


@pytest.mark.parametrize("delay", [0, 31_622_401])
def test_retry_delays_out_of_range_are_refused(delay: int) -> None:
    state = running()
    checkpoint(state, step("s", A.START))
    with pytest.raises(InvalidParameterValueError, match=f"between 1 and 31622400, got {delay}"):
        apply_checkpoint(state, [retry("s", delay)], NOW)


@pytest.mark.parametrize("seconds", [0, 31_622_401])
def test_wait_seconds_out_of_range_are_refused(seconds: int) -> None:
    refuse((wait("w", seconds),), "WaitSeconds must be between")


def test_a_wait_without_options_is_refused() -> None:
    refuse((OperationUpdate("w", T.WAIT, A.START, sub_type="Wait"),), "got 0")


@pytest.mark.parametrize(
    ("options", "label"),
    [
        (CallbackOptions(timeout_seconds=-1), "TimeoutSeconds"),
        (CallbackOptions(heartbeat_timeout_seconds=100_000_000), "HeartbeatTimeoutSeconds"),
    ],
)
def test_callback_timeouts_out_of_range_are_refused(options: CallbackOptions, label: str) -> None:
    update = dataclasses.replace(callback("c"), callback_options=options)
    refuse((update,), f"CallbackOptions.{label} must be between 0 and 99999999")


def test_a_callback_cannot_be_completed_by_the_handler() -> None:
    finish = OperationUpdate("c", T.CALLBACK, A.SUCCEED, sub_type="Callback")
    refuse((finish,), "SUCCEED is not valid for a CALLBACK")


def test_execution_succeed_must_not_carry_an_error() -> None:
    finish = OperationUpdate("x", T.EXECUTION, A.SUCCEED, error=ErrorObject("boom"))
    refuse((finish,), "EXECUTION SUCCEED must not carry Error")


def test_execution_fail_must_not_carry_a_payload() -> None:
    refuse((OperationUpdate("x", T.EXECUTION, A.FAIL, payload="1"),), "must not carry Payload")


def test_an_execution_can_only_succeed_or_fail() -> None:
    refuse((OperationUpdate("x", T.EXECUTION, A.START),), "START is not valid for a EXECUTION")


# -- chained invokes ---------------------------------------------------------------------


def test_a_chained_invoke_must_name_its_function() -> None:
    refuse((invoke("i", None),), "requires ChainedInvokeOptions.FunctionName")


def test_a_chained_invoke_of_a_malformed_function_name_is_refused() -> None:
    refuse((invoke("i", "no such/function"),), "'no such/function' does not name a function")


@pytest.mark.parametrize(
    ("sent", "bare"),
    [
        ("orders", "orders"),
        ("orders:3", "orders"),
        ("orders:$LATEST", "orders"),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders", "orders"),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders:prod", "orders"),
    ],
)
def test_a_function_is_named_by_name_qualified_name_or_arn(sent: str, bare: str) -> None:
    assert bare_function_name(sent) == bare
    assert invoke_target(invoke("i", sent)) == bare


def test_only_a_well_formed_chained_invoke_start_asks_for_a_child_execution() -> None:
    assert invoke_target(invoke("i", None)) is None
    assert invoke_target(invoke("i", "bad name")) is None
    assert invoke_target(step("s", A.START)) is None


# -- atomicity ---------------------------------------------------------------------------


def test_a_refused_batch_changes_nothing() -> None:
    state = running()
    before = (dict(state.ops), dict(state.timers), state.record)
    with pytest.raises(InvalidParameterValueError, match=r"Updates\[2\] \(Id='bad'\)"):
        apply_checkpoint(state, [step("ok", A.START), wait("w", 5), step("bad", A.SUCCEED)], NOW)
    assert (state.ops, state.timers, state.record) == before
