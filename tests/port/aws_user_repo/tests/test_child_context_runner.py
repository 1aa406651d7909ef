import json

from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python_testing.runner import DurableChildContextTestRunner
from handlers.children import invoice

from tests.payloads import decode


def test_one_invoice_block_runs_on_its_own():
    with DurableChildContextTestRunner(invoice, "solo", 5) as runner:
        result = runner.run(input="{}", execution_timeout=30)

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == {"number": "INV-solo-5", "sent": True}
    assert decode(result.get_step("number").result) == "INV-solo-5"
