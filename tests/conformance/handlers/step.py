"""Handlers for the ``step`` suite (1-x)."""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration, JitterStrategy, StepConfig, StepSemantics
from perdure.retries import RetryDecision, RetryPresets, RetryStrategyConfig, create_retry_strategy
from tests.conformance.handlers._support import (
    TransientError,
    UppercaseSerDes,
    crash_process,
    fixed_retry,
)


@durable_step
def greet(step_context: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_execution
def handler_1_1(event: str, context: DurableContext) -> str:
    """1-1: one step returns the greeting on its first attempt."""
    return context.step(greet(event))


@durable_execution
def handler_1_2(event: str, context: DurableContext) -> str:
    """1-2: an explicit step name is recorded on StepStarted/StepSucceeded."""
    return context.step(lambda _: f"Hello, {event}!", name="custom_step_name")


@durable_step
def step_one(step_context: StepContext) -> str:
    return "first"


@durable_step
def step_two(step_context: StepContext, previous: str) -> str:
    return f"{previous}_second"


@durable_execution
def handler_1_3(event: Any, context: DurableContext) -> str:
    """1-3: the second step consumes the first step's result."""
    result1 = context.step(step_one())
    return context.step(step_two(result1))


@durable_step
def build_response(step_context: StepContext, event: dict[str, Any]) -> dict[str, Any]:
    tags = list(event["tags"])
    return {"user": {"name": event["name"], "tags": tags}, "count": len(tags)}


@durable_execution
def handler_1_4(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """1-4: a nested object survives the step serdes round trip."""
    return context.step(build_response(event))


@durable_step
def do_nothing(step_context: StepContext) -> None:
    return None


@durable_execution
def handler_1_5(event: Any, context: DurableContext) -> None:
    """1-5: a step returning None."""
    return context.step(do_nothing())


@durable_execution
def handler_1_6(event: str, context: DurableContext) -> str:
    """1-6: a per-step serdes upper-cases the checkpointed (and returned) value."""
    return context.step(lambda _: event, config=StepConfig(serdes=UppercaseSerDes()))


@durable_step
def greet_with_logging(step_context: StepContext, name: str) -> str:
    step_context.logger.info(f"Greeting step started for: {name}")
    greeting = f"Hello, {name}!"
    step_context.logger.info(f"Greeting step completed with: {greeting}")
    return greeting


@durable_execution
def handler_1_7(event: str, context: DurableContext) -> str:
    """1-7: the step logs through step_context.logger (ExpectedLogs)."""
    return context.step(greet_with_logging(event))


@durable_execution
def handler_1_8(event: Any, context: DurableContext) -> str:
    """1-8: step then a 2 s wait; the replay skips the completed step."""
    result = context.step(lambda _: "computed")
    context.wait(Duration.from_seconds(2))
    return result


@durable_step
def produce_cached_value(step_context: StepContext) -> str:
    step_context.logger.info("step executed")
    return "cached_value"


@durable_execution
def handler_1_9(event: Any, context: DurableContext) -> str:
    """1-9: a succeeded step is not re-run on the replay after a 1 s wait."""
    result = context.step(produce_cached_value())
    context.wait(Duration.from_seconds(1))
    return result


@durable_step
def unreliable_once(step_context: StepContext) -> str:
    if step_context.attempt == 1:
        raise RuntimeError("first attempt fails")
    return "Operation succeeded"


@durable_execution
def handler_1_11(event: Any, context: DurableContext) -> str:
    """1-11: fails once, retried, succeeds on attempt 2."""
    return context.step(unreliable_once(), config=StepConfig(retry_strategy=fixed_retry(3)))


@durable_step
def always_fail(step_context: StepContext) -> str:
    raise RuntimeError(f"attempt {step_context.attempt} fails")


@durable_execution
def handler_1_12(event: Any, context: DurableContext) -> str:
    """1-12: 4 attempts with 1 s delays, then the step fails for good."""
    return context.step(always_fail(), config=StepConfig(retry_strategy=fixed_retry(4)))


@durable_step
def unreliable_twice(step_context: StepContext) -> str:
    if step_context.attempt <= 2:
        raise RuntimeError(f"attempt {step_context.attempt} fails")
    return "succeeded on attempt 3"


@durable_execution
def handler_1_13(event: Any, context: DurableContext) -> str:
    """1-13: no retry config, so the SDK default (5 s initial, x2, FULL jitter) applies."""
    return context.step(unreliable_twice())


@durable_execution
def handler_1_14(event: Any, context: DurableContext) -> str:
    """1-14: custom retry (2 s initial, x3 backoff, no jitter): delays 2 then 6 s."""
    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=5,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=3.0,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    return context.step(unreliable_twice(), config=StepConfig(retry_strategy=strategy))


@durable_step
def transient_once(step_context: StepContext) -> str:
    if step_context.attempt == 1:
        raise TransientError("temporary glitch")
    return "recovered from transient error"


def retry_on_transient(error: Exception, attempts_made: int) -> RetryDecision:
    if isinstance(error, TransientError) and attempts_made < 3:
        return RetryDecision.retry(Duration.from_seconds(1))
    return RetryDecision.no_retry()


@durable_execution
def handler_1_15(event: Any, context: DurableContext) -> str:
    """1-15: the strategy retries only TransientError."""
    return context.step(transient_once(), config=StepConfig(retry_strategy=retry_on_transient))


@durable_step
def raise_transient(step_context: StepContext) -> str:
    raise TransientError("transient, but not retried here")


def no_retry_on_transient_error(error: Exception, attempts_made: int) -> RetryDecision:
    if isinstance(error, TransientError):
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(1))


@durable_execution
def handler_1_16(event: Any, context: DurableContext) -> str:
    """1-16: the strategy refuses to retry TransientError, so the step fails at once."""
    return context.step(
        raise_transient(), config=StepConfig(retry_strategy=no_retry_on_transient_error)
    )


@durable_step
def at_most_once_flaky_step(step_context: StepContext, value: str) -> str:
    step_context.logger.info(f"at_most_once_flaky_step received {value}")
    crash_process()
    return value  # unreachable: the process is gone


@durable_execution
def handler_1_17(event: str, context: DurableContext) -> str:
    """1-17: AT_MOST_ONCE step crashes the process; the replay fails it as interrupted.

    Runs with the process invoker; the step's name is asserted literally by the history.
    """
    return context.step(
        at_most_once_flaky_step(event),
        config=StepConfig(
            retry_strategy=RetryPresets.none(),
            step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
        ),
    )


@durable_step
def failing_step(step_context: StepContext) -> str:
    raise RuntimeError("this step always fails")


@durable_execution
def handler_1_20(event: Any, context: DurableContext) -> str:
    """1-20: a failed step is caught by user code and a fallback step runs."""
    try:
        return context.step(failing_step(), config=StepConfig(retry_strategy=RetryPresets.none()))
    except Exception:
        return context.step(lambda _: "fallback_result")
