"""Migration 0005 (executions stop storing their ARN) on a database with work in flight.

The database before it is made as Perdure wrote it: an execution is run on the current
schema until it waits for a callback, and its rows are inserted into a database holding
migrations 0001-0004 alone, ARN column and all (the columns as 0004 left them). Opening
that database applies 0005; the execution must read the same on the wire (its ARN, its
description, its history), be found by its function, and then finish, its history going
on from where it stood.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from perdure import DurableContext, durable_execution
from perdure._app import build_embedded
from perdure._store.row_export import child_rows, insert_child
from perdure._store.sqlite import SqliteStore, script_statements
from perdure._store.store import EXECUTION_TABLES, ExecutionRows
from perdure.client import DurableClient
from tests.workers.support import wait_until

MIGRATIONS_BEFORE = (
    "0001_initial.sql",
    "0002_retention_and_function_configs.sql",
    "0003_dashboard_browsing.sql",
    "0004_listing_without_arn.sql",
)
# `executions` as migration 0004 left it, without the lease (a copied row holds none).
COLUMNS_BEFORE = (
    "id, arn, function_name, name, version, status, start_ms, end_ms, input, result, error, "
    "timeout_s, tenant_id, parent_arn, parent_op, row_version, seq, event_count, token, "
    "token_seen_seq, invocation, invoke_at, request_id, invocation_started, delivered_seq, "
    "failed_invocations, closing_status, closing_result, closing_error, retention_days, "
    "sync_invoke"
)


@durable_execution
def approval(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    callback = context.create_callback(name="approval")
    return {"approved": callback.result()}


@durable_execution
def quick(event: dict[str, Any], context: DurableContext) -> int:
    return int(context.step(lambda _: 2, name="two"))


FUNCTIONS = {"approval": approval, "quick": quick}


def types(client: DurableClient, arn: str) -> list[str]:
    return [str(event["EventType"]) for event in client.history(arn)]


def run_until_in_flight(path: str) -> tuple[dict[str, str], list[ExecutionRows]]:
    """An execution waiting for a callback and one that ended, on the current schema:
    their ARNs by function, and their rows as stored."""
    app = build_embedded(path, FUNCTIONS)
    try:
        client = DurableClient.embedded(app)
        arns = {"approval": client.start("approval", {}), "quick": client.start("quick", {})}
        assert client.wait(arns["quick"], timeout=10).status == "SUCCEEDED"
        wait_until(lambda: "CallbackStarted" in types(client, arns["approval"]), 10, "a callback")
        wait_until(lambda: app.store.running_count() == 0, 10, "the invocation to end")
    finally:
        app.close()
    store = SqliteStore(path)
    try:
        return arns, store.export_executions("", 10)
    finally:
        store.close()


def sqlite_before_0005(tmp_path: Path, executions: list[ExecutionRows]) -> str:
    path = str(tmp_path / "before.db")
    folder = resources.files("perdure._store.migrations").joinpath("sqlite")
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)")
        for name in MIGRATIONS_BEFORE:
            for statement in script_statements(folder.joinpath(name).read_text("utf-8")):
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
        marks = ", ".join("?" * (COLUMNS_BEFORE.count(",") + 1))
        db.executemany(
            f"INSERT INTO executions ({COLUMNS_BEFORE}) VALUES ({marks})",
            [rows.execution for rows in executions],
        )
        for table in EXECUTION_TABLES[1:]:
            db.executemany(insert_child(table, "?"), child_rows(executions, table))
    finally:
        db.close()
    return path


def postgres_before_0005(url: str, executions: list[ExecutionRows]) -> str:
    """A schema of its own in the test's database, holding 0001-0004 alone: the URL
    returned reaches it (search_path), not the migrated one beside it."""
    folder = resources.files("perdure._store.migrations").joinpath("postgres")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA before_0005")
        conn.execute("SET search_path TO before_0005")
        conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)")
        for name in MIGRATIONS_BEFORE:
            conn.execute(folder.joinpath(name).read_text("utf-8").encode())
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
        marks = ", ".join(["%s"] * (COLUMNS_BEFORE.count(",") + 1))
        cur = conn.cursor()
        cur.executemany(
            f"INSERT INTO executions ({COLUMNS_BEFORE}) VALUES ({marks})",
            [rows.execution for rows in executions],
        )
        for table in EXECUTION_TABLES[1:]:
            cur.executemany(insert_child(table, "%s"), child_rows(executions, table))
    return f"{url}?options={quote('-csearch_path=before_0005')}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_before_0005(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[list[ExecutionRows]], str]]:
    """Makes a database at migration 0004 holding the given executions' rows."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        yield lambda executions: postgres_before_0005(url, executions)
    else:
        yield lambda executions: sqlite_before_0005(tmp_path, executions)


def test_an_execution_in_flight_before_0005_reads_the_same_after_it_and_finishes(
    tmp_path: Path, database_before_0005: Callable[[list[ExecutionRows]], str]
) -> None:
    source = str(tmp_path / "current.db")
    arns, executions = run_until_in_flight(source)
    reference = build_embedded(source, FUNCTIONS)
    try:
        client = DurableClient.embedded(reference)
        histories = {arn: client.history(arn) for arn in arns.values()}
        described = {arn: client.get(arn) for arn in arns.values()}
        listed = {name: list(client.list(name)) for name in arns}
    finally:
        reference.close()

    app = build_embedded(database_before_0005(executions), FUNCTIONS)
    try:
        assert "0005_derived_arns.sql" in app.store.schema()
        client = DurableClient.embedded(app)
        for arn in arns.values():
            assert client.history(arn) == histories[arn]
            assert client.get(arn) == described[arn]
        for name in arns:
            assert list(client.list(name)) == listed[name]
        waiting = arns["approval"]
        started = [e for e in histories[waiting] if e["EventType"] == "CallbackStarted"]
        client.send_callback_success(started[0]["CallbackStartedDetails"]["CallbackId"], "yes")
        assert client.wait(waiting, timeout=10).status == "SUCCEEDED"
        history = client.history(waiting)
        assert history[: len(histories[waiting])] == histories[waiting]
        assert history[-1]["EventType"] == "ExecutionSucceeded"
        assert history[-1]["ExecutionSucceededDetails"]["Result"]["Payload"] == (
            '{"approved": "yes"}'
        )
    finally:
        app.close()
