"""The PostgreSQL store's commits run as prepared statements, and survive losing them.

A store with a pool of one connection is used, so the test can look at that session's
prepared statements (`pg_prepared_statements` shows only the session's own). Each test
gets a fresh database (tests/postgres_databases.py); without PERDURE_TEST_POSTGRES_URL
they are skipped."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from perdure._engine.checkpoint import CheckpointIds, apply_checkpoint
from perdure._engine.invocations import begin_invocation
from perdure._engine.lifecycle import start_execution
from perdure._model import Execution, ExecutionStatus
from perdure._model.enums import OperationAction, OperationType
from perdure._model.operations import OperationUpdate
from perdure._model.state import ExecutionState
from perdure._store.postgres import PostgresStore
from perdure._store.postgres_prepared import MAX_PARAMETERS

NOW = 1_700_000_000_000


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresStore]:
    backend = PostgresStore(postgres_url, pool_size=1)
    yield backend
    backend.close()


def session_statements(store: PostgresStore) -> set[str]:
    with store._connection() as conn:
        rows = conn.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    return {str(row[0]) for row in rows}


def running_execution(store: PostgresStore) -> ExecutionState:
    ex = Execution(
        arn="arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/a/id-a",
        execution_id="id-a",
        name="a",
        function_name="f",
        version="$LATEST",
        status=ExecutionStatus.RUNNING,
        start_timestamp=NOW,
        input_payload="{}",
        execution_timeout=60,
    )
    state, transition = start_execution(ex, NOW)
    assert store.create_execution(state, transition)
    state.apply(transition)
    begun = begin_invocation(state, NOW, "tok-0", "req-1")
    assert begun is not None
    store.commit(ex.arn, 1, begun[0])
    state.apply(begun[0])
    return state


def run_steps(store: PostgresStore, state: ExecutionState, version: int, steps: range) -> int:
    """Commit one checkpoint per step (START and SUCCEED together), as a handler does;
    returns the row version after them."""
    arn = state.record.execution.arn
    for i in steps:
        token = f"tok-{i + 1}"
        ids = CheckpointIds(
            new_token=lambda token=token: token,  # type: ignore[misc]
            new_callback_id=lambda: "unused",
            new_child_execution=lambda fn: ("unused", "unused"),
        )
        updates = [
            OperationUpdate(f"s{i}", OperationType.STEP, OperationAction.START, name="s"),
            OperationUpdate(
                f"s{i}", OperationType.STEP, OperationAction.SUCCEED, name="s", payload=str(i)
            ),
        ]
        transition = apply_checkpoint(state, updates, NOW + i, ids).finish(seen=True, token=token)
        version = store.commit(arn, version, transition)
        state.apply(transition)
    return version


def test_step_checkpoints_run_as_statements_prepared_once_per_connection(
    store: PostgresStore,
) -> None:
    state = running_execution(store)
    version = run_steps(store, state, 2, range(3))
    prepared = session_statements(store)
    assert any(s.startswith("PREPARE") and "UPDATE executions" in s for s in prepared)
    assert any("INSERT INTO events" in s for s in prepared)
    run_steps(store, state, version, range(3, 10))
    assert session_statements(store) == prepared  # the same shapes, prepared once
    loaded = store.load(state.record.execution.arn)
    assert loaded is not None and loaded[0] == version + 7
    assert [op.operation_id for op in loaded[1].ops.values()][-10:] == [f"s{i}" for i in range(10)]


def test_a_commit_with_many_rows_is_sent_as_text_not_prepared(store: PostgresStore) -> None:
    state = running_execution(store)
    arn = state.record.execution.arn
    # One checkpoint of many steps: more event rows than a prepared statement takes.
    updates = [
        OperationUpdate(f"s{i}", OperationType.STEP, action, name="s", payload="1")
        for i in range(MAX_PARAMETERS)
        for action in (OperationAction.START, OperationAction.SUCCEED)
    ]
    ids = CheckpointIds(lambda: "tok-2", lambda: "unused", lambda fn: ("unused", "unused"))
    transition = apply_checkpoint(state, updates, NOW + 1, ids).finish(seen=True, token="tok-2")
    before = len(store.events(arn, 0, 1000, reverse=False))
    prepared = session_statements(store)
    assert store.commit(arn, 2, transition) == 3
    # The guarded UPDATE was prepared by the commits before; the rows went as text.
    assert session_statements(store) == prepared
    assert all(s.count("$") <= MAX_PARAMETERS for s in prepared)
    events = store.events(arn, 0, 1000, reverse=False)
    assert len(events) == before + len(transition.events) == before + 2 * MAX_PARAMETERS


def test_a_commit_whose_prepared_statement_was_lost_applies_once_as_text(
    store: PostgresStore, caplog: pytest.LogCaptureFixture
) -> None:
    state = running_execution(store)
    arn = state.record.execution.arn
    version = run_steps(store, state, 2, range(2))
    events = len(store.events(arn, 0, 1000, reverse=False))
    with store._connection() as conn:
        conn.execute("DEALLOCATE ALL")  # what a pooler in transaction mode amounts to
    with caplog.at_level(logging.WARNING, logger="perdure.store"):
        version = run_steps(store, state, version, range(2, 5))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "pooler in transaction mode" in warnings[0]
    assert session_statements(store) == set()  # preparing stays off
    loaded = store.load(arn)
    assert loaded is not None and loaded[0] == version == 2 + 5
    steps = [op for op in loaded[1].ops.values() if op.name == "s"]
    assert [op.operation_id for op in steps] == [f"s{i}" for i in range(5)]
    assert len(store.events(arn, 0, 1000, reverse=False)) == events + 2 * 3
