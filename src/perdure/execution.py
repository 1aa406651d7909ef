"""The handler decorator and invocation input types (port of
`aws_durable_execution_sdk_python.execution`)."""

from __future__ import annotations

from perdure._sdk.execution import LAMBDA_RESPONSE_SIZE_LIMIT, durable_execution
from perdure._sdk.invocation_input import (
    DurableExecutionInvocationInput,
    DurableExecutionInvocationInputWithClient,
    InitialExecutionState,
    handle_checkpoint_error,
)

__all__ = [
    "LAMBDA_RESPONSE_SIZE_LIMIT",
    "DurableExecutionInvocationInput",
    "DurableExecutionInvocationInputWithClient",
    "InitialExecutionState",
    "durable_execution",
    "handle_checkpoint_error",
]
