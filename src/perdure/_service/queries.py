"""Reads for the API, CLI and test runner: one execution, its history, lists."""

from __future__ import annotations

from perdure._model import Event, Execution
from perdure._service.context import ServiceContext
from perdure._service.limits import page_size
from perdure._store.store import ExecutionQuery
from perdure.errors import InvalidParameterValueError, ResourceNotFoundError


def get_execution(ctx: ServiceContext, arn: str) -> Execution:
    """The execution as last committed. Reads the row, not the state cache, so a
    poller never queues behind a checkpoint that is committing."""
    execution = ctx.store.get_execution(arn)
    if execution is None:
        raise ResourceNotFoundError(f"Durable execution {arn} does not exist")
    return execution


def get_history(
    ctx: ServiceContext,
    arn: str,
    *,
    marker: str | None = None,
    max_items: int | None = None,
    reverse: bool = False,
) -> tuple[list[Event], str | None]:
    limit = page_size(ctx.settings.limits, max_items)
    after = 0
    if marker:
        try:
            after = int(marker)
        except ValueError:
            raise InvalidParameterValueError(
                "Invalid Marker: pass the NextMarker of the previous page unchanged"
            ) from None
    if ctx.store.row_version(arn) is None:
        raise ResourceNotFoundError(f"Durable execution {arn} does not exist")
    events = ctx.store.events(arn, after, limit + 1, reverse)
    more = len(events) > limit
    events = events[:limit]
    nxt = str(events[-1].event_id) if more and events else None
    return events, nxt


def all_events(ctx: ServiceContext, arn: str) -> list[Event]:
    out: list[Event] = []
    marker: str | None = None
    while True:
        page, marker = get_history(
            ctx, arn, marker=marker, max_items=ctx.settings.limits.page_max_items
        )
        out.extend(page)
        if marker is None:
            return out


def list_executions(ctx: ServiceContext, query: ExecutionQuery) -> list[Execution]:
    return ctx.store.list_executions(query)
