"""Deleting an ended execution and everything recorded for it."""

from __future__ import annotations

from perdure._engine.deletion import check_deletable
from perdure._service.context import ServiceContext
from perdure.errors import ResourceNotFoundError


def delete_execution(ctx: ServiceContext, arn: str) -> int:
    """Delete `arn`; returns when the deletion was requested (epoch ms). Refused with
    ResourceConflictError unless the execution has ended."""
    with ctx.locked(arn):
        execution = ctx.store.get_execution(arn)
        if execution is None:
            raise ResourceNotFoundError(f"Durable execution {arn} does not exist")
        check_deletable(execution.status)
        now = ctx.now()
        ctx.store.delete_execution(arn)
        ctx.forget(arn)
    return now
