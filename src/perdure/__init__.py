"""Perdure: self-hosted durable functions for Python.

The names below are AWS's durable SDK 3.0 top-level names, so a handler written for
`aws_durable_execution_sdk_python` runs after changing its imports to `perdure`; the
config classes are re-exported too for convenience. Submodules `perdure.config`,
`perdure.context`, `perdure.execution`, `perdure.retries`, ... mirror AWS's modules.
"""

from __future__ import annotations

from perdure._sdk.batch_result import BatchCompletionError, BatchResult
from perdure._sdk.config import (
    CallbackConfig,
    ChildConfig,
    CompletionConfig,
    InvokeConfig,
    MapConfig,
    NestingType,
    ParallelBranch,
    ParallelConfig,
    StepConfig,
    StepSemantics,
    WaitForCallbackConfig,
)
from perdure._sdk.context import DurableContext
from perdure._sdk.decorators import (
    durable_parallel_branch,
    durable_step,
    durable_wait_for_callback,
    durable_with_child_context,
)
from perdure._sdk.execution import durable_execution
from perdure._sdk.logger import Logger
from perdure._sdk.retries import (
    RetryPresets,
    RetryStrategyConfig,
    WithRetryConfig,
    create_retry_strategy,
)
from perdure._sdk.types import StepContext
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
from perdure._sdk.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)
from perdure._sdk.with_retry import with_retry
from perdure.errors import (
    CallbackError,
    CallbackExternalError,
    CallbackSubmitterError,
    CallbackTimeoutError,
    ChildContextError,
    DurableExecutionsError,
    DurableOperationError,
    ExecutionError,
    InvocationError,
    InvokeError,
    PluginLoadError,
    RetryableSerDesError,
    SerDesError,
    StepError,
    ValidationError,
    WaitForConditionError,
)

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 - AWS's names first, then Perdure's conveniences
    "BatchCompletionError",
    "BatchItemStatus",
    "BatchResult",
    "CallbackError",
    "CallbackExternalError",
    "CallbackSubmitterError",
    "CallbackTimeoutError",
    "ChildContextError",
    "CompletionDecision",
    "CompletionItemStatus",
    "CompletionOutcome",
    "CompletionStatus",
    "DurableContext",
    "DurableExecutionsError",
    "DurableOperationError",
    "ExecutionError",
    "InvocationError",
    "InvokeError",
    "ParallelBranch",
    "PluginLoadError",
    "RetryableSerDesError",
    "SerDesError",
    "StepContext",
    "StepError",
    "ValidationError",
    "WaitForConditionError",
    "WithRetryConfig",
    "__version__",
    "complete_batch",
    "continue_batch",
    "durable_execution",
    "durable_parallel_branch",
    "durable_step",
    "durable_wait_for_callback",
    "durable_with_child_context",
    "with_retry",
    # conveniences beyond AWS's top level
    "CallbackConfig",
    "ChildConfig",
    "CompletionConfig",
    "Duration",
    "InvokeConfig",
    "JitterStrategy",
    "Logger",
    "MapConfig",
    "NestingType",
    "ParallelConfig",
    "RetryPresets",
    "RetryStrategyConfig",
    "StepConfig",
    "StepSemantics",
    "WaitForCallbackConfig",
    "WaitForConditionConfig",
    "WaitForConditionDecision",
    "WaitStrategyConfig",
    "create_retry_strategy",
    "create_wait_strategy",
]
