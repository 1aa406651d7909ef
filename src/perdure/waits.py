"""Polling strategies for wait_for_condition (port of `aws_durable_execution_sdk_python.waits`)."""

from __future__ import annotations

from perdure._sdk.config import WaitForCallbackConfig
from perdure._sdk.values import Duration, JitterStrategy
from perdure._sdk.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)
from perdure.errors import WaitForConditionError

__all__ = [
    "Duration",
    "JitterStrategy",
    "WaitForCallbackConfig",
    "WaitForConditionConfig",
    "WaitForConditionDecision",
    "WaitForConditionError",
    "WaitStrategyConfig",
    "create_wait_strategy",
]
