"""The operation tree a test reads, in the shape of AWS's testing SDK (1.4.0).

AWS's runner hands a test frozen objects, one class per operation type, nested under
their context (`result.get_context("batch").get_step("item-0")`). These are built from
Perdure's recorded operations, so the same tree comes out whether the execution ran in
this process or on a Perdure server. Timestamps are timezone-aware `datetime`s, payloads
the raw strings the service stored (tests deserialize them), as in AWS's runner.
"""

from __future__ import annotations

import datetime
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast

from perdure._model import ErrorObject, OperationStatus, OperationType
from perdure._model import Operation as RecordedOperation
from perdure.testing.exceptions import DurableFunctionsTestError, InvalidParameterValueException

OperationPayload = str


def _when(epoch_ms: int | None) -> datetime.datetime | None:
    if epoch_ms is None:
        return None
    return datetime.datetime.fromtimestamp(epoch_ms / 1000, tz=datetime.UTC)


def _expect(operation: RecordedOperation, kind: OperationType, label: str) -> None:
    if operation.operation_type is not kind:
        raise InvalidParameterValueException(
            f"Expected {label} operation, got {operation.operation_type}"
        )


def _children(
    operation: RecordedOperation, all_operations: Sequence[RecordedOperation] | None
) -> list[Operation]:
    if not all_operations:
        return []
    return [
        create_operation(op, list(all_operations))
        for op in all_operations
        if op.parent_id == operation.operation_id
    ]


def _common(operation: RecordedOperation) -> dict[str, object]:
    return {
        "operation_id": operation.operation_id,
        "operation_type": operation.operation_type,
        "status": operation.status,
        "parent_id": operation.parent_id,
        "name": operation.name,
        "sub_type": operation.sub_type,
        "start_timestamp": _when(operation.start_timestamp),
        "end_timestamp": _when(operation.end_timestamp),
    }


@dataclass(frozen=True)
class Operation:
    """What every operation has: id, type, status, place in the tree and its times."""

    operation_id: str
    operation_type: OperationType
    status: OperationStatus
    parent_id: str | None = field(default=None, kw_only=True)
    name: str | None = field(default=None, kw_only=True)
    sub_type: str | None = field(default=None, kw_only=True)
    start_timestamp: datetime.datetime | None = field(default=None, kw_only=True)
    end_timestamp: datetime.datetime | None = field(default=None, kw_only=True)


class OperationFactory(Protocol):
    """A class that builds itself from a recorded operation (and its execution's others)."""

    @staticmethod
    def from_svc_operation(
        operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
    ) -> Operation: ...


@dataclass(frozen=True)
class ExecutionOperation(Operation):
    input_payload: str | None = None

    @staticmethod
    def from_svc_operation(
        operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
    ) -> ExecutionOperation:
        _expect(operation, OperationType.EXECUTION, "EXECUTION")
        details = operation.execution_details
        return ExecutionOperation(
            **_common(operation),  # type: ignore[arg-type]
            input_payload=details.input_payload if details else None,
        )


@dataclass(frozen=True)
class ContextOperation(Operation):
    """A child context (and the base of steps and callbacks, which AWS also nests):
    its direct children, and lookups among them by name."""

    child_operations: list[Operation]
    result: OperationPayload | None = None
    error: ErrorObject | None = None

    @staticmethod
    def from_svc_operation(
        operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
    ) -> ContextOperation:
        _expect(operation, OperationType.CONTEXT, "CONTEXT")
        details = operation.context_details
        return ContextOperation(
            **_common(operation),  # type: ignore[arg-type]
            child_operations=_children(operation, all_operations),
            result=details.result if details else None,
            error=details.error if details else None,
        )

    def get_operation_by_name(self, name: str) -> Operation:
        """The first direct child with this name."""
        for operation in self.child_operations:
            if operation.name == name:
                return operation
        raise DurableFunctionsTestError(
            f"Child Operation with name '{name}' not found" + _names_hint(self.child_operations)
        )

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


