"""Handlers the integration tests run, importable as `tests.integration.handlers:<name>`
so the child-process invoker can load them too."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from perdure import DurableContext, StepConfig, StepContext, durable_execution, durable_step
from perdure.config import CallbackConfig, Duration, StepSemantics
from perdure.retries import RetryStrategyConfig, create_retry_strategy


@durable_step
def crash_once(step_ctx: StepContext, marker: str) -> str:
    """Kills its own process the first time it runs (the marker file remembers)."""
    path = Path(marker)
    runs = int(path.read_text()) if path.exists() else 0
    path.write_text(str(runs + 1))
    if runs == 0:
        os._exit(3)
    return f"survived after {runs} crash"


@durable_execution
def crashing_handler(event: dict[str, Any], context: DurableContext) -> str:
    return context.step(crash_once(event["marker"]))


@durable_execution
def at_most_once_crash(event: dict[str, Any], context: DurableContext) -> str:
    retry = create_retry_strategy(RetryStrategyConfig(max_attempts=2, initial_delay=Duration(1)))
    config = StepConfig(retry_strategy=retry, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
    return context.step(crash_once(event["marker"]), config=config)


@durable_execution
def long_wait(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_hours(24), name="a-day")
    return "woke up"


@durable_execution
def hour_callback(event: Any, context: DurableContext) -> str:
    cb = context.create_callback(
        name="hourly", config=CallbackConfig(timeout=Duration.from_hours(1))
    )
    return str(cb.result())


@durable_execution
def echo(event: Any, context: DurableContext) -> Any:
    context.wait(Duration.from_seconds(1))
    return event


@durable_execution
def caller(event: Any, context: DurableContext) -> Any:
    return context.invoke("echo", {"hello": event}, name="call-echo")
