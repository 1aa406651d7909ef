"""Charging a card: steps, retries, step semantics and a typed failure."""

from aws_durable_execution_sdk_python import (
    DurableContext,
    StepContext,
    durable_execution,
    durable_step,
)
from aws_durable_execution_sdk_python.config import Duration, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.exceptions import StepError
from aws_durable_execution_sdk_python.retries import (
    RetryStrategyConfig,
    create_retry_strategy,
)


class PaymentDeclined(Exception):
    """The card was refused; retrying will not help."""


@durable_step
def reserve(step_ctx: StepContext, order_id: str, amount: int) -> dict:
    return {"order": order_id, "reserved": amount}


@durable_step
def charge(step_ctx: StepContext, amount: int, flaky_attempts: int) -> dict:
    if step_ctx.attempt <= flaky_attempts:
        raise ConnectionError(f"gateway timeout on attempt {step_ctx.attempt}")
    if amount > 1000:
        raise PaymentDeclined(f"amount {amount} over the card's limit")
    return {"charged": amount, "attempt": step_ctx.attempt}


RETRY = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=3,
            initial_delay=Duration.from_seconds(1),
            retryable_error_types=[ConnectionError],
        )
    ),
    step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
)


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    reservation = context.step(reserve(event["order_id"], event["amount"]))
    try:
        payment = context.step(
            charge(event["amount"], event.get("flaky_attempts", 0)),
            name="charge",
            config=RETRY,
        )
    except StepError as error:
        context.logger.info("charge failed", extra={"error": error.message})
        if event.get("raise_on_decline"):
            raise
        return {"status": "declined", "reason": error.message, "type": error.error_type}
    return {"status": "paid", "reservation": reservation, "payment": payment}
