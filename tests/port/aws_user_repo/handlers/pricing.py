"""Pricing: one durable function invoking another."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.exceptions import InvokeError

PRICE_FUNCTION = "price-quote"


@durable_execution
def quote(event: dict, context: DurableContext) -> dict:
    if event["sku"] == "unknown":
        raise KeyError(f"no price for {event['sku']}")
    unit = context.step(lambda _: 7, name="unit-price")
    return {"sku": event["sku"], "total": unit * event["qty"]}


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    try:
        price = context.invoke(PRICE_FUNCTION, {"sku": event["sku"], "qty": 3}, name="price")
    except InvokeError as error:
        return {"priced": False, "error": error.message}
    return {"priced": True, "price": price}
