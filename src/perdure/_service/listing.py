"""Listing a function's executions a page at a time (ListDurableExecutionsByFunction).

The marker is the offset of the next page; one extra row is read to tell whether there
is a next page at all, so the last page carries no marker. `ExecutionQuery` is
re-exported so drivers need not reach into the store for its shape.
"""

from __future__ import annotations

import dataclasses

from perdure._model import Execution
from perdure._service.context import ServiceContext
from perdure._store.store import ExecutionQuery

__all__ = ["ExecutionQuery", "list_page"]


def list_page(ctx: ServiceContext, query: ExecutionQuery) -> tuple[list[Execution], int | None]:
    """One page of `query` and the offset of the next page (None on the last page)."""
    rows = ctx.store.list_executions(dataclasses.replace(query, limit=query.limit + 1))
    if len(rows) > query.limit:
        return rows[: query.limit], query.offset + query.limit
    return rows, None
