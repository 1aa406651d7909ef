"""Handlers for the ``child`` suite (3-x).

Child bodies are ``@durable_with_child_context`` functions wherever the history asserts a
``Name`` on the context events (``Name: ${NAME1}`` requires the key to exist, and the SDK names
a decorated child after its function).
"""

from __future__ import annotations

from typing import Any, TypeVar

from perdure import (
    DurableContext,
    StepContext,
    durable_execution,
    durable_step,
    durable_with_child_context,
)
from perdure.config import Duration, StepConfig
from perdure.retries import RetryPresets
from tests.conformance.handlers._support import (
    await_checkpoint_flush,
    count_attempt,
    crash_process,
    fixed_retry,
)

T = TypeVar("T")


@durable_step
def echo(step_context: StepContext, value: T) -> T:
    return value


@durable_with_child_context
def single_step_child(child_context: DurableContext, value: T) -> T:
    return child_context.step(echo(value))


@durable_execution
def handler_3_1(event: str, context: DurableContext) -> str:
    """3-1: a child context with one step; the step's ParentId is the context."""
    return context.run_in_child_context(single_step_child(event))


@durable_execution
def handler_3_2(event: dict[str, str], context: DurableContext) -> str:
    """3-2: the child context is named from the input."""
    return context.run_in_child_context(single_step_child(event["value"]), name=event["name"])


@durable_with_child_context
def two_step_child(child_context: DurableContext, value: str) -> str:
    first = child_context.step(echo(value))
    return child_context.step(echo(first))


@durable_execution
def handler_3_3(event: str, context: DurableContext) -> str:
    """3-3: two sequential steps in one child; the second consumes the first."""
    return context.run_in_child_context(two_step_child(event))


@durable_step
def failing_step(step_context: StepContext) -> str:
    raise RuntimeError("step inside the child fails")


@durable_with_child_context
def failing_child(child_context: DurableContext) -> str:
    return child_context.step(failing_step(), config=StepConfig(retry_strategy=RetryPresets.none()))


@durable_execution
def handler_3_5(event: str, context: DurableContext) -> str:
    """3-5: the child fails, the parent catches it and runs a recovery step."""
    try:
        context.run_in_child_context(failing_child())
    except Exception:
        pass
    return context.step(echo(event))


@durable_with_child_context
def inner_child(child_context: DurableContext, value: str) -> str:
    return child_context.step(echo(value))


@durable_with_child_context
def outer_child(child_context: DurableContext, value: str) -> str:
    child_context.step(echo(value))
    return child_context.run_in_child_context(inner_child(value))


@durable_execution
def handler_3_6(event: str, context: DurableContext) -> str:
    """3-6: nested child contexts form a ParentId chain."""
    return context.run_in_child_context(outer_child(event))


@durable_step
def echo_after_one_failure(step_context: StepContext, value: str) -> str:
    if step_context.attempt == 1:
        raise RuntimeError("first attempt inside the child fails")
    return value


@durable_with_child_context
def retrying_child(child_context: DurableContext, value: str) -> str:
    return child_context.step(
        echo_after_one_failure(value), config=StepConfig(retry_strategy=fixed_retry(3))
    )


@durable_execution
def handler_3_7(event: str, context: DurableContext) -> str:
    """3-7: a step inside a child fails once and succeeds on retry."""
    return context.run_in_child_context(retrying_child(event))


@durable_step
def always_fail(step_context: StepContext) -> str:
    raise RuntimeError(f"attempt {step_context.attempt} fails")


@durable_with_child_context
def exhausting_child(child_context: DurableContext) -> str:
    return child_context.step(always_fail(), config=StepConfig(retry_strategy=fixed_retry(2)))


@durable_execution
def handler_3_8(event: Any, context: DurableContext) -> str:
    """3-8: the step's retries (2 attempts) run out, so the child and execution fail."""
    return context.run_in_child_context(exhausting_child())


@durable_execution
def handler_3_9(event: str, context: DurableContext) -> str:
    """3-9: a completed child returns its checkpointed result on the replay after a wait."""
    result = context.run_in_child_context(single_step_child(event))
    context.wait(Duration.from_seconds(1))
    return result


@durable_with_child_context
def step_and_wait_child(child_context: DurableContext, value: str) -> str:
    result = child_context.step(echo(value))
    child_context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def handler_3_10(event: str, context: DurableContext) -> str:
    """3-10: a step and a wait inside one child; the wait's ParentId is the child."""
    return context.run_in_child_context(step_and_wait_child(event))


@durable_step
def crash_on_first_attempt(step_context: StepContext, value: str, attempt_key: str) -> str:
    if count_attempt(attempt_key) == 1:
        await_checkpoint_flush()
        crash_process()
    return value


@durable_with_child_context
def interrupted_child(child_context: DurableContext, value: str, attempt_key: str) -> str:
    return child_context.step(crash_on_first_attempt(value, attempt_key))


@durable_execution
def handler_3_12(event: str, context: DurableContext) -> str:
    """3-12: the process crashes after StepStarted; the replay re-runs the (AT_LEAST_ONCE)
    step and records StepSucceeded without a second StepStarted.

    Attempts are counted in a local SQLite file keyed by execution ARN (AWS uses DynamoDB).
    """
    key = f"3-12:{context.execution_context.durable_execution_arn}"
    return context.run_in_child_context(interrupted_child(event, key))


@durable_with_child_context
def wait_only_child(child_context: DurableContext, value: str) -> str:
    child_context.wait(Duration.from_seconds(1))
    return value


@durable_execution
def handler_3_13(event: str, context: DurableContext) -> str:
    """3-13: a child holding only a wait, then a step outside it."""
    context.run_in_child_context(wait_only_child(event))
    return context.step(echo(event))


@durable_with_child_context
def throwing_child(child_context: DurableContext) -> str:
    raise RuntimeError("child body fails without any durable operation")


@durable_execution
def handler_3_15(event: Any, context: DurableContext) -> str:
    """3-15: the child body raises directly: ContextStarted, ContextFailed, FAILED."""
    return context.run_in_child_context(throwing_child())


@durable_with_child_context
def null_child(child_context: DurableContext) -> None:
    return None


@durable_execution
def handler_3_16(event: Any, context: DurableContext) -> None:
    """3-16: the child returns None without any durable operation."""
    return context.run_in_child_context(null_child())


@durable_with_child_context
def logging_child(child_context: DurableContext, value: str) -> str:
    # Replay suppression off, so a wrong re-execution of this body would log a second time.
    logger = child_context.logger.with_is_replaying(lambda: False)
    logger.info(f"child context received {value}")
    return value


@durable_execution
def handler_3_17(event: str, context: DurableContext) -> str:
    """3-17: the child only logs; the log appears once because the replay after the wait
    returns the checkpointed result instead of re-running the body."""
    result = context.run_in_child_context(logging_child(event))
    context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def handler_3_18(event: str, context: DurableContext) -> str:
    """3-18: child(step + wait), then a top-level step and wait: three invocations."""
    context.run_in_child_context(step_and_wait_child(event))
    result = context.step(echo(event))
    context.wait(Duration.from_seconds(1))
    return result
