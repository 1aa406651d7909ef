import json

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus
from handlers import batches

pytestmark = pytest.mark.durable_execution(handler=batches.handler, lambda_function_name="batches")

LINES = [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}, {"sku": "c", "qty": 3}]


def test_every_line_is_picked_and_one_check_may_fail(durable_runner):
    result = durable_runner.run(input={"lines": LINES})

    assert result.status is InvocationStatus.SUCCEEDED
    body = json.loads(result.result)
    assert body["picked"] == [{"sku": s, "picked": q} for s, q in (("a", 1), ("b", 2), ("c", 3))]
    assert body["pick_failures"] == 0
    assert body["checks"] == ["clean", "in-stock"]
    assert body["check_failures"] == 1
    pick_lines = result.get_context("pick-lines")
    assert len(pick_lines.child_operations) == 3
    first = pick_lines.child_operations[0]
    assert first.get_step("pick").status is OperationStatus.SUCCEEDED
    checks = result.get_context("checks")
    assert [c.status for c in checks.child_operations].count(OperationStatus.FAILED) == 1


def test_a_line_without_quantity_fails_the_order(durable_runner):
    lines = [*LINES, {"sku": "d", "qty": 0}]
    result = durable_runner.run(input={"lines": lines})

    assert result.status is InvocationStatus.FAILED
    assert result.error.type == "aws_durable_execution_sdk_python.exceptions.ChildContextError"
    assert result.error.message == "line 3 has no quantity"
    failed = result.get_context("pick-lines").child_operations[3]
    assert failed.status is OperationStatus.FAILED
    assert failed.error.message == "line 3 has no quantity"


def test_a_tolerated_line_failure_lets_the_order_go_on(durable_runner):
    lines = [*LINES, {"sku": "d", "qty": 0}]
    result = durable_runner.run(input={"lines": lines, "tolerate": 1})

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result)["pick_failures"] == 1
