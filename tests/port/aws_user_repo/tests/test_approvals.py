import json

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import ErrorObject, OperationStatus
from handlers import approvals

pytestmark = pytest.mark.durable_execution(
    handler=approvals.handler, lambda_function_name="approvals"
)


def test_finance_then_the_manager_approve(durable_runner):
    arn = durable_runner.run_async(input={})
    finance = durable_runner.wait_for_callback(arn, name="finance")
    durable_runner.succeed_callback(finance, {"ok": True})
    manager = durable_runner.wait_for_callback(arn, name="manager create callback id")
    durable_runner.succeed_callback(manager, "signed")
    result = durable_runner.wait_for_result(arn)

    assert result.status is InvocationStatus.SUCCEEDED
    body = json.loads(result.result)
    assert body == {"approved": True, "finance": {"ok": True}, "manager": "signed"}
    callback = result.get_callback("finance")
    assert callback.callback_id == finance
    assert callback.status is OperationStatus.SUCCEEDED
    context = result.get_context("manager")
    assert context.get_callback("manager create callback id").callback_id == manager
    assert context.get_step("manager submitter").status is OperationStatus.SUCCEEDED


def test_finance_refusing_ends_the_approval(durable_runner):
    arn = durable_runner.run_async(input={})
    finance = durable_runner.wait_for_callback(arn, name="finance")
    durable_runner.fail_callback(
        finance, ErrorObject(message="budget exceeded", type="Refused", data=None, stack_trace=None)
    )
    result = durable_runner.wait_for_result(arn)

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == {
        "approved": False,
        "by": "finance",
        "error": "budget exceeded",
    }
    assert result.get_callback("finance").status is OperationStatus.FAILED


def test_finance_not_answering_in_time_ends_the_approval(durable_runner):
    result = durable_runner.run(input={"timeout_seconds": 1})

    assert result.status is InvocationStatus.SUCCEEDED
    body = json.loads(result.result)
    assert body["approved"] is False
    assert result.get_callback("finance").status is OperationStatus.TIMED_OUT
