"""AWS's `aws_durable_execution_sdk_python_testing.runner`, name for name: the local,
child-context, cloud and web runners, the result and operation classes. Perdure's own
runner, `DurableTestRunner`, lives here too."""

from __future__ import annotations

from perdure.testing.cloud_runner import DurableFunctionCloudTestRunner
from perdure.testing.exceptions import (
    DurableFunctionsLocalRunnerError,
    DurableFunctionsTestError,
    InvalidParameterValueException,
    ResourceNotFoundException,
)
from perdure.testing.execution import ExecutionStatus
from perdure.testing.function_result import DurableFunctionTestResult
from perdure.testing.function_runner import (
    DEFAULT_CHILD_EXECUTION_TIMEOUT_SECONDS,
    DEFAULT_CHILD_RETENTION_PERIOD_DAYS,
    DEFAULT_MAX_INVOCATION_PAGE_BYTES,
    DurableChildContextTestRunner,
    DurableFunctionTestRunner,
)
from perdure.testing.local_runner import DurableTestRunner
from perdure.testing.model import GetDurableExecutionHistoryResponse, GetDurableExecutionResponse
from perdure.testing.operations import (
    OPERATION_FACTORIES,
    CallbackOperation,
    ContextOperation,
    ExecutionOperation,
    InvokeOperation,
    Operation,
    OperationFactory,
    StepOperation,
    WaitOperation,
    create_operation,
)
from perdure.testing.stores.base import StoreType
from perdure.testing.web_runner import WebRunner, WebRunnerConfig

__all__ = [
    "DEFAULT_CHILD_EXECUTION_TIMEOUT_SECONDS",
    "DEFAULT_CHILD_RETENTION_PERIOD_DAYS",
    "DEFAULT_MAX_INVOCATION_PAGE_BYTES",
    "OPERATION_FACTORIES",
    "CallbackOperation",
    "ContextOperation",
    "DurableChildContextTestRunner",
    "DurableFunctionCloudTestRunner",
    "DurableFunctionTestResult",
    "DurableFunctionTestRunner",
    "DurableFunctionsLocalRunnerError",
    "DurableFunctionsTestError",
    "DurableTestRunner",
    "ExecutionOperation",
    "ExecutionStatus",
    "GetDurableExecutionHistoryResponse",
    "GetDurableExecutionResponse",
    "InvalidParameterValueException",
    "InvokeOperation",
    "Operation",
    "OperationFactory",
    "ResourceNotFoundException",
    "StepOperation",
    "StoreType",
    "WaitOperation",
    "WebRunner",
    "WebRunnerConfig",
    "create_operation",
]
