"""Domain data: frozen dataclasses and enums shared by every layer.

Nothing here does I/O or reads a clock. Timestamps are integer epoch milliseconds; the
wire layer converts them to seconds (HTTP) or keeps milliseconds (invocation envelope).
"""

from __future__ import annotations

from perdure._model.enums import (
    TERMINAL_EXECUTION_STATUSES,
    TERMINAL_OPERATION_STATUSES,
    EventType,
    ExecutionStatus,
    InvocationStatus,
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
)
from perdure._model.events import Event
from perdure._model.execution import Execution
from perdure._model.operations import (
    CallbackDetails,
    CallbackOptions,
    ChainedInvokeDetails,
    ChainedInvokeOptions,
    ContextDetails,
    ContextOptions,
    ErrorObject,
    ExecutionDetails,
    Operation,
    OperationUpdate,
    StepDetails,
    StepOptions,
    WaitDetails,
    WaitOptions,
)
from perdure._model.service import (
    CheckpointResponse,
    InvocationInput,
    InvocationOutput,
    StateResponse,
)

__all__ = [
    "TERMINAL_EXECUTION_STATUSES",
    "TERMINAL_OPERATION_STATUSES",
    "CallbackDetails",
    "CallbackOptions",
    "ChainedInvokeDetails",
    "ChainedInvokeOptions",
    "CheckpointResponse",
    "ContextDetails",
    "ContextOptions",
    "ErrorObject",
    "Event",
    "EventType",
    "Execution",
    "ExecutionDetails",
    "ExecutionStatus",
    "InvocationInput",
    "InvocationOutput",
    "InvocationStatus",
    "Operation",
    "OperationAction",
    "OperationStatus",
    "OperationSubType",
    "OperationType",
    "OperationUpdate",
    "StateResponse",
    "StepDetails",
    "StepOptions",
    "WaitDetails",
    "WaitOptions",
]
