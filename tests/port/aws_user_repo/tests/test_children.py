import json

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus, OperationType
from handlers import children

from tests.payloads import decode

pytestmark = pytest.mark.durable_execution(
    handler=children.handler, lambda_function_name="children"
)


def test_both_invoices_run_in_their_own_context(durable_runner):
    result = durable_runner.run(input={"customer": "acme"})

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == [
        {"number": "INV-acme-10", "sent": True},
        {"number": "INV-acme-90", "sent": True},
    ]
    deposit = result.get_context("deposit")
    assert deposit.operation_type is OperationType.CONTEXT
    assert [op.name for op in deposit.child_operations] == ["number", "settle", "send"]
    assert deposit.get_wait("settle").status is OperationStatus.SUCCEEDED
    assert decode(result.get_context("balance").get_step("number").result) == "INV-acme-90"
    assert len(result.get_all_operations()) == 8
