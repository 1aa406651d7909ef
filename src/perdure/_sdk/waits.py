"""Polling strategies for `wait_for_condition`.

A strategy maps (state, attempts made) to "poll again after N seconds" or "stop". Like
retry strategies it only computes the delay; the service owns the timer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from perdure._sdk.values import Duration, JitterStrategy, SerDes
from perdure.errors import WaitForConditionError

__all__ = [
    "WaitForConditionConfig",
    "WaitForConditionDecision",
    "WaitStrategyConfig",
    "create_wait_strategy",
]

T = TypeVar("T")


@dataclass
class WaitStrategyConfig(Generic[T]):
    should_continue_polling: Callable[[T], bool]
    max_attempts: int = 60
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: float = 1.5
    jitter_strategy: JitterStrategy = JitterStrategy.FULL

    @property
    def initial_delay_seconds(self) -> int:
        return self.initial_delay.to_seconds()

    @property
    def max_delay_seconds(self) -> int:
        return self.max_delay.to_seconds()


@dataclass(frozen=True)
class WaitForConditionDecision:
    should_continue: bool
    delay: Duration

    @classmethod
    def continue_waiting(cls, delay: Duration) -> WaitForConditionDecision:
        return cls(should_continue=True, delay=delay)

    @classmethod
    def stop_polling(cls) -> WaitForConditionDecision:
        return cls(should_continue=False, delay=Duration())

    @property
    def delay_seconds(self) -> int:
        return self.delay.to_seconds()


WaitStrategy = Callable[[T, int], WaitForConditionDecision]


def create_wait_strategy(config: WaitStrategyConfig[T]) -> WaitStrategy[T]:
    """Exponential backoff while `should_continue_polling(state)` holds; running out of
    attempts is a failure (`WaitForConditionError`), not a silent stop."""

    def strategy(state: T, attempts_made: int) -> WaitForConditionDecision:
        if not config.should_continue_polling(state):
            return WaitForConditionDecision.stop_polling()
        if attempts_made >= config.max_attempts:
            raise WaitForConditionError(
                f"wait_for_condition gave up after {attempts_made} attempts "
                f"(max_attempts={config.max_attempts})"
            )
        base = config.initial_delay.to_seconds() * config.backoff_rate ** (attempts_made - 1)
        capped = min(base, config.max_delay.to_seconds())
        return WaitForConditionDecision.continue_waiting(
            Duration(config.jitter_strategy.finalize_delay(capped))
        )

    return strategy


@dataclass(frozen=True)
class WaitForConditionConfig(Generic[T]):
    """`serdes=None` checkpoints the polling state with the extended-types serdes."""

    wait_strategy: WaitStrategy[T]
    initial_state: T
    serdes: SerDes[T] | None = None
