"""An execution's final status as AWS's testing SDK reports it beside the invocation
status (`DurableFunctionTestResult.execution_status`)."""

from __future__ import annotations

from enum import Enum


class ExecutionStatus(Enum):
    """The execution's own status, where `InvocationStatus` folds TIMED_OUT and STOPPED
    into FAILED."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"
    TIMED_OUT = "TIMED_OUT"
