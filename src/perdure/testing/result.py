"""What a finished (or inspected) execution looks like to a test."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perdure._model import ErrorObject, Operation, OperationType


@dataclass(frozen=True)
class TestResult:
    """`result` is the handler's return value (JSON-decoded); `raw_result` the string the
    service stored. `history` holds the events exactly as the history API returns them."""

    __test__ = False  # not a pytest test class

    arn: str
    status: str
    raw_result: str | None
    error: ErrorObject | None
    operations: Sequence[Operation]
    history: Sequence[Mapping[str, Any]] = field(default_factory=list)
    logs: Sequence[Mapping[str, Any]] = field(default_factory=list)

    @property
    def result(self) -> Any:
        if self.raw_result is None or self.raw_result == "":
            return None
        try:
            return json.loads(self.raw_result)
        except ValueError:
            return self.raw_result

    def get_operation(self, name: str, *, parent: Operation | None = None) -> Operation:
        """The first operation with this name (under `parent` if given)."""
        for op in self.operations:
            if op.name == name and (parent is None or op.parent_id == parent.operation_id):
                return op
        raise KeyError(f"No operation named {name!r}")

    def get_step(self, name: str) -> Operation:
        return self._typed(name, OperationType.STEP)

    def get_wait(self, name: str) -> Operation:
        return self._typed(name, OperationType.WAIT)

    def get_callback(self, name: str) -> Operation:
        return self._typed(name, OperationType.CALLBACK)

    def get_context(self, name: str) -> Operation:
        return self._typed(name, OperationType.CONTEXT)

    def get_invoke(self, name: str) -> Operation:
        return self._typed(name, OperationType.CHAINED_INVOKE)

    def _typed(self, name: str, kind: OperationType) -> Operation:
        for op in self.operations:
            if op.name == name and op.operation_type is kind:
                return op
        raise KeyError(f"No {kind.value} operation named {name!r}")

    def operations_of_type(self, kind: OperationType) -> list[Operation]:
        return [op for op in self.operations if op.operation_type is kind]

    def children(self, op: Operation | None = None) -> list[Operation]:
        """Direct children of `op` (top-level operations when None)."""
        parent = op.operation_id if op else None
        return [
            o
            for o in self.operations
            if o.parent_id == parent and o.operation_type is not OperationType.EXECUTION
        ]

    def events_of_type(self, event_type: str) -> list[Mapping[str, Any]]:
        return [e for e in self.history if e.get("EventType") == event_type]
