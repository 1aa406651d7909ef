"""Group commit on the embedded store (`perdure._store.group_commit`): writes that
arrive while another is being committed share the next durable transaction, and each
succeeds or fails on its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from perdure._engine.lifecycle import start_execution
from perdure._engine.timers import fire_timer
from perdure._model import ExecutionStatus
from perdure._model.state import TimerKind
from perdure._store.sqlite import SqliteStore
from perdure._store.store import StaleStateError
from tests.contract.test_store_contract import NOW, create, new_execution


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    backend = SqliteStore(str(tmp_path / "group.db"))
    yield backend
    backend.close()


def queued(store: SqliteStore) -> int:
    return len(store._group._queue)


def time_out(store: SqliteStore, name: str, version: int = 1) -> Callable[[], object]:
    """A commit ending execution `name` by its timeout, made at row version `version`."""
    state = create(store, name)
    transition = fire_timer(state, f"id-{name}", TimerKind.EXECUTION_TIMEOUT, NOW + 61_000)
    assert transition is not None
    arn = state.record.execution.arn
    return lambda: store.commit(arn, version, transition)


def run_while_the_connection_is_busy(
    store: SqliteStore, first: Callable[[], object], then: list[Callable[[], object]]
) -> list[object]:
    """Start `first`, which leads and waits for the connection held here; queue `then`
    behind it; release the connection. `then` runs as one transaction after `first`'s.
    Each outcome is the call's result or the exception it raised."""
    outcomes: list[object] = [None] * (1 + len(then))

    def call(index: int, work: Callable[[], object]) -> None:
        try:
            outcomes[index] = work()
        except Exception as exc:
            outcomes[index] = exc

    threads = []
    with store._lock:
        for index, work in enumerate([first, *then]):
            thread = threading.Thread(target=call, args=(index, work))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 10
            # The first leads (its unit taken off the queue); the others wait in it.
            while not store._group._leading or queued(store) != index:
                assert time.monotonic() < deadline
                time.sleep(0.001)
        before = store._group.transactions
    for thread in threads:
        thread.join()
    assert store._group.transactions - before == 2
    return outcomes


def test_commits_arriving_during_another_share_one_transaction(store: SqliteStore) -> None:
    commits = [time_out(store, f"e{i}") for i in range(9)]
    outcomes = run_while_the_connection_is_busy(store, commits[0], commits[1:])
    assert outcomes == [2] * 9
    for i in range(9):
        ex = store.get_execution(new_execution(f"e{i}").arn)
        assert ex is not None and ex.status is ExecutionStatus.TIMED_OUT


def test_a_stale_commit_fails_alone_in_a_shared_transaction(store: SqliteStore) -> None:
    first = time_out(store, "a")
    stale = time_out(store, "b", version=7)
    fresh = time_out(store, "c")
    outcomes = run_while_the_connection_is_busy(store, first, [stale, fresh])
    assert outcomes[0] == 2 and outcomes[2] == 2
    assert isinstance(outcomes[1], StaleStateError)
    assert [store.row_version(new_execution(n).arn) for n in "abc"] == [2, 1, 2]
    b = store.load(new_execution("b").arn)
    assert b is not None and b[1].record.execution.status is ExecutionStatus.RUNNING
    assert [e.event_id for e in store.events(b[1].record.execution.arn, 0, 10, False)] == [1]


def test_two_creations_under_one_name_in_one_transaction_create_one(store: SqliteStore) -> None:
    def creation(name: str) -> Callable[[], object]:
        ex = new_execution(name)
        state, transition = start_execution(ex, NOW)
        return lambda: store.create_execution(state, transition)

    outcomes = run_while_the_connection_is_busy(
        store, creation("first"), [creation("same"), creation("same")]
    )
    assert outcomes == [True, True, False]
    assert store.row_counts().tables["executions"] == 2


def test_a_caller_alone_commits_on_its_own_thread_one_transaction_each(
    store: SqliteStore,
) -> None:
    commits = [time_out(store, f"e{i}") for i in range(3)]
    before = store._group.transactions
    assert [commit() for commit in commits] == [2, 2, 2]
    assert store._group.transactions - before == 3
