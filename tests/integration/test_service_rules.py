"""Service rules seen from outside: idempotent starts, token fencing, validation,
stopping, and failed invocations."""

from __future__ import annotations

from typing import Any

import pytest

from perdure import DurableContext, StepConfig, StepContext, durable_execution
from perdure._model import OperationAction, OperationType, OperationUpdate, WaitOptions
from perdure._service import checkpoint as checkpoint_use_case
from perdure.config import Duration
from perdure.errors import (
    INVALID_CHECKPOINT_TOKEN_PREFIX,
    ExecutionAlreadyStartedError,
    InvalidParameterValueError,
)
from perdure.retries import RetryPresets
from perdure.testing import DurableTestRunner


@durable_execution
def waits_then_returns(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(10), name="pause")
    return "done"


def test_starting_twice_by_name_with_the_same_input_returns_the_same_execution() -> None:
    with DurableTestRunner(waits_then_returns) as runner:
        first = runner.run_async({"a": 1}, name="order-1")
        second = runner.run_async({"a": 1}, name="order-1")
        assert first == second
        with pytest.raises(ExecutionAlreadyStartedError, match="different input"):
            runner.run_async({"a": 2}, name="order-1")


def test_a_bad_execution_name_is_refused_with_the_rule() -> None:
    with DurableTestRunner(waits_then_returns) as runner:
        with pytest.raises(InvalidParameterValueError, match="1 to 64 characters"):
            runner.run_async({}, name="has spaces")


def test_a_stale_checkpoint_token_is_refused_and_changes_nothing() -> None:
    with DurableTestRunner(waits_then_returns, time="manual") as runner:
        arn = runner.run_async({})
        runner.wait_idle()
        ctx = runner._app.ctx
        update = OperationUpdate(
            operation_id="zzz",
            operation_type=OperationType.WAIT,
            action=OperationAction.START,
            wait_options=WaitOptions(wait_seconds=5),
        )
        with pytest.raises(InvalidParameterValueError) as caught:
            checkpoint_use_case.checkpoint(ctx, arn, "0" * 32, [update])
        assert caught.value.message.startswith(INVALID_CHECKPOINT_TOKEN_PREFIX)
        history = runner.get_execution_history(arn)
        assert all(e.get("Id") != "zzz" for e in history)


def test_stopping_an_execution_records_why() -> None:
    from perdure._model import ErrorObject

    with DurableTestRunner(waits_then_returns) as runner:
        arn = runner.run_async({})
        runner.wait_idle()
        runner.stop(arn, ErrorObject(message="operator said so", type="Manual"))
        result = runner.result(arn)
    assert result.status == "STOPPED"
    stopped = result.events_of_type("ExecutionStopped")[0]["ExecutionStoppedDetails"]
    assert stopped["Error"]["Payload"] == {
        "ErrorMessage": "operator said so",
        "ErrorType": "Manual",
    }


class PaymentDeclined(Exception):
    pass


@durable_execution
def declines(event: Any, context: DurableContext) -> str:
    def charge(_: Any) -> str:
        raise PaymentDeclined("card declined")

    return context.step(
        charge, name="charge", config=StepConfig(retry_strategy=RetryPresets.none())
    )


def test_a_failing_step_fails_the_execution_with_a_typed_error() -> None:
    with DurableTestRunner(declines) as runner:
        result = runner.run({}, timeout=5)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.message == "card declined"
    failed = result.events_of_type("StepFailed")[0]["StepFailedDetails"]
    assert failed["Error"]["Payload"]["ErrorType"].endswith("PaymentDeclined")


@durable_execution
def raises_outside_steps(event: Any, context: DurableContext) -> str:
    raise RuntimeError("bug in the handler")


def test_a_handler_that_raises_fails_the_execution() -> None:
    with DurableTestRunner(raises_outside_steps) as runner:
        result = runner.run({}, timeout=5)
    assert result.status == "FAILED"
    assert result.error is not None and result.error.type == "RuntimeError"


def bad_output(event: Any, context: Any) -> dict[str, str]:
    return {"Status": "PENDING"}


def test_pending_with_nothing_pending_is_retried_then_fails() -> None:
    with DurableTestRunner(bad_output, max_invocation_failures=3) as runner:
        result = runner.run({}, timeout=5)
    assert result.status == "FAILED"
    completed = result.events_of_type("InvocationCompleted")
    assert len(completed) == 3
    assert all("Error" in e["InvocationCompletedDetails"] for e in completed)


@durable_execution
def logs_each_run(event: Any, context: DurableContext) -> str:
    context.logger.info("handler starts")

    def one(sc: StepContext) -> int:
        sc.logger.info("inside step")
        return 1

    context.step(one, name="one")
    context.wait(Duration.from_seconds(5))
    context.logger.info("after wait")
    return "ok"


def test_logs_are_captured_per_execution_and_not_repeated_on_replay() -> None:
    with DurableTestRunner(logs_each_run) as runner:
        result = runner.run({}, timeout=5)
    messages = [r["message"] for r in result.logs]
    assert messages.count("handler starts") == 1
    assert messages.count("inside step") == 1
    assert messages.count("after wait") == 1
    assert all(r["executionArn"] == result.arn for r in result.logs)


@durable_execution
def version_one(event: Any, context: DurableContext) -> str:
    context.step(lambda _: 1, name="reserve")
    context.wait(Duration.from_seconds(5))
    return "v1"


@durable_execution
def version_two(event: Any, context: DurableContext) -> str:
    context.step(lambda _: 1, name="reserve-stock")
    context.wait(Duration.from_seconds(5))
    return "v2"


def test_changed_code_fails_replay_with_a_non_determinism_error_naming_both() -> None:
    with DurableTestRunner(version_one, time="manual") as runner:
        arn = runner.run_async({})
        runner.wait_idle()
        runner.register_function("test-function", version_two)
        runner.advance(5)
        result = runner.wait_for_result(arn, timeout=5)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type is not None and "NonDeterministicExecutionError" in result.error.type
    assert "reserve" in (result.error.message or "")
    assert "reserve-stock" in (result.error.message or "")


def test_an_input_that_is_not_json_is_refused_before_anything_starts() -> None:
    with DurableTestRunner(waits_then_returns) as runner:
        with pytest.raises(ValueError, match="JSON-serializable"):
            runner.run_async({"when": object()})
