"""Invoicing: a reusable block in a child context, called twice."""

from aws_durable_execution_sdk_python import (
    DurableContext,
    durable_execution,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.config import Duration


@durable_with_child_context
def invoice(ctx: DurableContext, customer: str, amount: int) -> dict:
    number = ctx.step(lambda _: f"INV-{customer}-{amount}", name="number")
    ctx.wait(Duration.from_seconds(2), name="settle")
    sent = ctx.step(lambda _: True, name="send")
    return {"number": number, "sent": sent}


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    first = context.run_in_child_context(invoice(event["customer"], 10), name="deposit")
    second = context.run_in_child_context(invoice(event["customer"], 90), name="balance")
    return [first, second]
