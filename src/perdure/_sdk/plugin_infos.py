"""Building the infos plugins receive from recorded operations and identifiers.

Kept apart from the host so the host reads as "when is which hook called", and this as
"what does each field mean": timestamps become aware UTC datetimes, the result and error
come from whichever details the operation type has (`OperationInfo.from_operation`), and
each hook fills exactly the fields AWS's SDK fills for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from perdure._model import Operation, OperationStatus
from perdure._model import OperationType as WireType
from perdure._sdk.plugin_types import OperationInfo, OperationType

if TYPE_CHECKING:
    from perdure._sdk.identifier import OperationIdentifier

__all__ = ["fields_of", "ident_fields", "own_end", "replay_start", "to_time"]


def to_time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


def replay_start(op: Operation) -> dict[str, Any]:
    """An operation found in flight on replay: who it is, when it started, its status
    (AWS reports no end, result, error or attempt here)."""
    return {
        "operation_id": op.operation_id,
        "operation_type": OperationType(op.operation_type.value),
        "sub_type": op.sub_type,
        "name": op.name,
        "parent_id": op.parent_id,
        "start_time": to_time(op.start_timestamp),
        "is_replayed": True,
        "status": op.status,
    }


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
