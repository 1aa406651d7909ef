"""User-facing value types and protocols (port of `aws_durable_execution_sdk_python.types`)."""

from __future__ import annotations

from perdure._sdk.types import (
    BatchResult,
    Callback,
    DurableContext,
    DurableExecutionArn,
    LambdaContext,
    LoggerInterface,
    OperationContext,
    StepContext,
    WaitForCallbackContext,
    WaitForConditionCheckContext,
)
from perdure._sdk.values import SummaryGenerator

__all__ = [
    "BatchResult",
    "Callback",
    "DurableContext",
    "DurableExecutionArn",
    "LambdaContext",
    "LoggerInterface",
    "OperationContext",
    "StepContext",
    "SummaryGenerator",
    "WaitForCallbackContext",
    "WaitForConditionCheckContext",
]
