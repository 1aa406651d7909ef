"""What an operation needs of the context it runs in.

The operations are written against this protocol rather than the concrete
`DurableContext`, so the context module imports the operations and never the reverse. A
child context is created through the scope itself (`create_child_context` returns the
same kind of scope), so a body written for `DurableContext` gets a `DurableContext`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Self, TypeVar

from perdure._sdk.identifier import OperationIdNamespace
from perdure._sdk.logger import Logger
from perdure._sdk.state import ExecutionState

__all__ = ["ExecutionContext", "OperationScope", "ScopeT"]


@dataclass(frozen=True)
class ExecutionContext:
    durable_execution_arn: str


class OperationScope(Protocol):
    """A context as its operations see it: the execution's state, the id namespace and
    parent id its operations take, and the replay bookkeeping around each operation."""

    # Set by a batch or child context before its body runs: re-run over recorded children.
    _replaying_children: bool

    @property
    def state(self) -> ExecutionState: ...

    @property
    def execution_context(self) -> ExecutionContext: ...

    @property
    def logger(self) -> Logger: ...

    @property
    def _parent_id(self) -> str | None: ...

    @property
    def _namespace(self) -> OperationIdNamespace: ...

    def _begin_operation(self) -> str: ...

    def _end_operation(self, op_id: str) -> None: ...

    def create_child_context(self, operation_id: str, *, is_virtual: bool = False) -> Self: ...


ScopeT = TypeVar("ScopeT", bound=OperationScope)
"""The concrete scope, so that branch and child bodies get the context type they were
written for."""
