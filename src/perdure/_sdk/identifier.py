"""Operation ids and replay identity.

Ids must be bit-exact with AWS's SDK so either SDK can replay the other's state:
`blake2b(utf8(key)).hexdigest()[:64]` where key is `"n"` at the root and `"<prefix>-n"`
below it (n counts from 1 per context), and map/parallel branch i is `"<batchId>-i"`.

An id alone cannot tell that the code changed between invocations, so every read of a
recorded operation also compares type, subtype, name and parent (AWS 3.0 does the same,
on the first run too) and fails the execution on a mismatch instead of letting one
operation silently consume another's checkpoint.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from perdure._model import Operation, OperationAction, OperationType, OperationUpdate
from perdure.errors import NonDeterministicExecutionError


def hash_id(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8")).hexdigest()[:64]


def operation_id(prefix: str | None, n: int) -> str:
    """Id of the n-th operation (1-based) of the context whose prefix is `prefix`."""
    return hash_id(f"{prefix}-{n}" if prefix else str(n))


def branch_id(batch_operation_id: str, index: int) -> str:
    """Id of map/parallel branch `index` (0-based); independent of scheduling order."""
    return hash_id(f"{batch_operation_id}-{index}")


class OperationIdNamespace:
    """The per-context counter: each call takes the next id, so call order is the
    replay contract."""

    __slots__ = ("_lock", "_n", "prefix")

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix
        self._n = 0
        self._lock = threading.Lock()

    def next_id(self) -> str:
        with self._lock:
            self._n += 1
            n = self._n
        return operation_id(self.prefix, n)

    def peek_id(self, ahead: int = 1) -> str:
        """The id the `ahead`-th next call would get, without taking it."""
        with self._lock:
            n = self._n + ahead
        return operation_id(self.prefix, n)

    def create_id_for_step(self, n: int) -> str:
        return operation_id(self.prefix, n)


@dataclass(frozen=True, slots=True)
class OperationIdentifier:
    """Who an operation is: what the current code says it should be."""

    operation_id: str
    sub_type: str | None
    parent_id: str | None = None
    name: str | None = None
    operation_type: OperationType = OperationType.STEP

    def update(self, action: OperationAction, **fields: Any) -> OperationUpdate:
        """A checkpoint update for this operation; identity fields ride on every action."""
        return OperationUpdate(
            self.operation_id,
            self.operation_type,
            action,
            self.parent_id,
            self.name,
            self.sub_type,
            **fields,
        )

    def validate_checkpoint(self, op: Operation | None) -> None:
        """Raise NonDeterministicExecutionError when the recorded operation under this id
        was written by different code."""
        if op is None:
            return
        checks: tuple[tuple[str, object, object], ...] = (
            ("type", op.operation_type, self.operation_type),
            ("sub_type", op.sub_type, self.sub_type),
            ("name", op.name or None, self.name or None),
            ("parent_id", op.parent_id or None, self.parent_id or None),
        )
        for field_name, recorded, current in checks:
            if recorded != current:
                raise NonDeterministicExecutionError(
                    f"Non-deterministic operation identity at id={self.operation_id!r}: "
                    f"{field_name} checkpoint={_show(recorded)!r} current={_show(current)!r}",
                    step_id=self.operation_id,
                )


def _show(value: object) -> str | None:
    if value is None:
        return None
    return str(value)
