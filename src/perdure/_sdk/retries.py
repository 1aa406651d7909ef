"""Retry strategies: pure functions from (error, attempts made) to a retry decision.

The SDK only computes the delay; the service owns the timer (the step goes PENDING and
returns READY when the delay is up), so a strategy must not sleep. Jitter draws come from
`perdure._ids.jitter`, the single randomness source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from perdure._sdk.config import ChildConfig
from perdure._sdk.values import Duration, JitterStrategy, RetryDecision, RetryStrategy

__all__ = [
    "LinearRetryStrategyConfig",
    "RetryPresets",
    "RetryStrategyConfig",
    "WithRetryConfig",
    "create_linear_retry_strategy",
    "create_retry_strategy",
]

T = TypeVar("T")

ErrorFilter = str | re.Pattern[str]


@dataclass
class RetryStrategyConfig:
    """Exponential backoff. With both filters None every error is retryable; with only one
    set, the other counts as empty. A str filter is a substring of `str(error)`."""

    max_attempts: int = 3
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: float = 2.0
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: list[ErrorFilter] | None = None
    retryable_error_types: list[type[Exception]] | None = None

    @property
    def initial_delay_seconds(self) -> int:
        return self.initial_delay.to_seconds()

    @property
    def max_delay_seconds(self) -> int:
        return self.max_delay.to_seconds()


@dataclass
class LinearRetryStrategyConfig:
    """Linear backoff: `initial_delay + increment * (attempt - 1)`, capped at max_delay."""

    max_attempts: int = 6
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    increment: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: list[ErrorFilter] | None = None
    retryable_error_types: list[type[Exception]] | None = None

    @property
    def initial_delay_seconds(self) -> int:
        return self.initial_delay.to_seconds()

    @property
    def increment_seconds(self) -> int:
        return self.increment.to_seconds()

    @property
    def max_delay_seconds(self) -> int:
        return self.max_delay.to_seconds()


def _is_retryable(
    error: Exception,
    patterns: list[ErrorFilter] | None,
    types: list[type[Exception]] | None,
) -> bool:
    if patterns is None and types is None:
        return True
    if any(isinstance(error, t) for t in types or ()):
        return True
    text = str(error)
    for pattern in patterns or ():
        if isinstance(pattern, re.Pattern):
            if pattern.search(text):
                return True
        elif pattern in text:
            return True
    return False


def create_retry_strategy(config: RetryStrategyConfig | None = None) -> RetryStrategy:
    cfg = config if config is not None else RetryStrategyConfig()

    def strategy(error: Exception, attempts_made: int) -> RetryDecision:
        if attempts_made >= cfg.max_attempts:
            return RetryDecision.no_retry()
        if not _is_retryable(error, cfg.retryable_errors, cfg.retryable_error_types):
            return RetryDecision.no_retry()
        base = cfg.initial_delay.to_seconds() * cfg.backoff_rate ** (attempts_made - 1)
        capped = min(base, cfg.max_delay.to_seconds())
        return RetryDecision.retry(Duration(cfg.jitter_strategy.finalize_delay(capped)))

    return strategy


def create_linear_retry_strategy(
    config: LinearRetryStrategyConfig | None = None,
) -> RetryStrategy:
    cfg = config if config is not None else LinearRetryStrategyConfig()

    def strategy(error: Exception, attempts_made: int) -> RetryDecision:
        if attempts_made >= cfg.max_attempts:
            return RetryDecision.no_retry()
        if not _is_retryable(error, cfg.retryable_errors, cfg.retryable_error_types):
            return RetryDecision.no_retry()
        base = cfg.initial_delay.to_seconds() + cfg.increment.to_seconds() * (attempts_made - 1)
        capped = min(base, cfg.max_delay.to_seconds())
        return RetryDecision.retry(Duration(cfg.jitter_strategy.finalize_delay(capped)))

    return strategy


_FIVE_SECONDS = Duration(5)


class RetryPresets:
    """Ready-made strategies; `default()` is what a step uses when given none."""

    @classmethod
    def none(cls) -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(max_attempts=1))

    @classmethod
    def default(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=6,
                initial_delay=Duration.from_seconds(5),
                max_delay=Duration.from_minutes(1),
                backoff_rate=2.0,
                jitter_strategy=JitterStrategy.FULL,
            )
        )

    @classmethod
    def transient(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=3, backoff_rate=2.0, jitter_strategy=JitterStrategy.HALF
            )
        )

    @classmethod
    def resource_availability(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=5,
                initial_delay=Duration.from_seconds(5),
                max_delay=Duration.from_minutes(5),
                backoff_rate=2.0,
            )
        )

    @classmethod
    def critical(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=10,
                initial_delay=Duration.from_seconds(1),
                max_delay=Duration.from_minutes(1),
                backoff_rate=1.5,
                jitter_strategy=JitterStrategy.NONE,
            )
        )

    @classmethod
    def linear(cls) -> RetryStrategy:
        return create_linear_retry_strategy(
            LinearRetryStrategyConfig(
                max_attempts=6,
                initial_delay=Duration.from_seconds(1),
                increment=Duration.from_seconds(1),
                max_delay=Duration.from_minutes(5),
                jitter_strategy=JitterStrategy.NONE,
            )
        )

    @classmethod
    def fixed(cls, interval: Duration | None = None) -> RetryStrategy:
        """A constant delay between attempts (5 s unless given), no jitter."""
        delay = interval if interval is not None else _FIVE_SECONDS
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=5,
                initial_delay=delay,
                max_delay=delay,
                backoff_rate=1.0,
                jitter_strategy=JitterStrategy.NONE,
            )
        )


@dataclass(frozen=True)
class WithRetryConfig(Generic[T]):
    """Config of `with_retry`, which retries a block of durable code. `retry_strategy=None`
    means `create_retry_strategy()`; the block runs in a child context unless told not to."""

    retry_strategy: RetryStrategy | None = None
    wrap_with_run_in_child_context: bool = True
    child_context_config: ChildConfig[T] | None = None
