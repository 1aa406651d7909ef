"""The distributed store's reads and upkeep off the engine's path: `PostgresUpkeep`.

`PostgresStore` (`postgres.py`) runs what every execution needs, creating, loading and
committing it and claiming its due work; this mixin holds what people and maintenance
ask of the same database: deleting and pruning executions, the counts behind `/health`,
an execution's history, the API's and the dashboard's listings, and `perdure db copy`'s
export and import. Kept apart so the hot path reads as one piece; the store inherits
these methods, and its fault translation covers them like its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

import psycopg

from perdure._model import Event, Execution
from perdure._model.state import InvocationState
from perdure._store.browsing import (
    count_statuses,
    select_by_function,
    select_lease_holdings,
    select_page,
    summaries,
)
from perdure._store.document_encoding import decode_event
from perdure._store.postgres_script import INSERT_EXECUTION, Connection, prefix_number
from perdure._store.postgres_wakeup import CHANNEL
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
from perdure._store.rows import record_from_row
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
from perdure._store.stored_arns import arn_key, arn_sql, matches_arn

_QUEUED = InvocationState.QUEUED.value
_RUNNING = InvocationState.RUNNING.value

_NOTIFY = f"NOTIFY {CHANNEL}"
_DAY_MS = 86_400_000
_BY_ARN = matches_arn("executions", "%s")
_ARN = arn_sql("executions")
# What an execution leaves behind in other tables, all keyed by its id.
_EXECUTION_TABLES = ("operations", "events", "timers", "callbacks", "checkpoint_replies")


class PostgresUpkeep:
    """The methods of `PostgresStore` off the engine's path, on the store's pool."""

    if TYPE_CHECKING:

        def _connection(self) -> AbstractContextManager[Connection]:
            """A pooled connection (`PostgresStore._connection`)."""

        def _tx(self) -> AbstractContextManager[Connection]:
            """A transaction on a pooled connection (`PostgresStore._tx`)."""

        def _all(self, query: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            """Every row `query` returns (`PostgresStore._all`)."""

    # -- deleting, pruning and counting ---------------------------------------------

    def delete_execution(self, arn: str) -> bool:
        with self._tx() as conn:
            row = conn.execute(
                f"DELETE FROM executions WHERE {_BY_ARN} RETURNING id", arn_key(arn)
            ).fetchone()
            if row is None:
                return False
            for table in ("operations", "events", "timers", "callbacks", "checkpoint_replies"):
                conn.execute(f"DELETE FROM {table} WHERE execution_id=%s", (row[0],))
        return True

    def prune_ended(self, now: int, limit: int) -> list[str]:
        # SKIP LOCKED: servers pruning together each take different executions.
        with self._tx() as conn:
            rows = conn.execute(
                "DELETE FROM executions WHERE id IN (SELECT id FROM executions "
                "WHERE end_ms IS NOT NULL AND end_ms <= %s "
                "AND end_ms + retention_days * 86400000 <= %s "
                f"ORDER BY end_ms LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, {_ARN}",
                (now - _DAY_MS, now, limit),
            ).fetchall()
            ids = [row[0] for row in rows]
            if ids:
                for table in _EXECUTION_TABLES:
                    conn.execute(f"DELETE FROM {table} WHERE execution_id = ANY(%s)", (ids,))
        return [str(row[1]) for row in rows]

    def stats(self, now: int) -> StoreStats:
        with self._connection() as conn:
            by_status = {
                str(status): int(count)
                for status, count in conn.execute(
                    # The narrow listing copy: its status index answers alone.
                    "SELECT status, COUNT(*) FROM execution_list GROUP BY status"
                )
            }
            due = conn.execute("SELECT COUNT(*) FROM timers WHERE due_ms <= %s", (now,))
            due_timers = int(due.fetchone()[0])  # type: ignore[index]
            invocations = {
                str(state): int(count)
                for state, count in conn.execute(
                    "SELECT invocation, COUNT(*) FROM executions GROUP BY invocation"
                )
            }
            expired = conn.execute(
                "SELECT COUNT(*) FROM executions WHERE invocation=%s AND lease_expires < %s",
                (_RUNNING, now),
            ).fetchone()
        return StoreStats(
            executions_by_status=by_status,
            due_timers=due_timers,
            queued_invocations=invocations.get(_QUEUED, 0),
            running_invocations=invocations.get(_RUNNING, 0),
            expired_leases=0 if expired is None else int(expired[0]),
        )

    # -- reads for the API ------------------------------------------------------------

    def events(self, arn: str, after: int, limit: int, reverse: bool) -> list[Event]:
        # The execution's id and start: stored events are relative to them.
        of_execution = (
            "SELECT v.event_id, v.doc, x.id, x.start_ms FROM events v "
            f"JOIN executions x ON x.id = v.execution_id WHERE {matches_arn('x', '%s')} "
        )
        if reverse:
            query = of_execution + "AND v.event_id < %s ORDER BY v.event_id DESC LIMIT %s"
            bound = after if after > 0 else 2**62
        else:
            query = of_execution + "AND v.event_id > %s ORDER BY v.event_id LIMIT %s"
            bound = after
        rows = self._all(query, (*arn_key(arn), bound, limit))
        return [
            decode_event(doc, int(event_id), exec_id, start)
            for event_id, doc, exec_id, start in rows
        ]

    def list_executions(self, query: ExecutionQuery) -> list[Execution]:
        sql, args = select_by_function(query, "%s")
        return [record_from_row(r)[1].execution for r in self._all(sql, args)]

    # -- reads for the dashboard -----------------------------------------------------

    def browse_executions(
        self,
        where: ExecutionFilter,
        *,
        older_than: PageKey | None = None,
        newer_than: PageKey | None = None,
        limit: int = 50,
    ) -> list[ExecutionSummary]:
        sql, args, reverse = select_page(
            where, "%s", older_than=older_than, newer_than=newer_than, limit=limit
        )
        return summaries(self._all(sql, args), reverse)

    def count_by_status(self, where: ExecutionFilter) -> dict[str, int]:
        sql, args = count_statuses(where, "%s")
        return {str(status): int(count) for status, count in self._all(sql, args)}

    def lease_holdings(self, limit: int) -> list[LeaseHolding]:
        rows = self._all(select_lease_holdings("%s"), (_RUNNING, limit))
        return [LeaseHolding(str(a), str(f), str(o), int(e)) for a, f, o, e in rows]

    # -- copying between databases (`perdure db copy`) -------------------------------

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A read-only transaction: every statement in it sees the same committed state."""
        with self._tx() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn

    def row_counts(self) -> RowCounts:
        with self._snapshot() as conn:
            tables = {}
            for table in COUNT_TABLES:
                row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
                tables[table] = 0 if row is None else int(row[0])
            versions = conn.execute(SUM_OF_VERSIONS).fetchone()
        return RowCounts(tables, 0 if versions is None else int(versions[0]))

    def export_executions(self, after: str, limit: int) -> list[ExecutionRows]:
        with self._snapshot() as conn:
            executions = conn.execute(select_executions("%s"), (after, limit)).fetchall()
            ids = [row[0] for row in executions]
            if not ids:
                return []
            children = {
                table: conn.execute(select_children(table, "= ANY(%s)"), (ids,)).fetchall()
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
        any_of = "= ANY(%s)"
        try:
            with self._tx() as conn:
                existing = conn.execute(select_collisions(any_of, any_of), (ids, names)).fetchall()
                admitted = admit(batch, existing, skip_existing=skip_existing)
                if not admitted:
                    return []
                values = stored_rows(admitted, partial(prefix_number, conn))
                cur = conn.cursor()
                cur.executemany(INSERT_EXECUTION, values)
                for table in EXECUTION_TABLES[1:]:
                    values = child_rows(admitted, table)
                    if values:
                        cur.executemany(insert_child(table, "%s"), values)
                conn.execute(_NOTIFY)  # servers already on this database find the work
        except psycopg.errors.IntegrityError as exc:
            raise CopyConflictError(f"the destination database refused a row: {exc}") from None
        return [rows.execution_id for rows in admitted]

    def export_function_configs(self) -> list[FunctionConfigRow]:
        rows = self._all(
            "SELECT function_name, execution_timeout, retention_days, updated_ms "
            "FROM function_configs ORDER BY function_name"
        )
        return [(str(r[0]), r[1], r[2], int(r[3])) for r in rows]

    def import_function_configs(self, rows: Sequence[FunctionConfigRow]) -> None:
        if rows:
            with self._tx() as conn:
                conn.cursor().executemany(upsert_function_config("%s"), rows)
