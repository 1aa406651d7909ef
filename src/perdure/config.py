"""Operation configuration (port of `aws_durable_execution_sdk_python.config`), plus
`DurableConfig`, a function's execution timeout and retention (AWS's Lambda
`DurableConfig`, set here where the function is registered)."""

from __future__ import annotations

from perdure._model.durable_config import DurableConfig
from perdure._sdk.config import (
    CallbackConfig,
    ChildConfig,
    CompletionConfig,
    InvokeConfig,
    MapConfig,
    NestingType,
    OperationSubType,
    ParallelBranch,
    ParallelConfig,
    StepConfig,
    StepSemantics,
    WaitForCallbackConfig,
)
from perdure._sdk.values import (
    BatchItemStatus,
    CompletionDecision,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionStatus,
    Duration,
    JitterStrategy,
    complete_batch,
    continue_batch,
)
from perdure.errors import ValidationError

__all__ = [
    "BatchItemStatus",
    "CallbackConfig",
    "ChildConfig",
    "CompletionConfig",
    "CompletionDecision",
    "CompletionItemStatus",
    "CompletionOutcome",
    "CompletionStatus",
    "DurableConfig",
    "Duration",
    "InvokeConfig",
    "JitterStrategy",
    "MapConfig",
    "NestingType",
    "OperationSubType",
    "ParallelBranch",
    "ParallelConfig",
    "StepConfig",
    "StepSemantics",
    "ValidationError",
    "WaitForCallbackConfig",
    "complete_batch",
    "continue_batch",
]
