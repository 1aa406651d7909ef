"""Group commit for the embedded store: writes that arrive while another is being made
durable share the next durable commit.

A durable SQLite commit costs an fsync, and the connection makes one at a time; callers
that each wait for their own would be served at the fsync rate whatever their number.
Here each write is a unit of work queued for the connection. The caller that finds no
commit under way leads: it takes every unit queued so far, runs them in one
transaction and commits it, with one fsync; the others wait, and each is answered only
once the transaction holding its unit is durable. Units that arrive meanwhile go into
the next transaction, which the first of their callers to wake leads. A caller alone
leads its own unit on its own thread: no hand-off, no extra statement.

In a transaction of several units each runs under its own savepoint, so one that fails
(a stale row version, a name already taken) is rolled back alone and fails alone; the
others commit. A failure of the transaction itself (the disk full, a lock held by
another process past the busy timeout) fails every unit in it, as it would have failed
each of them alone.

A caller that must not wait (`perdure._store.waiting`) commits only alone: it is
refused (`WouldWait`) if a commit is under way or queued, if the connection is held, or
if another connection holds the database's write lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Generic, TypeVar

from perdure._store.waiting import WaitAwareLock, WouldWait, waited_enough, waiting_forbidden

T = TypeVar("T")


class _Unit(Generic[T]):
    __slots__ = ("done", "error", "result", "work")

    def __init__(self, work: Callable[[sqlite3.Connection], T]) -> None:
        self.work = work
        self.result: T | None = None
        self.error: BaseException | None = None
        self.done = False


class GroupCommit:
    """Runs units of work on `db` (guarded by `lock`, which other users of the
    connection hold too), several to a transaction when they arrive together.
    `copy_failure` gives each other caller of a failed transaction its own exception."""

    def __init__(
        self,
        db: sqlite3.Connection,
        lock: WaitAwareLock,
        copy_failure: Callable[[BaseException], BaseException],
        busy_timeout_ms: int,
    ) -> None:
        self._db = db
        self._lock = lock
        self._copy_failure = copy_failure
        self._busy_ms = busy_timeout_ms
        self._turn = threading.Condition(threading.Lock())
        self._queue: list[_Unit[Any]] = []
        self._leading = False
        self.transactions = 0
        """Transactions committed or tried (with `units`: how many units shared one)."""
        self.units = 0

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in a write transaction and return its result once that
        transaction is durable; raise what it raised (its changes rolled back), or
        the failure of the transaction."""
        unit = _Unit(work)
        alone = waiting_forbidden()
        with self._turn:
            if alone and (self._leading or self._queue):
                raise WouldWait("another commit is under way")
            self._queue.append(unit)
            while self._leading and not unit.done:
                self._turn.wait()
            lead = not unit.done
            if lead:
                self._leading = True
                batch, self._queue = self._queue, []
        if lead:
            try:
                with self._lock:
                    self._commit(batch, unit)
            finally:
                with self._turn:
                    self._leading = False
                    self._turn.notify_all()
        if unit.error is not None:
            raise unit.error
        waited_enough()
        return unit.result  # type: ignore[return-value]

    def _commit(self, batch: list[_Unit[Any]], own: _Unit[Any]) -> None:
        db = self._db
        self.transactions += 1
        self.units += len(batch)
        try:
            begin_immediate(db, self._busy_ms)
            if len(batch) == 1:
                own.result = own.work(db)
            else:
                for unit in batch:
                    self._run_alone(db, unit)
            db.execute("COMMIT")
        except BaseException as exc:
            # A failed COMMIT (disk full, I/O error) may leave the transaction open;
            # without this rollback every later BEGIN would fail too.
            if db.in_transaction:
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            for unit in batch:
                if unit is own:
                    unit.error = exc
                elif unit.error is None:
                    unit.error = self._copy_failure(exc)
        finally:
            for unit in batch:
                unit.done = True

    @staticmethod
    def _run_alone(db: sqlite3.Connection, unit: _Unit[Any]) -> None:
        """Run `unit` under a savepoint: if it fails, only its changes are undone."""
        db.execute("SAVEPOINT unit")
        try:
            unit.result = unit.work(db)
        except Exception as exc:
            if not db.in_transaction:
                raise  # SQLite rolled the whole transaction back: every unit fails
            db.execute("ROLLBACK TO unit")
            unit.error = exc
        db.execute("RELEASE unit")


def begin_immediate(db: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """Take the database's write lock: waiting up to the busy timeout for another
    connection that holds it, or, where waiting is forbidden, not at all (`WouldWait`)."""
    if not waiting_forbidden():
        db.execute("BEGIN IMMEDIATE")
        return
    db.execute("PRAGMA busy_timeout=0")
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise WouldWait("another connection holds the database's write lock") from None
        raise
    finally:
        db.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
