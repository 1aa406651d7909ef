"""Batch results of map/parallel (port of `aws_durable_execution_sdk_python.concurrency.models`)."""

from __future__ import annotations

from perdure._sdk.batch import (
    BatchItem,
    BatchResult,
    CompletionPolicy,
    CompletionReason,
)
from perdure._sdk.config import BatchItemStatus
from perdure.errors import BatchCompletionError

__all__ = [
    "BatchCompletionError",
    "BatchItem",
    "BatchItemStatus",
    "BatchResult",
    "CompletionPolicy",
    "CompletionReason",
]
