"""The handler decorator and invocation input types (port of
`aws_durable_execution_sdk_python.execution`).

Also here, as in AWS's module: the errors the wrapper handles, `InvocationStatus` (what a
test runner's result reports), and the operation and error records. Those records are
Perdure's own (`perdure._model`), with AWS's field names.
"""

from __future__ import annotations

from perdure._model import ErrorObject, InvocationStatus, Operation, OperationUpdate
from perdure._sdk.context import DurableContext
from perdure._sdk.execution import LAMBDA_RESPONSE_SIZE_LIMIT, durable_execution
from perdure._sdk.plugin_discovery import load_configured_plugins
from perdure._sdk.plugin_types import DurableInstrumentationPluginFactory
from perdure._sdk.transport.invocation_input import (
    DurableExecutionInvocationInput,
    DurableExecutionInvocationInputWithClient,
    InitialExecutionState,
    handle_checkpoint_error,
)
from perdure.errors import (
    BackgroundThreadError,
    BotoClientError,
    CheckpointError,
    ExecutionError,
    InvocationError,
    SuspendExecution,
)

__all__ = [
    "LAMBDA_RESPONSE_SIZE_LIMIT",
    "BackgroundThreadError",
    "BotoClientError",
    "CheckpointError",
    "DurableContext",
    "DurableExecutionInvocationInput",
    "DurableExecutionInvocationInputWithClient",
    "DurableInstrumentationPluginFactory",
    "ErrorObject",
    "ExecutionError",
    "InitialExecutionState",
    "InvocationError",
    "InvocationStatus",
    "Operation",
    "OperationUpdate",
    "SuspendExecution",
    "durable_execution",
    "handle_checkpoint_error",
    "load_configured_plugins",
]
