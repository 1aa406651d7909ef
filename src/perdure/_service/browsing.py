"""Reads for people browsing the service (the dashboard): every execution a page at a
time with counts by status, one execution with its operations and history, the leases
of running invocations and the function configs workers registered.

Lists read summaries without payloads, and page by key, not offset, so a page costs
the same at the top of 100,000 executions as at the bottom. Nothing here takes the
service's lock: each read is one statement (or one snapshot) of the store, so a
browser refreshing its page never queues the commits that run executions.
"""

from __future__ import annotations

from dataclasses import dataclass

from perdure._model import Event, Execution, Operation
from perdure._model.durable_config import DurableConfig
from perdure._model.state import InvocationState, TimerKind
from perdure._service.context import ServiceContext
from perdure._store.store import ExecutionFilter, ExecutionSummary, LeaseHolding, PageKey
from perdure.errors import ResourceNotFoundError

__all__ = [
    "ExecutionFilter",
    "ExecutionPage",
    "ExecutionSummary",
    "ExecutionView",
    "LeaseHolding",
    "PageKey",
    "RegisteredFunction",
    "browse",
    "inspect",
    "lease_holdings",
    "registered_functions",
    "status_counts",
]


@dataclass(frozen=True)
class ExecutionPage:
    """A page of executions, newest first, with the keys that reach the pages beside
    it: `older` for the next page down, `newer` for the one above (None at either end)."""

    executions: list[ExecutionSummary]
    older: PageKey | None
    newer: PageKey | None


def browse(
    ctx: ServiceContext,
    where: ExecutionFilter,
    *,
    older_than: PageKey | None = None,
    newer_than: PageKey | None = None,
    limit: int = 50,
) -> ExecutionPage:
    """The newest page of `where`, or the page just older than `older_than`, or just
    newer than `newer_than`. A page above which fewer than `limit` executions remain
    is the newest page, full."""
    store = ctx.store
    if older_than is not None:
        rows = store.browse_executions(where, older_than=older_than, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return ExecutionPage(
            rows, rows[-1].key if more and rows else None, rows[0].key if rows else None
        )
    if newer_than is not None:
        rows = store.browse_executions(where, newer_than=newer_than, limit=limit + 1)
        if len(rows) > limit:  # newest first: the extra row is the newest, beyond the page
            rows = rows[1:]
            return ExecutionPage(rows, rows[-1].key, rows[0].key)
    rows = store.browse_executions(where, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return ExecutionPage(rows, rows[-1].key if more and rows else None, None)


def status_counts(ctx: ServiceContext, where: ExecutionFilter) -> dict[str, int]:
    return ctx.store.count_by_status(where)


@dataclass(frozen=True)
class ExecutionView:
    """One execution as a person inspects it: its record, its operations in the order
    they started, its pending timers, and the first `len(events)` events of its history
    (`more_events` when the history goes on)."""

    execution: Execution
    operations: list[Operation]
    timers: dict[tuple[str, TimerKind], int]
    events: list[Event]
    more_events: bool
    running_since: int | None
    """When the invocation running now started, or None while none runs."""


def inspect(ctx: ServiceContext, arn: str, *, max_events: int = 1000) -> ExecutionView:
    loaded = ctx.store.load(arn)
    if loaded is None:
        raise ResourceNotFoundError(f"Durable execution {arn} does not exist")
    _, state = loaded
    record = state.record
    events = ctx.store.events(arn, 0, max_events + 1, False)
    return ExecutionView(
        execution=record.execution,
        operations=list(state.ops.values()),
        timers=dict(state.timers),
        events=events[:max_events],
        more_events=len(events) > max_events,
        running_since=record.invocation_started
        if record.invocation is InvocationState.RUNNING
        else None,
    )


def lease_holdings(ctx: ServiceContext, limit: int = 200) -> list[LeaseHolding]:
    return ctx.store.lease_holdings(limit)


@dataclass(frozen=True)
class RegisteredFunction:
    """A function a worker registered with this database: its config and when."""

    name: str
    config: DurableConfig
    registered_ms: int


def registered_functions(ctx: ServiceContext) -> list[RegisteredFunction]:
    return [
        RegisteredFunction(name, DurableConfig(timeout, retention), updated)
        for name, timeout, retention, updated in ctx.store.export_function_configs()
    ]
