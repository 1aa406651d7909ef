"""Map/parallel result types (port of `aws_durable_execution_sdk_python.concurrency`)."""

from __future__ import annotations

from perdure.concurrency.models import (
    BatchCompletionError,
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CompletionPolicy,
    CompletionReason,
)

__all__ = [
    "BatchCompletionError",
    "BatchItem",
    "BatchItemStatus",
    "BatchResult",
    "CompletionPolicy",
    "CompletionReason",
]
