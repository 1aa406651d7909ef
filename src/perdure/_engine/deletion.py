"""Deleting an execution's records (DeleteDurableExecution): the one rule is that only an
execution that has ended may go, so nothing can still write to what is removed."""

from __future__ import annotations

from perdure._model import TERMINAL_EXECUTION_STATUSES, ExecutionStatus
from perdure.errors import ResourceConflictError


def check_deletable(status: ExecutionStatus) -> None:
    if status not in TERMINAL_EXECUTION_STATUSES:
        raise ResourceConflictError(
            f"Cannot delete a durable execution that is {status.value}; stop it first or "
            "wait for it to end."
        )
