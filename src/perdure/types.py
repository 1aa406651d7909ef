"""User-facing value types (port of `aws_durable_execution_sdk_python.types`)."""

from __future__ import annotations

from perdure._sdk.types import (
    DurableExecutionArn,
    LambdaContext,
    LoggerInterface,
    OperationContext,
    StepContext,
    SummaryGenerator,
    WaitForCallbackContext,
    WaitForConditionCheckContext,
)

__all__ = [
    "DurableExecutionArn",
    "LambdaContext",
    "LoggerInterface",
    "OperationContext",
    "StepContext",
    "SummaryGenerator",
    "WaitForCallbackContext",
    "WaitForConditionCheckContext",
]
