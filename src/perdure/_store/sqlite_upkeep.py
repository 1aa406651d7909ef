"""The embedded store's reads and upkeep off the engine's path: `SqliteUpkeep`.

`SqliteStore` (`sqlite.py`) runs what every execution needs, creating, loading and
committing it and finding its due work; this mixin holds what people and maintenance
ask of the same database: deleting and pruning executions, the counts behind `/health`,
an execution's history, the API's and the dashboard's listings, and `perdure db copy`'s
export and import. Kept apart so the hot path reads as one piece; the store inherits
these methods, and its fault translation covers them like its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import TYPE_CHECKING

from perdure._model import Event, Execution
from perdure._model.state import InvocationState
from perdure._store.browsing import (
    count_statuses,
    select_by_function,
    select_lease_holdings,
    select_page,
    summaries,
)
from perdure._store.changed_columns import ChangedColumns
from perdure._store.document_encoding import decode_event
from perdure._store.row_export import (
    COUNT_TABLES,
    SUM_OF_VERSIONS,
    admit,
    bundle,
    child_rows,
    insert_child,
    select_children,
    select_collisions,
    select_executions,
    stored_rows,
    upsert_function_config,
)
from perdure._store.rows import EXEC_COLUMN_COUNT, INSERT_COLUMNS, record_from_row
from perdure._store.sqlite_writes import prefix_number
from perdure._store.store import (
    EXECUTION_TABLES,
    CopyConflictError,
    ExecutionFilter,
    ExecutionQuery,
    ExecutionRows,
    ExecutionSummary,
    FunctionConfigRow,
    LeaseHolding,
    PageKey,
    RowCounts,
    StoreStats,
)
from perdure._store.stored_arns import arn_key, arn_sql, execution_id_of, matches_arn
from perdure._store.waiting import WaitAwareLock

# What an execution leaves behind in other tables, all keyed by its id.
_EXECUTION_TABLES = ("operations", "events", "timers", "callbacks", "checkpoint_replies")
_DAY_MS = 86_400_000

_BY_ARN = matches_arn("executions", "?")
_ARN = arn_sql("executions")


class SqliteUpkeep:
    """The methods of `SqliteStore` off the engine's path, on the store's connections."""

    # Set up by `SqliteStore.__init__`.
    _db: sqlite3.Connection
    _lock: WaitAwareLock
    _reader: sqlite3.Connection
    _read_lock: WaitAwareLock
    _changed: ChangedColumns

    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
            """A write transaction (`SqliteStore._tx`)."""

    # -- deleting, pruning and counting ---------------------------------------------

    def delete_execution(self, arn: str) -> bool:
        self._changed.forget(execution_id_of(arn))
        with self._tx() as db:
            row = db.execute(f"SELECT id FROM executions WHERE {_BY_ARN}", arn_key(arn)).fetchone()
            if row is None:
                return False
            for table in ("operations", "events", "timers", "callbacks", "checkpoint_replies"):
                db.execute(f"DELETE FROM {table} WHERE execution_id=?", (row[0],))
            db.execute("DELETE FROM executions WHERE id=?", (row[0],))
        return True

    def prune_ended(self, now: int, limit: int) -> list[str]:
        # The index on end_ms narrows the scan to executions that ended at least a day
        # (the shortest retention) ago; each row's own retention decides. Looked for
        # before a write transaction is opened: most of the time there is nothing to do.
        expired = (
            f"SELECT id, {_ARN} FROM executions WHERE end_ms IS NOT NULL AND end_ms <= ? "
            "AND end_ms + retention_days * 86400000 <= ? ORDER BY end_ms LIMIT ?"
        )
        with self._lock:
            if not self._db.execute(expired, (now - _DAY_MS, now, 1)).fetchall():
                return []
        with self._tx() as db:
            rows = db.execute(expired, (now - _DAY_MS, now, limit)).fetchall()
            ids = [(row[0],) for row in rows]
            for table in _EXECUTION_TABLES:
                db.executemany(f"DELETE FROM {table} WHERE execution_id=?", ids)
            db.executemany("DELETE FROM executions WHERE id=?", ids)
        for row in rows:
            self._changed.forget(str(row[0]))
        return [str(row[1]) for row in rows]

    def stats(self, now: int) -> StoreStats:
        with self._lock:
            by_status = {
                str(status): int(count)
                for status, count in self._db.execute(
                    # The narrow listing copy: its status index answers alone.
                    "SELECT status, COUNT(*) FROM execution_list GROUP BY status"
                )
            }
            due = self._db.execute("SELECT COUNT(*) FROM timers WHERE due_ms <= ?", (now,))
            due_timers = int(due.fetchone()[0])
            invocations = dict(
                self._db.execute(
                    "SELECT invocation, COUNT(*) FROM executions GROUP BY invocation"
                ).fetchall()
            )
            expired = self._db.execute(
                "SELECT COUNT(*) FROM executions WHERE invocation=? AND lease_expires < ?",
                (InvocationState.RUNNING.value, now),
            ).fetchone()[0]
        return StoreStats(
            executions_by_status=by_status,
            due_timers=due_timers,
            queued_invocations=int(invocations.get(InvocationState.QUEUED.value, 0)),
            running_invocations=int(invocations.get(InvocationState.RUNNING.value, 0)),
            expired_leases=int(expired),
        )

    # -- reads for the API ------------------------------------------------------------

    def events(self, arn: str, after: int, limit: int, reverse: bool) -> list[Event]:
        with self._lock:
            row = self._db.execute(
                f"SELECT id, start_ms FROM executions WHERE {_BY_ARN}", arn_key(arn)
            ).fetchone()
            if row is None:
                return []
            if reverse:
                sql = (
                    "SELECT event_id, doc FROM events WHERE execution_id=? AND event_id < ? "
                    "ORDER BY event_id DESC LIMIT ?"
                )
                bound = after if after > 0 else 2**62
            else:
                sql = (
                    "SELECT event_id, doc FROM events WHERE execution_id=? AND event_id > ? "
                    "ORDER BY event_id LIMIT ?"
                )
                bound = after
            docs = self._db.execute(sql, (row[0], bound, limit)).fetchall()
        exec_id, start_ms = row
        return [decode_event(doc, event_id, exec_id, start_ms) for event_id, doc in docs]

    def list_executions(self, query: ExecutionQuery) -> list[Execution]:
        sql, args = select_by_function(query, "?")
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [record_from_row(r)[1].execution for r in rows]

    # -- reads for the dashboard, on the reader connection: never behind a writer ------

    def browse_executions(
        self,
        where: ExecutionFilter,
        *,
        older_than: PageKey | None = None,
        newer_than: PageKey | None = None,
        limit: int = 50,
    ) -> list[ExecutionSummary]:
        sql, args, reverse = select_page(
            where, "?", older_than=older_than, newer_than=newer_than, limit=limit
        )
        with self._read_lock:
            rows = self._reader.execute(sql, args).fetchall()
        return summaries(rows, reverse)

    def count_by_status(self, where: ExecutionFilter) -> dict[str, int]:
        sql, args = count_statuses(where, "?")
        with self._read_lock:
            rows = self._reader.execute(sql, args).fetchall()
        return {str(status): int(count) for status, count in rows}

    def lease_holdings(self, limit: int) -> list[LeaseHolding]:
        with self._read_lock:
            rows = self._reader.execute(
                select_lease_holdings("?"), (InvocationState.RUNNING.value, limit)
            ).fetchall()
        return [LeaseHolding(str(a), str(f), str(o), int(e)) for a, f, o, e in rows]

    # -- copying between databases (`perdure db copy`) -------------------------------

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every statement in it sees the same committed state."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                if self._db.in_transaction:
                    self._db.execute("COMMIT")

    def row_counts(self) -> RowCounts:
        with self._snapshot() as db:
            tables = {
                table: int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in COUNT_TABLES
            }
            versions = int(db.execute(SUM_OF_VERSIONS).fetchone()[0])
        return RowCounts(tables, versions)

    def export_executions(self, after: str, limit: int) -> list[ExecutionRows]:
        with self._snapshot() as db:
            executions = db.execute(select_executions("?"), (after, limit)).fetchall()
            ids = [row[0] for row in executions]
            if not ids:
                return []
            ids_match = f"IN ({','.join('?' * len(ids))})"
            children = {
                table: db.execute(select_children(table, ids_match), ids).fetchall()
                for table in EXECUTION_TABLES[1:]
            }
        return bundle(executions, children)

    def import_executions(
        self, batch: Sequence[ExecutionRows], *, skip_existing: bool = False
    ) -> list[str]:
        if not batch:
            return []
        ids = [rows.execution[0] for rows in batch]
        names = [rows.execution[3] for rows in batch]
        marks = f"IN ({','.join('?' * len(batch))})"
        self._changed.forget_all()  # an imported row may hold an id seen before
        try:
            with self._tx() as db:
                existing = db.execute(select_collisions(marks, marks), (*ids, *names))
                admitted = admit(batch, existing.fetchall(), skip_existing=skip_existing)
                if not admitted:
                    return []
                db.executemany(
                    f"INSERT INTO executions ({INSERT_COLUMNS}) "
                    f"VALUES ({','.join('?' * EXEC_COLUMN_COUNT)})",
                    stored_rows(admitted, partial(prefix_number, db)),
                )
                for table in EXECUTION_TABLES[1:]:
                    db.executemany(insert_child(table, "?"), child_rows(admitted, table))
        except sqlite3.IntegrityError as exc:
            raise CopyConflictError(f"the destination database refused a row: {exc}") from None
        return [rows.execution_id for rows in admitted]

    def export_function_configs(self) -> list[FunctionConfigRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT function_name, execution_timeout, retention_days, updated_ms "
                "FROM function_configs ORDER BY function_name"
            ).fetchall()
        return [(str(r[0]), r[1], r[2], int(r[3])) for r in rows]

    def import_function_configs(self, rows: Sequence[FunctionConfigRow]) -> None:
        with self._tx() as db:
            db.executemany(upsert_function_config("?"), rows)
