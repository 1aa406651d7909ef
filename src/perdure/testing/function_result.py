"""A finished execution as AWS's testing SDK (1.4.0) hands it to a test.

`status` is an `InvocationStatus` (SUCCEEDED, or FAILED for an execution that failed,
timed out or was stopped, as AWS's runners report it; `execution_status` keeps the
difference), `result` the raw payload the handler's serdes wrote (a test deserializes
it), `error` an `ErrorObject`, and `operations` the top-level operations with their
children nested under them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast

from perdure.execution import ErrorObject, InvocationStatus
from perdure.testing.exceptions import DurableFunctionsTestError
from perdure.testing.execution import ExecutionStatus
from perdure.testing.history_fold import operations_from_history
from perdure.testing.model import GetDurableExecutionHistoryResponse, GetDurableExecutionResponse
from perdure.testing.operations import (
    CallbackOperation,
    ContextOperation,
    ExecutionOperation,
    InvokeOperation,
    Operation,
    OperationPayload,
    StepOperation,
    WaitOperation,
    top_level,
)
from perdure.testing.result import TestResult

logger = logging.getLogger(__name__)


def _statuses(status: str) -> tuple[InvocationStatus, ExecutionStatus]:
    invocation = InvocationStatus.SUCCEEDED if status == "SUCCEEDED" else InvocationStatus.FAILED
    try:
        execution = ExecutionStatus[status]
    except KeyError:
        logger.warning("Unknown execution status: %s, reported as FAILED", status)
        execution = ExecutionStatus.FAILED
    return invocation, execution


@dataclass(frozen=True)
class DurableFunctionTestResult:
    status: InvocationStatus
    operations: list[Operation]
    result: OperationPayload | None = None
    error: ErrorObject | None = None
    execution_status: ExecutionStatus | None = None

    @classmethod
    def create(cls, execution: TestResult) -> DurableFunctionTestResult:
        """From a finished execution of Perdure's local runner."""
        if execution.status not in {s.value for s in ExecutionStatus} - {"RUNNING"}:
            raise DurableFunctionsTestError(
                f"Execution {execution.arn} has not finished (it is {execution.status}); "
                "a test result needs a finished execution."
            )
        status, execution_status = _statuses(execution.status)
        return cls(
            status=status,
            operations=top_level(execution.operations),
            result=execution.raw_result,
            error=execution.error,
            execution_status=execution_status,
        )

    @classmethod
    def from_execution_history(
        cls,
        execution_response: GetDurableExecutionResponse,
        history_response: GetDurableExecutionHistoryResponse,
    ) -> DurableFunctionTestResult:
        """From what the API says of an execution: its description and its history."""
        status, execution_status = _statuses(execution_response.status)
        recorded = operations_from_history(e.to_dict() for e in history_response.events)
        return cls(
            status=status,
            operations=top_level(recorded),
            result=execution_response.result,
            error=execution_response.error,
            execution_status=execution_status,
        )

    def get_operation_by_name(self, name: str) -> Operation:
        """The first top-level operation with this name."""
        for operation in self.operations:
            if operation.name == name:
                return operation
        names = [op.name for op in self.operations if op.name]
        hint = (
            f" (top-level operations: {', '.join(repr(n) for n in names)}; look inside a "
            "context with get_context(name).get_operation_by_name(...))"
            if names
            else " (there are no named top-level operations)"
        )
        raise DurableFunctionsTestError(f"Operation with name '{name}' not found{hint}")

    def get_step(self, name: str) -> StepOperation:
        return cast(StepOperation, self.get_operation_by_name(name))

    def get_wait(self, name: str) -> WaitOperation:
        return cast(WaitOperation, self.get_operation_by_name(name))

    def get_context(self, name: str) -> ContextOperation:
        return cast(ContextOperation, self.get_operation_by_name(name))

    def get_callback(self, name: str) -> CallbackOperation:
        return cast(CallbackOperation, self.get_operation_by_name(name))

    def get_invoke(self, name: str) -> InvokeOperation:
        return cast(InvokeOperation, self.get_operation_by_name(name))

    def get_execution(self, name: str) -> ExecutionOperation:
        return cast(ExecutionOperation, self.get_operation_by_name(name))

    def get_all_operations(self) -> list[Operation]:
        """Every operation of the tree, nested ones included."""
        found: list[Operation] = []
        pending = list(self.operations)
        while pending:
            op = pending.pop()
            found.append(op)
            children = getattr(op, "child_operations", None)
            if children:
                pending.extend(children)
        return found
