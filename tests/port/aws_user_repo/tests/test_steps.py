import json

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus, OperationType
from handlers import steps

from tests.payloads import decode

pytestmark = pytest.mark.durable_execution(handler=steps.handler, lambda_function_name="steps")


def test_an_order_is_reserved_then_charged(durable_runner):
    result = durable_runner.run(input={"order_id": "o-1", "amount": 40})

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == {
        "status": "paid",
        "reservation": {"order": "o-1", "reserved": 40},
        "payment": {"charged": 40, "attempt": 1},
    }
    reserve = result.get_step("reserve")
    assert reserve.operation_type is OperationType.STEP
    assert reserve.status is OperationStatus.SUCCEEDED
    assert decode(reserve.result) == {"order": "o-1", "reserved": 40}
    assert [op.name for op in result.operations] == ["reserve", "charge"]


def test_a_gateway_timeout_is_retried_until_the_charge_goes_through(durable_runner):
    result = durable_runner.run(input={"order_id": "o-2", "amount": 5, "flaky_attempts": 2})

    assert result.status is InvocationStatus.SUCCEEDED
    charge = result.get_step("charge")
    assert charge.attempt == 3
    assert decode(charge.result) == {"charged": 5, "attempt": 3}


def test_a_declined_card_is_not_retried_and_is_reported(durable_runner):
    result = durable_runner.run(input={"order_id": "o-3", "amount": 5000})

    assert result.status is InvocationStatus.SUCCEEDED
    body = json.loads(result.result)
    assert body["status"] == "declined"
    assert body["reason"] == "amount 5000 over the card's limit"
    assert body["type"] == "handlers.steps.PaymentDeclined"
    charge = result.get_step("charge")
    assert charge.status is OperationStatus.FAILED
    assert charge.attempt == 1
    assert charge.error.type == "handlers.steps.PaymentDeclined"


def test_a_step_error_that_escapes_fails_the_execution(durable_runner):
    result = durable_runner.run(input={"order_id": "o-4", "amount": 5000, "raise_on_decline": True})

    assert result.status is InvocationStatus.FAILED
    assert result.error.type == "aws_durable_execution_sdk_python.exceptions.StepError"
    assert result.error.message == "amount 5000 over the card's limit"
