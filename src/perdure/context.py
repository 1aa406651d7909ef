"""The durable context and decorators (port of `aws_durable_execution_sdk_python.context`)."""

from __future__ import annotations

from perdure._sdk.context import Callback, DurableContext, ExecutionContext
from perdure._sdk.decorators import (
    durable_parallel_branch,
    durable_step,
    durable_wait_for_callback,
    durable_with_child_context,
)

__all__ = [
    "Callback",
    "DurableContext",
    "ExecutionContext",
    "durable_parallel_branch",
    "durable_step",
    "durable_wait_for_callback",
    "durable_with_child_context",
]
