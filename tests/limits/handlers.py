"""Durable functions the limits tests run in every mode."""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, durable_execution
from perdure.config import DurableConfig, Duration


@durable_execution
def big_step(event: Any, context: DurableContext) -> str:
    """A step whose result is `event["size"]` characters long."""
    return context.step(lambda _: "x" * int(event["size"]), name="big")


@durable_execution
def echo(event: Any, context: DurableContext) -> Any:
    return event


@durable_execution
def three_day_wait(event: Any, context: DurableContext) -> str:
    """The README's shape: a step, then a wait of days."""
    context.step(lambda _: "charged", name="charge")
    context.wait(Duration.from_days(3), name="cool-off")
    return "shipped"


@durable_execution(durable_config=DurableConfig(execution_timeout=60))
def one_minute_or_bust(event: Any, context: DurableContext) -> str:
    """Configured to time out after 60 seconds, and waits an hour."""
    context.wait(Duration.from_hours(1), name="too-long")
    return "never"


@durable_execution(durable_config=DurableConfig(retention_period_in_days=2))
def kept_two_days(event: Any, context: DurableContext) -> str:
    return "done"
