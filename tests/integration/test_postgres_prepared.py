"""The PostgreSQL store's commits run as prepared statements, and survive losing them.

The checkpoints go through the service's use cases, as the HTTP API sends them (with a
ClientToken, so the saved reply is written too), over a store with a pool of one
connection, so the test can look at that session's prepared statements
(`pg_prepared_statements` shows only the session's own). Each test gets a fresh database
(tests/postgres_databases.py); without PERDURE_TEST_POSTGRES_URL they are skipped."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from perdure._model.enums import OperationAction, OperationType
from perdure._model.operations import OperationUpdate
from perdure._service import checkpoint, invocations, queries, start
from perdure._service.context import ServiceContext
from perdure._store.postgres import PostgresStore
from perdure._store.postgres_prepared import MAX_PARAMETERS


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresStore]:
    backend = PostgresStore(postgres_url, pool_size=1)
    yield backend
    backend.close()


@pytest.fixture
def ctx(store: PostgresStore) -> ServiceContext:
    return ServiceContext(store)


def session_statements(store: PostgresStore) -> set[str]:
    """The statements the store prepared on its connection (psycopg's own, which it
    prepares for frequent reads, are named differently)."""
    with store._connection() as conn:
        rows = conn.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'perdure%'"
        ).fetchall()
    return {str(row[0]) for row in rows}


def claimed(ctx: ServiceContext) -> tuple[str, str]:
    """A started execution whose invocation is claimed: its ARN and checkpoint token."""
    arn = start.start_execution(ctx, "f", "{}").arn
    got = invocations.claim_invocation(ctx, arn, "worker-1", 30_000)
    assert got is not None
    return arn, got[1].checkpoint_token


def step(op_id: str) -> list[OperationUpdate]:
    """A step's START and SUCCEED in one checkpoint, as the SDK sends them."""
    return [
        OperationUpdate(op_id, OperationType.STEP, OperationAction.START, name="s"),
        OperationUpdate(op_id, OperationType.STEP, OperationAction.SUCCEED, name="s", payload="1"),
    ]


def run_steps(ctx: ServiceContext, arn: str, token: str, op_ids: list[str]) -> str:
    for op_id in op_ids:
        reply = checkpoint.checkpoint(ctx, arn, token, step(op_id), client_token=f"ct-{op_id}")
        assert reply.checkpoint_token is not None
        token = reply.checkpoint_token
    return token


def step_ids(ctx: ServiceContext, arn: str) -> list[str]:
    ctx.forget(arn)  # read the database, not this process's cache
    _, state = ctx.load(arn)
    return [op.operation_id for op in state.ops.values() if op.name == "s"]


def test_step_checkpoints_run_as_statements_prepared_once_per_connection(
    store: PostgresStore, ctx: ServiceContext
) -> None:
    arn, token = claimed(ctx)
    token = run_steps(ctx, arn, token, ["s0", "s1", "s2"])
    prepared = session_statements(store)
    assert any("UPDATE executions" in s for s in prepared)
    assert any("INSERT INTO events" in s for s in prepared)
    assert any("INSERT INTO checkpoint_replies" in s for s in prepared)
    run_steps(ctx, arn, token, [f"s{i}" for i in range(3, 10)])
    assert session_statements(store) == prepared  # the same shapes, prepared once
    assert step_ids(ctx, arn) == [f"s{i}" for i in range(10)]
    assert queries.get_execution(ctx, arn).status.value == "RUNNING"


def test_a_checkpoint_with_many_rows_is_sent_as_text_not_prepared(
    store: PostgresStore, ctx: ServiceContext
) -> None:
    arn, token = claimed(ctx)
    token = run_steps(ctx, arn, token, ["s0"])
    prepared = session_statements(store)
    many = [update for i in range(1, MAX_PARAMETERS) for update in step(f"s{i}")]
    checkpoint.checkpoint(ctx, arn, token, many)
    assert session_statements(store) == prepared
    assert all(s.count("$") <= MAX_PARAMETERS for s in prepared)
    assert step_ids(ctx, arn) == [f"s{i}" for i in range(MAX_PARAMETERS)]


def test_a_checkpoint_whose_prepared_statement_was_lost_applies_once_as_text(
    store: PostgresStore, ctx: ServiceContext, caplog: pytest.LogCaptureFixture
) -> None:
    arn, token = claimed(ctx)
    token = run_steps(ctx, arn, token, ["s0", "s1"])
    events = len(queries.all_events(ctx, arn))
    with store._connection() as conn:
        conn.execute("DEALLOCATE ALL")  # what a pooler in transaction mode amounts to
    with caplog.at_level(logging.WARNING, logger="perdure.store"):
        run_steps(ctx, arn, token, ["s2", "s3", "s4"])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "pooler in transaction mode" in warnings[0]
    assert session_statements(store) == set()  # preparing stays off
    assert step_ids(ctx, arn) == ["s0", "s1", "s2", "s3", "s4"]
    assert len(queries.all_events(ctx, arn)) == events + 2 * 3
