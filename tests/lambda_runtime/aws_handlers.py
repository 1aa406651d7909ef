"""Handlers written for AWS Lambda with AWS's durable SDK, as a user writes them: the
SDK's own imports, `@durable_execution`, Lambda's `(event, context)`. Perdure runs
them unchanged through its Lambda-style invoker; nothing here knows of Perdure.

`order` uses every durable operation (a step with retry, a wait, a callback, a
wait_for_callback, a map, a parallel, a child context and an invoke of `greeter`);
the others misbehave the ways a Lambda handler can (raise, crash, hang), once, so the
retried invocation succeeds. They count their attempts in files under the directory
named by `ATTEMPTS_DIR` in their environment.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_durable_execution_sdk_python import (
    BatchResult,
    DurableContext,
    StepContext,
    durable_execution,
    durable_step,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.config import (
    CallbackConfig,
    Duration,
    StepConfig,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.types import WaitForCallbackContext

RETRY_ONCE = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1))
    )
)


@durable_step
def reserve(step_context: StepContext, items: list[str]) -> dict[str, Any]:
    if step_context.attempt < 2:
        raise ConnectionError(f"inventory busy on attempt {step_context.attempt}")
    return {"reserved": items, "attempt": step_context.attempt}


def price(context: DurableContext, item: str, index: int, items: Sequence[str]) -> int:
    return context.step(lambda _: len(item) * 10, name=f"price-{item}")


@durable_with_child_context
def ship(context: DurableContext, items: list[str]) -> str:
    label = context.step(lambda _: f"label-{len(items)}", name="label")
    return context.step(lambda _: f"{label}-sent", name="dispatch")


def ask_warehouse(callback_id: str, callback_context: WaitForCallbackContext) -> None:
    callback_context.logger.info("warehouse asked", extra={"callback_id": callback_id})


@durable_execution
def order(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    items = list(event["items"])
    reservation = context.step(reserve(items), name="reserve", config=RETRY_ONCE)
    context.wait(Duration.from_seconds(1), name="cool-off")
    approval = context.create_callback(
        name="approval", config=CallbackConfig(timeout=Duration.from_seconds(300))
    )
    context.step(lambda _: approval.callback_id, name="request-approval")
    approved = approval.result()
    packed = context.wait_for_callback(
        ask_warehouse,
        name="packing",
        config=WaitForCallbackConfig(timeout=Duration.from_seconds(300)),
    )
    prices: BatchResult[int] = context.map(items, price, name="prices")
    checks: BatchResult[str] = context.parallel(
        [lambda c: c.step(lambda _: "fraud-ok", name="fraud"), lambda c: "stock-ok"],
        name="checks",
    )
    shipped = context.run_in_child_context(ship(items), name="shipping")
    lambda_context = context.lambda_context
    greeting: str = context.invoke("greeter", {"name": event.get("customer", "you")}, name="thank")
    return {
        "reservation": reservation,
        "approved": approved,
        "packed": packed,
        "total": sum(prices.get_results()),
        "checks": checks.get_results(),
        "shipped": shipped,
        "greeting": greeting,
        "remaining_ms_positive": lambda_context is not None
        and lambda_context.get_remaining_time_in_millis() > 0,
    }


@durable_execution
def greeter(event: dict[str, Any], context: DurableContext) -> str:
    return context.step(lambda _: f"thank you, {event['name']}", name="greet")


def _attempt(name: str) -> int:
    """How many times this handler has reached here before, counted on disk (the
    process may not survive to count in memory)."""
    folder = Path(os.environ["ATTEMPTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / name
    count = int(marker.read_text()) if marker.exists() else 0
    marker.write_text(str(count + 1))
    return count


@durable_execution
def crashes_once(event: dict[str, Any], context: DurableContext) -> str:
    if _attempt("crashes_once") == 0:
        os._exit(3)
    return context.step(lambda _: "survived a crash", name="after")


@durable_execution
def hangs_once(event: dict[str, Any], context: DurableContext) -> str:
    if _attempt("hangs_once") == 0:
        time.sleep(600)
    return context.step(lambda _: "survived a hang", name="after")


@durable_execution
def _after_error(event: dict[str, Any], context: DurableContext) -> str:
    return context.step(lambda _: "survived an error", name="after")


def raises_once(event: dict[str, Any], context: Any) -> Any:
    """Fails its first invocation as Lambda sees a function error (the exception
    escapes the handler), then runs durably."""
    if _attempt("raises_once") == 0:
        raise RuntimeError("the first invocation fails")
    return _after_error(event, context)


def context_report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Not durable: reports the Lambda context and environment it was given."""
    return {
        "Status": "SUCCEEDED",
        "Result": json.dumps(
            {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "pid": os.getpid(),
                "env": {
                    k: os.environ.get(k)
                    for k in (
                        "AWS_ENDPOINT_URL_LAMBDA",
                        "AWS_REGION",
                        "AWS_DEFAULT_REGION",
                        "AWS_LAMBDA_FUNCTION_NAME",
                        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                        "_HANDLER",
                        "PERDURE_TOKEN",
                        "PERDURE_SECRET_ACCESS_KEY",
                    )
                },
                "has_access_key": bool(os.environ.get("AWS_ACCESS_KEY_ID")),
                "event_keys": sorted(event),
            }
        ),
    }


not_callable = 42
