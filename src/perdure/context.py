"""The durable context and decorators (port of `aws_durable_execution_sdk_python.context`).

The other names are those AWS's `context` module imports and so offers too (configs,
errors, the step and callback contexts, the logger), the same objects as in their own
modules, so an import written against AWS's module keeps working.
"""

from __future__ import annotations

from perdure._model import OperationSubType, OperationType
from perdure._sdk.config import (
    CallbackConfig,
    ChildConfig,
    InvokeConfig,
    MapConfig,
    ParallelBranch,
    ParallelConfig,
    StepConfig,
    WaitForCallbackConfig,
)
from perdure._sdk.context import (
    PASS_THROUGH_SERDES,
    Callback,
    DurableContext,
    ExecutionContext,
)
from perdure._sdk.decorators import (
    durable_parallel_branch,
    durable_step,
    durable_wait_for_callback,
    durable_with_child_context,
)
from perdure._sdk.logger import Logger, LogInfo
from perdure._sdk.serdes import PassThroughSerDes, SerDes, deserialize
from perdure._sdk.types import Callback as CallbackProtocol
from perdure._sdk.types import DurableContext as DurableContextProtocol
from perdure._sdk.types import (
    LoggerInterface,
    StepContext,
    WaitForCallbackContext,
    WaitForConditionCheckContext,
)
from perdure._sdk.values import Duration
from perdure.errors import (
    CallbackError,
    CallbackExternalError,
    CallbackSubmitterError,
    CallbackTimeoutError,
    ChildContextError,
    StepError,
    SuspendExecution,
    ValidationError,
)

__all__ = [
    "PASS_THROUGH_SERDES",
    "Callback",
    "CallbackConfig",
    "CallbackError",
    "CallbackExternalError",
    "CallbackProtocol",
    "CallbackSubmitterError",
    "CallbackTimeoutError",
    "ChildConfig",
    "ChildContextError",
    "DurableContext",
    "DurableContextProtocol",
    "Duration",
    "ExecutionContext",
    "InvokeConfig",
    "LogInfo",
    "Logger",
    "LoggerInterface",
    "MapConfig",
    "OperationSubType",
    "OperationType",
    "ParallelBranch",
    "ParallelConfig",
    "PassThroughSerDes",
    "SerDes",
    "StepConfig",
    "StepContext",
    "StepError",
    "SuspendExecution",
    "ValidationError",
    "WaitForCallbackConfig",
    "WaitForCallbackContext",
    "WaitForConditionCheckContext",
    "deserialize",
    "durable_parallel_branch",
    "durable_step",
    "durable_wait_for_callback",
    "durable_with_child_context",
]
