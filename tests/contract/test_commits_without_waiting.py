"""Commits where waiting is forbidden (`perdure._store.waiting`, the API's event loop):
every lock on the way is taken only if free, and a held one refuses at once with
nothing written, so the caller can run the call again where it may wait."""

from __future__ import annotations

import contextvars
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from perdure._engine.timers import fire_timer
from perdure._model import ExecutionStatus
from perdure._model.state import TimerKind
from perdure._service.execution_locks import ExecutionLocks
from perdure._store.sqlite import SqliteStore
from perdure._store.waiting import WouldWait, forbid_waiting, waiting_forbidden
from tests.contract.test_store_contract import NOW, create

T = TypeVar("T")


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "waiting.db")


@pytest.fixture
def store(path: str) -> Iterator[SqliteStore]:
    backend = SqliteStore(path)
    yield backend
    backend.close()


def forbidden(fn: Callable[[], T]) -> T:
    """`fn()` in a context of its own where waiting is forbidden."""

    def run() -> T:
        forbid_waiting()
        return fn()

    return contextvars.copy_context().run(run)


def time_out(store: SqliteStore, name: str) -> tuple[str, Callable[[], int]]:
    state = create(store, name)
    transition = fire_timer(state, f"id-{name}", TimerKind.EXECUTION_TIMEOUT, NOW + 61_000)
    assert transition is not None
    arn = state.record.execution.arn
    return arn, lambda: store.commit(arn, 1, transition)


def status(store: SqliteStore, arn: str) -> ExecutionStatus:
    execution = store.get_execution(arn)
    assert execution is not None
    return execution.status


def test_another_processs_write_lock_refuses_at_once_and_nothing_is_written(
    store: SqliteStore, path: str
) -> None:
    arn, commit = time_out(store, "a")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        with pytest.raises(WouldWait):
            forbidden(commit)
        refused_after = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert refused_after < 1  # not the ten-second busy timeout
    assert status(store, arn) is ExecutionStatus.RUNNING
    # Where it may wait, the same commit goes through, and the busy timeout is intact.
    assert commit() == 2
    assert status(store, arn) is ExecutionStatus.TIMED_OUT
    assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_a_connection_held_by_another_thread_refuses_at_once(store: SqliteStore) -> None:
    arn, commit = time_out(store, "a")
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store._lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        with pytest.raises(WouldWait):
            forbidden(commit)
    finally:
        release.set()
        holder.join()
    assert status(store, arn) is ExecutionStatus.RUNNING
    assert commit() == 2


def test_a_commit_queued_behind_another_refuses_rather_than_join_it(store: SqliteStore) -> None:
    _, first = time_out(store, "a")
    _, second = time_out(store, "b")
    outcome: list[object] = []
    with store._lock:  # the first caller leads and waits for the connection
        leader = threading.Thread(target=lambda: outcome.append(first()))
        leader.start()
        deadline = time.monotonic() + 5
        while not store._group._leading and time.monotonic() < deadline:
            time.sleep(0.001)
        with pytest.raises(WouldWait):
            forbidden(second)
    leader.join()
    assert outcome == [2]
    assert second() == 2


def test_an_execution_lock_held_by_another_thread_refuses_at_once() -> None:
    locks = ExecutionLocks()
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with locks("arn:a"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)

    def take() -> None:
        with locks("arn:a"):
            pass

    try:
        with pytest.raises(WouldWait):
            forbidden(take)
    finally:
        release.set()
        holder.join()
    forbidden(take)  # free again: taken at once


def test_once_a_commit_is_durable_the_call_may_wait_again(store: SqliteStore) -> None:
    _, commit = time_out(store, "a")

    def commit_then_ask() -> bool:
        commit()
        return waiting_forbidden()

    assert forbidden(commit_then_ask) is False
    assert waiting_forbidden() is False
