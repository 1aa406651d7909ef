"""Handlers for the ``wait_for_condition`` suite (6-x).

Each continue decision uses a fixed delay (1 s unless the requirement says otherwise) so the
recorded ``NextAttemptDelaySeconds`` is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from perdure import DurableContext, durable_execution
from perdure.config import Duration, JitterStrategy
from perdure.serdes import SerDes, SerDesContext
from perdure.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)

if TYPE_CHECKING:
    from perdure.types import WaitForConditionCheckContext


def stop_at(threshold: int) -> Callable[[int, int], WaitForConditionDecision]:
    """Stop once the state reaches `threshold`, else poll again after 1 s."""

    def strategy(state: int, attempt: int) -> WaitForConditionDecision:
        if state >= threshold:
            return WaitForConditionDecision.stop_polling()
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))

    return strategy


def increment(state: int, check_context: WaitForConditionCheckContext) -> int:
    return state + 1


def unchanged(state: Any, check_context: WaitForConditionCheckContext) -> Any:
    return state


@durable_execution
def handler_6_2(event: int, context: DurableContext) -> int:
    """6-2: initial state 5 already satisfies the condition: no suspension."""
    config = WaitForConditionConfig(wait_strategy=stop_at(event), initial_state=5)
    return context.wait_for_condition(unchanged, config)


@durable_execution
def handler_6_3(event: int, context: DurableContext) -> int:
    """6-3: the name 'poll-status' appears on every poll event."""
    config = WaitForConditionConfig(wait_strategy=stop_at(event), initial_state=0)
    return context.wait_for_condition(increment, config, name="poll-status")


@durable_execution
def handler_6_4(event: int, context: DurableContext) -> int:
    """6-4: a non-zero initial state (5) seeds the first check; stops at the input (8)."""
    config = WaitForConditionConfig(wait_strategy=stop_at(event), initial_state=5)
    return context.wait_for_condition(increment, config)


@durable_execution
def handler_6_5(event: int, context: DurableContext) -> int:
    """6-5: a fixed 2 s wait strategy (no jitter, no backoff) records delay 2 each time."""
    strategy = create_wait_strategy(
        WaitStrategyConfig[int](
            should_continue_polling=lambda state: state < event,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=1.0,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state=0)
    return context.wait_for_condition(increment, config)


@durable_execution
def handler_6_6(event: int, context: DurableContext) -> int:
    """6-6: the condition is never met; the strategy's 3-attempt budget runs out and the
    terminal StepFailed fails the execution."""
    strategy = create_wait_strategy(
        WaitStrategyConfig[int](
            should_continue_polling=lambda state: True,
            max_attempts=3,
            initial_delay=Duration.from_seconds(1),
            backoff_rate=1.0,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state=event)
    return context.wait_for_condition(increment, config)


def raising_check(state: Any, check_context: WaitForConditionCheckContext) -> Any:
    raise RuntimeError("status check failed")


@durable_execution
def handler_6_7(event: Any, context: DurableContext) -> Any:
    """6-7: the check raises on the first attempt; the execution fails."""
    config = WaitForConditionConfig(wait_strategy=stop_at(1), initial_state=0)
    return context.wait_for_condition(raising_check, config)


@durable_execution
def handler_6_8(event: Any, context: DurableContext) -> Any:
    """6-8: the check raises; the handler catches it and returns 'recovered'."""
    config = WaitForConditionConfig(wait_strategy=stop_at(1), initial_state=0)
    try:
        return context.wait_for_condition(raising_check, config)
    except Exception:
        return "recovered"


def always_stop(state: Any, attempt: int) -> WaitForConditionDecision:
    return WaitForConditionDecision.stop_polling()


def return_none(state: Any, check_context: WaitForConditionCheckContext) -> None:
    return None


@durable_execution
def handler_6_10(event: Any, context: DurableContext) -> Any:
    """6-10: the check returns null and polling stops at once."""
    config: WaitForConditionConfig[Any] = WaitForConditionConfig(
        wait_strategy=always_stop, initial_state=None
    )
    return context.wait_for_condition(return_none, config)


class EnvelopeSerDes(SerDes[str]):
    """Encodes the string state as ``ENC[<state>]`` and decodes it back (6-11)."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return f"ENC[{value}]"

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        if not (data.startswith("ENC[") and data.endswith("]")):
            raise ValueError(f"not an ENC[...] payload: {data!r}")
        return data[4:-1]


def append_x(state: str, check_context: WaitForConditionCheckContext) -> str:
    return state + "x"


def until_two_chars(state: str, attempt: int) -> WaitForConditionDecision:
    if len(state) >= 2:
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))


@durable_execution
def handler_6_11(event: Any, context: DurableContext) -> str:
    """6-11: a custom serdes carries the string state across the suspension."""
    config = WaitForConditionConfig(
        wait_strategy=until_two_chars, initial_state="", serdes=EnvelopeSerDes()
    )
    return context.wait_for_condition(append_x, config)


@durable_execution
def handler_6_12(event: int, context: DurableContext) -> int:
    """6-12: the final state (2) feeds a step that multiplies it by 10."""
    config = WaitForConditionConfig(wait_strategy=stop_at(event), initial_state=0)
    final_state = context.wait_for_condition(increment, config)
    return context.step(lambda _: final_state * 10)


@durable_execution
def handler_6_13(event: Any, context: DurableContext) -> int:
    """6-13: two sequential wait_for_condition ops; the first result seeds the second."""
    first = context.wait_for_condition(
        increment, WaitForConditionConfig(wait_strategy=stop_at(2), initial_state=0)
    )
    return context.wait_for_condition(
        increment, WaitForConditionConfig(wait_strategy=stop_at(4), initial_state=first)
    )
