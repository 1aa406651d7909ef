"""The PostgreSQL store writes each commit as one statement, prepared on its connection.

The checkpoints go through the service's use cases, as the HTTP API sends them (with a
ClientToken, so the reply is saved in the same statement), over a store with a pool of one
connection, so the test can look at that session's prepared statements
(`pg_prepared_statements` shows only the session's own). Each test gets a fresh database
(tests/postgres_databases.py); without PERDURE_TEST_POSTGRES_URL they are skipped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from perdure._model.enums import OperationAction, OperationType
from perdure._model.operations import OperationUpdate
from perdure._model.state import Timer, TimerKind, Transition
from perdure._service import checkpoint, invocations, queries, start
from perdure._service.context import ServiceContext
from perdure._store.postgres import PostgresStore


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresStore]:
    backend = PostgresStore(postgres_url, pool_size=1)
    yield backend
    backend.close()


@pytest.fixture
def ctx(store: PostgresStore) -> ServiceContext:
    return ServiceContext(store)


def prepared_statements(store: PostgresStore) -> list[str]:
    with store._connection() as conn:
        rows = conn.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    return [str(row[0]) for row in rows]


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


def test_step_checkpoints_are_one_statement_each_prepared_once(
    store: PostgresStore, ctx: ServiceContext
) -> None:
    arn, token = claimed(ctx)
    token = run_steps(ctx, arn, token, [f"s{i}" for i in range(8)])
    prepared = prepared_statements(store)
    commits = [s for s in prepared if "UPDATE executions" in s and "INSERT INTO events" in s]
    assert len(commits) == 1 and "INSERT INTO operations" in commits[0]
    assert "INSERT INTO checkpoint_replies" in commits[0]  # the reply, in the same commit
    run_steps(ctx, arn, token, [f"s{i}" for i in range(8, 16)])
    assert sorted(prepared_statements(store)) == sorted(prepared)  # no new shapes
    ctx.forget(arn)  # read the database, not this process's cache
    _, state = ctx.load(arn)
    steps = [op.operation_id for op in state.ops.values() if op.name == "s"]
    assert steps == [f"s{i}" for i in range(16)]
    assert len(queries.all_events(ctx, arn)) == 1 + 2 * 16  # ExecutionStarted, then steps


def test_a_timer_cancelled_and_set_again_in_one_commit_keeps_its_new_due_time(
    store: PostgresStore, ctx: ServiceContext
) -> None:
    arn, _ = claimed(ctx)
    version, state = ctx.load(arn)
    ((op_id, kind), due) = next(iter(state.timers.items()))  # the execution timeout
    other = (op_id, TimerKind.RETRY_READY)
    again = Transition(
        record=state.record,
        timers_cancelled=[(op_id, kind), other],
        timers_set=[Timer(op_id, kind, due + 5), Timer(*other, due + 7)],
    )
    assert store.commit(arn, version, again) == version + 1
    loaded = store.load(arn)
    assert loaded is not None
    assert loaded[1].timers == {(op_id, kind): due + 5, other: due + 7}
    gone = Transition(record=state.record, timers_cancelled=[other])
    store.commit(arn, version + 1, gone)
    loaded = store.load(arn)
    assert loaded is not None and loaded[1].timers == {(op_id, kind): due + 5}
