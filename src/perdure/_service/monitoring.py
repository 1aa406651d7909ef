"""Health and counts for operators (`/health`, `/metrics`, the dashboard): read from the
store when asked, so they hold across restarts and across processes sharing a database.
`StoreStats` is re-exported so drivers need not reach into the store for its shape."""

from __future__ import annotations

from typing import Any

from perdure._service.context import ServiceContext
from perdure._store.store import StoreStats

__all__ = ["StoreStats", "check_health", "health_report", "stats"]


def stats(ctx: ServiceContext) -> StoreStats:
    return ctx.store.stats(ctx.now())


def check_health(ctx: ServiceContext) -> None:
    """Raises if the store cannot answer a query. A point read, which the stores serve
    without queueing behind a writer, so that `/health` answers at once while writes
    wait out a lock."""
    ctx.store.get_execution("")


def health_report(ctx: ServiceContext) -> tuple[bool, dict[str, Any]]:
    """Whether this process can do its work, and why not: the store must answer a query,
    no caller may have met a database fault since the last good write, and each of the
    process's loops (scheduler, dispatcher) must have had a good pass recently. What is
    failing names its cause (database locked, disk full)."""
    healthy = True
    store: str | dict[str, Any] = "ok"
    try:
        check_health(ctx)
    except Exception as exc:
        healthy = False
        store = f"unavailable: {exc}"
    else:
        fault = ctx.store.fault_log.current()
        if fault is not None:  # reads work, but writers are failing
            healthy = False
            store = {
                "status": "failing",
                "reason": fault.reason,
                "error": fault.message,
                "failingForSeconds": round(fault.failing_for, 3),
            }
    loops: dict[str, Any] = {}
    for status in ctx.liveness.statuses():
        healthy = healthy and status.healthy
        entry: dict[str, Any] = {"status": "ok" if status.healthy else "failing"}
        if status.seconds_since_ok is not None:
            entry["secondsSinceLastPass"] = round(status.seconds_since_ok, 3)
        if status.error is not None:
            entry["error"] = status.error
        if status.failing_for is not None:
            entry["failingForSeconds"] = round(status.failing_for, 3)
        loops[status.name] = entry
    doc: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "store": store}
    if loops:
        doc["loops"] = loops
    return healthy, doc