@dataclass(frozen=True)
class StepOperation(ContextOperation):
    attempt: int = 0
    next_attempt_timestamp: datetime.datetime | None = None
    result: OperationPayload | None = None
    error: ErrorObject | None = None

    @staticmethod
    def from_svc_operation(
        operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
    ) -> StepOperation:
        _expect(operation, OperationType.STEP, "STEP")
        details = operation.step_details
        return StepOperation(
            **_common(operation),  # type: ignore[arg-type]
            child_operations=_children(operation, all_operations),
            attempt=details.attempt if details else 0,
            next_attempt_timestamp=_when(details.next_attempt_timestamp) if details else None,
            result=details.result if details else None,
            error=details.error if details else None,
        )


@dataclass(frozen=True)
class WaitOperation(Operation):
    scheduled_end_timestamp: datetime.datetime | None = None

    @staticmethod
    def from_svc_operation(
        operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
    ) -> WaitOperation:
        _expect(operation, OperationType.WAIT, "WAIT")
        details = operation.wait_details
        return WaitOperation(
            **_common(operation),  # type: ignore[arg-type]
            scheduled_end_timestamp=_when(details.scheduled_end_timestamp) if details else None,
        )


@dataclass(frozen=True)
class CallbackOperation(ContextOperation):
    callback_id: str | None = None
    result: OperationPayload | None = None
    error: ErrorObject | None = None

    @staticmethod
    def from_svc_operation(
        operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
    ) -> CallbackOperation:
        _expect(operation, OperationType.CALLBACK, "CALLBACK")
        details = operation.callback_details
        return CallbackOperation(
            **_common(operation),  # type: ignore[arg-type]
            child_operations=_children(operation, all_operations),
            callback_id=details.callback_id if details else None,
            result=details.result if details else None,
            error=details.error if details else None,
        )


@dataclass(frozen=True)
class InvokeOperation(Operation):
    result: OperationPayload | None = None
    error: ErrorObject | None = None

    @staticmethod
    def from_svc_operation(
        operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
    ) -> InvokeOperation:
        _expect(operation, OperationType.CHAINED_INVOKE, "INVOKE")
        details = operation.chained_invoke_details
        return InvokeOperation(
            **_common(operation),  # type: ignore[arg-type]
            result=details.result if details else None,
            error=details.error if details else None,
        )


OPERATION_FACTORIES: MutableMapping[OperationType, type[OperationFactory]] = {
    OperationType.EXECUTION: ExecutionOperation,
    OperationType.CONTEXT: ContextOperation,
    OperationType.STEP: StepOperation,
    OperationType.WAIT: WaitOperation,
    OperationType.CHAINED_INVOKE: InvokeOperation,
    OperationType.CALLBACK: CallbackOperation,
}


def create_operation(
    svc_operation: RecordedOperation, all_operations: list[RecordedOperation] | None = None
) -> Operation:
    """The test-side object for one recorded operation, with its children under it."""
    factory = OPERATION_FACTORIES.get(svc_operation.operation_type)
    if factory is None:
        raise DurableFunctionsTestError(f"Unknown operation type: {svc_operation.operation_type}")
    return factory.from_svc_operation(svc_operation, all_operations)


def top_level(recorded: Sequence[RecordedOperation]) -> list[Operation]:
    """The tree a result holds: the operations outside any context, the execution's own
    operation left out, each with its descendants."""
    everything = list(recorded)
    return [
        create_operation(op, everything)
        for op in everything
        if op.parent_id is None and op.operation_type is not OperationType.EXECUTION
    ]


def _names_hint(operations: Sequence[Operation]) -> str:
    names = [op.name for op in operations if op.name]
    if not names:
        return " (there are no named operations at this level)."
    return f" (named operations at this level: {', '.join(repr(n) for n in names)})."
