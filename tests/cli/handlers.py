"""Handlers the CLI and client tests run."""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, StepConfig, durable_execution
from perdure.config import CallbackConfig, Duration
from perdure.retries import RetryDecision


@durable_execution
def greet(event: Any, context: DurableContext) -> Any:
    name = (event or {}).get("name", "world") if isinstance(event, dict) else event
    return context.step(lambda _: f"Hello, {name}!", name="greet")


class Declined(Exception):
    pass


def _no_retry(error: Exception, attempt: int) -> RetryDecision:
    return RetryDecision.no_retry()


@durable_execution
def fails(event: Any, context: DurableContext) -> Any:
    def charge(_: Any) -> None:
        raise Declined("card declined")

    return context.step(charge, name="charge", config=StepConfig(retry_strategy=_no_retry))


@durable_execution
def waits_a_day(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_hours(24), name="a-day")
    return "woke up"


@durable_execution
def awaits_callback(event: Any, context: DurableContext) -> str:
    cb = context.create_callback(
        name="approval",
        config=CallbackConfig(
            timeout=Duration.from_hours(1), heartbeat_timeout=Duration.from_minutes(30)
        ),
    )
    return f"approved: {cb.result()}"


@durable_execution
def short_wait(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(1), name="pause-a-second")
    return "done"


FUNCTIONS = {
    "greet": greet,
    "fails": fails,
    "waits-a-day": waits_a_day,
    "awaits-callback": awaits_callback,
    "short-wait": short_wait,
}
