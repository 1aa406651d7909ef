"""Retry strategies (port of `aws_durable_execution_sdk_python.retries`)."""

from __future__ import annotations

from perdure._sdk.retries import (
    LinearRetryStrategyConfig,
    RetryPresets,
    RetryStrategyConfig,
    WithRetryConfig,
    create_linear_retry_strategy,
    create_retry_strategy,
)
from perdure._sdk.values import Duration, JitterStrategy, RetryDecision
from perdure._sdk.with_retry import with_retry
from perdure.errors import SuspendExecution

__all__ = [
    "Duration",
    "JitterStrategy",
    "LinearRetryStrategyConfig",
    "RetryDecision",
    "RetryPresets",
    "RetryStrategyConfig",
    "SuspendExecution",
    "WithRetryConfig",
    "create_linear_retry_strategy",
    "create_retry_strategy",
    "with_retry",
]
