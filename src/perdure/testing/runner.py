"""AWS's `aws_durable_execution_sdk_python_testing.runner`, name for name: the local,
child-context, cloud and web runners, the result and operation classes. Perdure's own
runner, `DurableTestRunner`, lives here too."""

from __future__ import annotations

from perdure.testing.cloud_runner import DurableFunctionCloudTestRunner
from perdure.testing.function_result import DurableFunctionTestResult
from perdure.testing.function_runner import (
    DurableChildContextTestRunner,
    DurableFunctionTestRunner,
)
from perdure.testing.local_runner import DurableTestRunner
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
from perdure.testing.web_runner import WebRunner, WebRunnerConfig

__all__ = [
    "OPERATION_FACTORIES",
    "CallbackOperation",
    "ContextOperation",
    "DurableChildContextTestRunner",
    "DurableFunctionCloudTestRunner",
    "DurableFunctionTestResult",
    "DurableFunctionTestRunner",
    "DurableTestRunner",
    "ExecutionOperation",
    "InvokeOperation",
    "Operation",
    "OperationFactory",
    "StepOperation",
    "WaitOperation",
    "WebRunner",
    "WebRunnerConfig",
    "create_operation",
]
