import json

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus
from handlers import pricing

pytestmark = pytest.mark.durable_execution(handler=pricing.handler, lambda_function_name="pricing")


def test_the_price_comes_from_the_quote_function(durable_runner):
    durable_runner.register(pricing.PRICE_FUNCTION, pricing.quote)
    result = durable_runner.run(input={"sku": "widget"})

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == {"priced": True, "price": {"sku": "widget", "total": 21}}
    invoke = result.get_invoke("price")
    assert invoke.status is OperationStatus.SUCCEEDED
    assert json.loads(invoke.result) == {"sku": "widget", "total": 21}


def test_a_failing_quote_is_an_invoke_error(durable_runner):
    durable_runner.register(pricing.PRICE_FUNCTION, pricing.quote)
    result = durable_runner.run(input={"sku": "unknown"})

    assert result.status is InvocationStatus.SUCCEEDED
    body = json.loads(result.result)
    assert body["priced"] is False
    assert result.get_invoke("price").status is OperationStatus.FAILED
