"""Building the infos plugins receive from recorded operations and identifiers.

Kept apart from the host so the host reads as "when is which hook called", and this as
"what does each field mean": timestamps become aware UTC datetimes, the result and error
come from whichever details the operation type has, and a step's attempt is reported only
once the service counted one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from perdure._model import Operation, OperationStatus
from perdure._model import OperationType as WireType
from perdure._sdk.plugin_types import OperationInfo, OperationType

if TYPE_CHECKING:
    from perdure._sdk.identifier import OperationIdentifier

__all__ = ["fields_of", "ident_fields", "operation_info", "own_end", "to_time"]


def to_time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


def operation_info(op: Operation, replayed: bool) -> OperationInfo:
    details: Any = op.step_details or op.context_details or op.callback_details
    details = details or op.chained_invoke_details
    step = op.step_details
    return OperationInfo(
        op.operation_id,
        OperationType(op.operation_type.value),
        op.sub_type,
        op.name,
        op.parent_id,
        to_time(op.start_timestamp),
        to_time(op.end_timestamp),
        replayed,
        op.status,
        getattr(details, "result", None),
        getattr(details, "error", None),
        step.attempt if step is not None and step.attempt > 0 else None,
    )


def own_end(op: Operation) -> bool:
    """Whether `op`'s status can only come from the SDK's own SUCCEED/FAIL checkpoint."""
    return op.operation_type in (WireType.STEP, WireType.CONTEXT) and op.status in (
        OperationStatus.SUCCEEDED,
        OperationStatus.FAILED,
    )


def fields_of(info: OperationInfo, replayed: bool) -> dict[str, Any]:
    fields = {k: getattr(info, k) for k in OperationInfo.__dataclass_fields__}
    fields["is_replayed"] = replayed
    return fields


def ident_fields(ident: OperationIdentifier) -> dict[str, Any]:
    return {
        "operation_id": ident.operation_id,
        "operation_type": OperationType(ident.operation_type.value),
        "sub_type": ident.sub_type,
        "name": ident.name,
        "parent_id": ident.parent_id,
    }
