"""Durable functions the dashboard tests run: one of each kind of operation, so every
part of the execution page has something to show."""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, StepConfig, StepContext, durable_execution
from perdure.config import CallbackConfig, Duration, WaitForCallbackConfig
from perdure.retries import RetryDecision
from perdure.types import WaitForCallbackContext


@durable_execution
def greet(event: Any, context: DurableContext) -> Any:
    return context.step(lambda _: {"hello": event}, name="greet")


@durable_execution
def echo(event: Any, context: DurableContext) -> Any:
    """Returns its input as its result, through a step: a hostile input shows up as the
    input, a step result and the execution's result."""
    return context.step(lambda _: event, name="echo-step")


def _ask(callback_id: str, ctx: WaitForCallbackContext) -> None:
    ctx.logger.info("waiting for %s", callback_id)


@durable_execution
def approval(event: Any, context: DurableContext) -> Any:
    """A step, then a person's answer (a callback with a timeout and a heartbeat
    timeout), then a last step with the answer."""
    order = context.step(lambda _: {"order": event.get("order", "o-1")}, name="reserve")
    answer = context.wait_for_callback(
        _ask,
        name="approval",
        config=WaitForCallbackConfig(
            timeout=Duration.from_hours(24), heartbeat_timeout=Duration.from_hours(2)
        ),
    )
    return context.step(lambda _: {**order, "answer": answer}, name="finish")


class Flaky(Exception):
    pass


_attempts: dict[str, int] = {}


def _retry_at_once(error: Exception, attempt: int) -> RetryDecision:
    return (
        RetryDecision.retry(Duration.from_seconds(1)) if attempt < 3 else RetryDecision.no_retry()
    )


@durable_execution
def flaky(event: Any, context: DurableContext) -> str:
    """A step that fails twice (each attempt recorded with its error) and then works."""
    key = str(event.get("key", "k"))

    def charge(_: StepContext) -> str:
        _attempts[key] = _attempts.get(key, 0) + 1
        if _attempts[key] < 3:
            raise Flaky(f"attempt {_attempts[key]} failed")
        return "charged"

    return context.step(charge, name="charge", config=StepConfig(retry_strategy=_retry_at_once))


def _double(ctx: DurableContext, item: int, index: int, items: Any) -> int:
    return ctx.step(lambda _: item * 2, name=f"double-{index}")


def _left(ctx: DurableContext) -> str:
    return ctx.step(lambda _: "left", name="left-step")


def _right(ctx: DurableContext) -> str:
    return ctx.step(lambda _: "right", name="right-step")


@durable_execution
def fan_out(event: Any, context: DurableContext) -> Any:
    """A map over three items and a parallel of two branches, then a chained invoke."""
    doubled = context.map([1, 2, 3], _double, name="doubles")
    sides = context.parallel([_left, _right], name="sides")
    greeting: Any = context.invoke("greet", {"from": "fan_out"}, name="call-greet")
    return {"doubled": doubled.get_results(), "sides": sides.get_results(), "greeting": greeting}


@durable_execution
def sleeper(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_hours(1), name="nap")
    return "rested"


@durable_execution
def callback_only(event: Any, context: DurableContext) -> str:
    cb = context.create_callback(
        name="hook", config=CallbackConfig(timeout=Duration.from_seconds(3600))
    )
    return f"got {cb.result()}"


FUNCTIONS = {
    "greet": greet,
    "echo": echo,
    "approval": approval,
    "flaky": flaky,
    "fan_out": fan_out,
    "sleeper": sleeper,
    "callback_only": callback_only,
}


def _no_retry(error: Exception, attempt: int) -> RetryDecision:
    return RetryDecision.no_retry()


@durable_execution
def hostile(event: Any, context: DurableContext) -> Any:
    """Names its operations and its error after its input: what a page shows of them
    is the input's to choose."""
    label = str(event["label"])
    context.step(lambda _: event["value"], name=label)

    def boom(_: StepContext) -> None:
        raise Flaky(label)

    return context.step(boom, name=f"boom {label}", config=StepConfig(retry_strategy=_no_retry))


FUNCTIONS["hostile"] = hostile
