"""The Store contract for browsing every execution (the dashboard's reads), run against
each backend: keyset pages newest first in both directions, filters, counts by
status, and the leases of running invocations."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from perdure._engine.lifecycle import start_execution, stop_execution
from perdure._model import Execution, ExecutionStatus
from perdure._model.state import InvocationState, Transition
from perdure._store.postgres import PostgresStore
from perdure._store.sqlite import SqliteStore, script_statements
from perdure._store.store import ExecutionFilter, ExecutionSummary, PageKey, Store

NOW = 1_700_000_000_000


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Store
    if request.param == "postgres":
        backend = PostgresStore(request.getfixturevalue("postgres_url"))
    else:
        backend = SqliteStore(str(tmp_path / "browse.db"))
    yield backend
    backend.close()


def add(
    store: Store,
    name: str,
    *,
    function: str = "f",
    start: int = NOW,
    status: ExecutionStatus = ExecutionStatus.RUNNING,
) -> Execution:
    ex = Execution(
        arn=f"arn:aws:lambda:us-east-1:000000000000:function:{function}:$LATEST"
        f"/durable-execution/{name}/id-{name}",
        execution_id=f"id-{name}",
        name=name,
        function_name=function,
        version="$LATEST",
        status=status,
        start_timestamp=start,
        input_payload='{"big": "' + "x" * 1000 + '"}',
    )
    state, transition = start_execution(ex, start)
    assert store.create_execution(state, transition)
    return ex


def run(store: Store, ex: Execution, owner: str, expires: int) -> None:
    """Start an invocation of `ex` leased to `owner`, as a claim commits it."""
    loaded = store.load(ex.arn)
    assert loaded is not None
    version, state = loaded
    running = dataclasses.replace(
        state.record, invocation=InvocationState.RUNNING, request_id="r", token="t"
    )
    store.commit(ex.arn, version, Transition(record=running), lease=(owner, expires))


def names(rows: list[ExecutionSummary]) -> list[str]:
    return [r.name for r in rows]


def test_browsing_lists_every_function_newest_first_without_payloads(store: Store) -> None:
    add(store, "a", function="f", start=NOW)
    add(store, "b", function="g", start=NOW + 2)
    add(store, "c", function="f", start=NOW + 1)
    rows = store.browse_executions(ExecutionFilter(), limit=10)
    assert names(rows) == ["b", "c", "a"]
    assert rows[0].function_name == "g" and rows[0].status is ExecutionStatus.RUNNING
    assert rows[0].arn.endswith("/b/id-b") and rows[0].end_timestamp is None
    assert not hasattr(rows[0], "input_payload")


def test_pages_follow_the_key_in_both_directions_through_ties(store: Store) -> None:
    # Five executions started in the same millisecond: the id breaks the tie.
    for i in range(5):
        add(store, f"t{i}", start=NOW)
    add(store, "newest", start=NOW + 10)
    first = store.browse_executions(ExecutionFilter(), limit=2)
    assert names(first) == ["newest", "t4"]
    second = store.browse_executions(ExecutionFilter(), older_than=first[-1].key, limit=2)
    assert names(second) == ["t3", "t2"]
    third = store.browse_executions(ExecutionFilter(), older_than=second[-1].key, limit=2)
    assert names(third) == ["t1", "t0"]
    assert store.browse_executions(ExecutionFilter(), older_than=third[-1].key, limit=2) == []
    back = store.browse_executions(ExecutionFilter(), newer_than=third[0].key, limit=2)
    assert back == second  # still newest first
    assert names(store.browse_executions(ExecutionFilter(), newer_than=PageKey(NOW, "id-t3"))) == [
        "newest",
        "t4",
    ]


def test_filters_combine_function_name_prefix_status_and_time(store: Store) -> None:
    add(store, "order-1", function="orders", start=NOW)
    add(store, "order-2", function="orders", start=NOW + 100, status=ExecutionStatus.FAILED)
    add(store, "order_3", function="orders", start=NOW + 200)
    add(store, "order-9", function="billing", start=NOW + 300)
    add(store, "Order-4", function="orders", start=NOW + 400)

    def found(**kw: object) -> list[str]:
        return names(store.browse_executions(ExecutionFilter(**kw), limit=50))  # type: ignore[arg-type]

    assert found(function_name="orders") == ["Order-4", "order_3", "order-2", "order-1"]
    # A prefix is literal and case-sensitive: '_' and '%' are not patterns.
    assert found(name_prefix="order-") == ["order-9", "order-2", "order-1"]
    assert found(name_prefix="order_") == ["order_3"]
    assert found(name_prefix="%") == []
    assert found(statuses=[ExecutionStatus.FAILED]) == ["order-2"]
    assert found(statuses=[ExecutionStatus.FAILED, ExecutionStatus.RUNNING]) == [
        "Order-4",
        "order-9",
        "order_3",
        "order-2",
        "order-1",
    ]
    assert found(started_after=NOW + 100, started_before=NOW + 300) == [
        "order-9",
        "order_3",
        "order-2",
    ]
    assert found(function_name="orders", name_prefix="order", started_after=NOW + 50) == [
        "order_3",
        "order-2",
    ]


def test_counts_by_status_follow_the_filter(store: Store) -> None:
    add(store, "a", function="f")
    add(store, "b", function="f", status=ExecutionStatus.FAILED)
    add(store, "c", function="g", status=ExecutionStatus.FAILED)
    add(store, "d", function="g", status=ExecutionStatus.SUCCEEDED)
    assert store.count_by_status(ExecutionFilter()) == {
        "RUNNING": 1,
        "FAILED": 2,
        "SUCCEEDED": 1,
    }
    assert store.count_by_status(ExecutionFilter(function_name="f")) == {"RUNNING": 1, "FAILED": 1}
    assert store.count_by_status(ExecutionFilter(name_prefix="zzz")) == {}


def test_lease_holdings_name_the_owner_and_expiry_of_running_invocations(store: Store) -> None:
    a = add(store, "a")
    b = add(store, "b", function="g")
    add(store, "queued")  # queued, never leased
    assert store.lease_holdings(10) == []
    run(store, a, "host:1", NOW + 30_000)
    run(store, b, "host:2", NOW + 10_000)
    held = store.lease_holdings(10)
    assert [(h.arn, h.function_name, h.owner, h.expires_ms) for h in held] == [
        (b.arn, "g", "host:2", NOW + 10_000),
        (a.arn, "f", "host:1", NOW + 30_000),
    ]
    assert len(store.lease_holdings(1)) == 1


def test_the_list_follows_each_execution_s_status_and_end(store: Store) -> None:
    ex = add(store, "a")
    loaded = store.load(ex.arn)
    assert loaded is not None
    version, state = loaded
    transition = stop_execution(state, None, NOW + 5_000)
    store.commit(ex.arn, version, transition)
    (row,) = store.browse_executions(ExecutionFilter(), limit=10)
    assert row.status is ExecutionStatus.STOPPED and row.end_timestamp == NOW + 5_000
    assert store.count_by_status(ExecutionFilter()) == {"STOPPED": 1}
    assert store.browse_executions(ExecutionFilter(statuses=[ExecutionStatus.RUNNING])) == []


def test_a_deleted_execution_leaves_the_list(store: Store) -> None:
    gone = add(store, "gone")
    add(store, "kept", start=NOW + 1)
    assert store.delete_execution(gone.arn)
    assert names(store.browse_executions(ExecutionFilter(), limit=10)) == ["kept"]
    assert store.count_by_status(ExecutionFilter()) == {"RUNNING": 1}


def test_a_database_listed_before_migration_0004_lists_the_same_after_it(tmp_path: Path) -> None:
    """0004 drops the listing copy's ARN; a page reads it from the execution's row."""
    path = tmp_path / "older.db"
    folder = resources.files("perdure._store.migrations").joinpath("sqlite")
    older = sqlite3.connect(path, isolation_level=None)
    older.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)")
    for name in (
        "0001_initial.sql",
        "0002_retention_and_function_configs.sql",
        "0003_dashboard_browsing.sql",
    ):
        for statement in script_statements(folder.joinpath(name).read_text(encoding="utf-8")):
            older.execute(statement)
        older.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
    arn = "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/a/id-a"
    older.execute(
        "INSERT INTO executions (id, arn, function_name, name, version, status, start_ms, "
        "timeout_s, invocation) VALUES ('id-a', ?, 'f', 'a', '$LATEST', 'RUNNING', 5, 60, "
        "'idle')",
        (arn,),
    )
    older.close()
    store = SqliteStore(str(path))
    try:
        assert store.applied_on_open == [
            "0004_listing_without_arn.sql",
            "0005_derived_arns.sql",
            "0006_checkpoint_replies_by_age.sql",
        ]
        assert store.browse_executions(ExecutionFilter()) == [
            ExecutionSummary(arn, "id-a", "f", "a", ExecutionStatus.RUNNING, 5, None)
        ]
    finally:
        store.close()
