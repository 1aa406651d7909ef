"""An execution's final status as AWS's testing SDK reports it beside the invocation
status (`DurableFunctionTestResult.execution_status`)."""

from __future__ import annotations

from enum import Enum

from perdure.testing.exceptions import IllegalStateException, InvalidParameterValueException
from perdure.testing.model import executed_version


class ExecutionStatus(Enum):
    """The execution's own status, where `InvocationStatus` folds TIMED_OUT and STOPPED
    into FAILED."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"
    TIMED_OUT = "TIMED_OUT"


__all__ = [
    "ExecutionStatus",
    "IllegalStateException",
    "InvalidParameterValueException",
    "executed_version",
]
