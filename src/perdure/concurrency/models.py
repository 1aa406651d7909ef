"""Batch results of map/parallel (port of `aws_durable_execution_sdk_python.concurrency.models`).

AWS's executor internals that also live in that module (`Branch`, `BranchEvent`,
`CompletionRecord`, `Executable`, ...) are not mirrored: Perdure's executor is its own.
"""

from __future__ import annotations

from perdure._model import ErrorObject
from perdure._sdk.batch_result import BatchCompletionError, BatchItem, BatchResult, CompletionPolicy
from perdure._sdk.types import BatchResult as BatchResultProtocol
from perdure._sdk.values import (
    BatchItemStatus,
    CompletionDecision,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionReason,
    CompletionStatus,
)
from perdure.errors import (
    ChildContextError,
    DurableOperationError,
    InvalidStateError,
    register_operation_error,
)

__all__ = [
    "BatchCompletionError",
    "BatchItem",
    "BatchItemStatus",
    "BatchResult",
    "BatchResultProtocol",
    "ChildContextError",
    "CompletionDecision",
    "CompletionItemStatus",
    "CompletionOutcome",
    "CompletionPolicy",
    "CompletionReason",
    "CompletionStatus",
    "DurableOperationError",
    "ErrorObject",
    "InvalidStateError",
    "register_operation_error",
]
