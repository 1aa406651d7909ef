"""Health and counts for operators (`/health`, `/metrics`, the dashboard): read from the
store when asked, so they hold across restarts and across processes sharing a database.
`StoreStats` is re-exported so drivers need not reach into the store for its shape."""

from __future__ import annotations

from perdure._service.context import ServiceContext
from perdure._store.store import StoreStats

__all__ = ["StoreStats", "check_health", "stats"]


def stats(ctx: ServiceContext) -> StoreStats:
    return ctx.store.stats(ctx.now())


def check_health(ctx: ServiceContext) -> None:
    """Raises if the store cannot answer a query."""
    ctx.store.row_version("")
