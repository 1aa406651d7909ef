"""Fulfilment: map over order lines, and parallel checks with a completion policy."""

from aws_durable_execution_sdk_python import BatchResult, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig, ParallelConfig


def pick(ctx: DurableContext, line: dict, index: int, lines: list) -> dict:
    if line["qty"] <= 0:
        raise ValueError(f"line {index} has no quantity")
    return ctx.step(lambda _: {"sku": line["sku"], "picked": line["qty"]}, name="pick")


def fraud_check(ctx: DurableContext) -> str:
    return ctx.step(lambda _: "clean", name="fraud")


def stock_check(ctx: DurableContext) -> str:
    return ctx.step(lambda _: "in-stock", name="stock")


def address_check(ctx: DurableContext) -> str:
    raise RuntimeError("address service down")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    picked: BatchResult = context.map(
        event["lines"],
        pick,
        name="pick-lines",
        config=MapConfig(
            max_concurrency=2,
            completion_config=CompletionConfig(tolerated_failure_count=event.get("tolerate", 0)),
        ),
    )
    if not event.get("tolerate"):
        picked.throw_if_error()  # a failed line fails the order unless tolerated
    checks = context.parallel(
        [fraud_check, stock_check, address_check],
        name="checks",
        config=ParallelConfig(completion_config=CompletionConfig(tolerated_failure_count=1)),
    )
    return {
        "picked": picked.get_results(),
        "pick_failures": picked.failure_count,
        "checks": checks.get_results(),
        "check_failures": checks.failure_count,
    }
