"""The embedded store: SQLite in WAL mode, durable commits by default.

One connection serves the process; a lock makes each method one atomic unit. Commits
are guarded by a row version so two processes sharing a database file cannot both
advance the same execution. This module is the engine's path (creating, loading and
committing executions, finding due work); deleting, pruning, listings and copying are
in `sqlite_upkeep`, which the store inherits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from importlib import resources
from typing import Any, Literal

from perdure._model import Execution, ExecutionStatus
from perdure._model.durable_config import DurableConfig
from perdure._model.state import (
    ExecutionState,
    InvocationState,
    TimerKind,
    Transition,
)
from perdure._store.changed_columns import ChangedColumns
from perdure._store.document_encoding import decode_op
from perdure._store.faults import FaultLog, FaultReason, StoreFaultError, translate_faults
from perdure._store.group_commit import GroupCommit, begin_immediate
from perdure._store.rows import EXEC_COLUMNS, record_from_row, update_values
from perdure._store.sqlite_upkeep import SqliteUpkeep
from perdure._store.sqlite_writes import (
    NAME_TAKEN,
    insertion,
    prefix_number,
    reply_writes,
    run_writes,
    transition_writes,
)
from perdure._store.store import (
    CallbackRef,
    DueTimer,
    SavedReply,
    StaleStateError,
    StoreUnavailableError,
)
from perdure._store.stored_arns import PrefixIds, arn_key, arn_sql, matches_arn
from perdure._store.waiting import WaitAwareLock, waited_enough

Synchronous = Literal["FULL", "NORMAL", "OFF"]

_OPEN_ADVICE: dict[FaultReason, str] = {
    "unavailable": " (is the path a directory, or its folder missing or not writable?)",
    "corrupt": " (the file is not a Perdure SQLite database; point --db at another file)",
    "read_only": " (the file or its folder is read-only; SQLite in WAL mode needs to write both)",
    "locked": " (another process holds a lock on it; retry once it is released)",
    "disk_full": " (the disk is full)",
}

# A paused execution's queued invocation waits for ResumeDurableExecution.
_NOT_PAUSED = f"status NOT IN ('{ExecutionStatus.PAUSED.value}', '{ExecutionStatus.PAUSING.value}')"


# Primary SQLite result codes (the low byte of an extended code) that mean the database,
# not the request, is at fault.
_FAULTS: dict[int, FaultReason] = {
    5: "locked",  # SQLITE_BUSY
    6: "locked",  # SQLITE_LOCKED
    8: "read_only",  # SQLITE_READONLY
    10: "io_error",  # SQLITE_IOERR
    11: "corrupt",  # SQLITE_CORRUPT
    13: "disk_full",  # SQLITE_FULL
    14: "unavailable",  # SQLITE_CANTOPEN
    26: "corrupt",  # SQLITE_NOTADB
}

_BY_ARN = matches_arn("executions", "?")
_ARN = arn_sql("executions")

# How long a statement waits for another process's lock before failing with "locked".
BUSY_TIMEOUT_MS = 10_000


def classify_sqlite_error(exc: BaseException) -> StoreFaultError | None:
    if not isinstance(exc, sqlite3.Error) or isinstance(exc, sqlite3.IntegrityError):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    reason = _FAULTS.get(code & 0xFF) if isinstance(code, int) else None
    if reason is None:
        return None
    return StoreFaultError(reason, str(exc))


def _failure_copy(exc: BaseException) -> BaseException:
    """What another caller sharing a failed transaction raises: its own fault when the
    database is at fault, else the same exception."""
    return classify_sqlite_error(exc) or exc


def script_statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one at a time: split at each `;` that ends a
    complete statement, so a trigger's body (statements ending in `;` inside BEGIN ...
    END) and a comment holding a `;` stay whole."""
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if any(
                line.strip() and not line.strip().startswith("--")
                for line in buffer.rstrip(";").splitlines()
            ):
                yield buffer
            buffer = ""


@translate_faults(
    classify_sqlite_error,
    writes=("create_execution", "commit", "lease", "renew_lease", "delete_execution"),
)
class SqliteStore(SqliteUpkeep):
    refuses_to_wait = True

    def __init__(
        self,
        path: str,
        *,
        synchronous: Synchronous = "FULL",
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        """`busy_timeout_ms`: how long a statement waits for another connection's lock
        before failing with a `locked` StoreFaultError."""
        self.path = path
        self.fault_log = FaultLog()
        self._lock = WaitAwareLock()
        self._busy_ms = int(busy_timeout_ms)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            self.applied_on_open = self.migrate()
        except (sqlite3.Error, StoreFaultError) as exc:
            fault = exc if isinstance(exc, StoreFaultError) else classify_sqlite_error(exc)
            detail = fault.detail if fault is not None else str(exc)
            advice = _OPEN_ADVICE.get(fault.reason if fault is not None else "unavailable", "")
            raise StoreUnavailableError(
                f"cannot use the SQLite database {path!r}: {detail}{advice}"
            ) from None
        self._group = GroupCommit(self._db, self._lock, _failure_copy, self._busy_ms)
        self._changed = ChangedColumns()
        self._prefixes = PrefixIds()
        # Point reads (`get_execution`) use their own connection: in WAL mode a reader
        # sees the last commit without waiting for a writer that is in its fsync.
        self._reader = self._db
        self._read_lock = self._lock
        if path and path != ":memory:" and not path.startswith("file:"):
            self._reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._reader.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            self._read_lock = WaitAwareLock()

    # -- schema -----------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply pending migrations in order; returns the names applied."""
        applied: list[str] = []
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)")
            done = {row[0] for row in self._db.execute("SELECT name FROM schema_migrations")}
            folder = resources.files("perdure._store.migrations").joinpath("sqlite")
            names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
            for name in names:
                if name in done:
                    continue
                sql = folder.joinpath(name).read_text(encoding="utf-8")
                with self._tx() as db:
                    for statement in script_statements(sql):
                        db.execute(statement)
                    db.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
                applied.append(name)
        return applied

    def schema(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT name FROM schema_migrations ORDER BY name")
            return [str(row[0]) for row in rows]

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            begin_immediate(self._db, self._busy_ms)
            try:
                yield self._db
                self._db.execute("COMMIT")
                waited_enough()
            except BaseException:
                # A failed COMMIT (disk full, I/O error) may leave the transaction
                # open; without this rollback every later BEGIN would fail too.
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    def watch(self, listener: Callable[[], None]) -> None:
        """Nothing to subscribe to: SQLite cannot announce another process's commits.
        A process sharing the file with others finds their work by polling (the
        dispatcher sleeps at most a second); its own commits notify it directly."""

    def close(self) -> None:
        with self._read_lock:
            if self._reader is not self._db:
                self._reader.close()
        with self._lock:
            self._db.close()

    # -- executions -------------------------------------------------------------------

    def create_execution(
        self, state: ExecutionState, transition: Transition, lease: tuple[str, int] | None = None
    ) -> bool:
        ex = state.record.execution
        name = (ex.function_name, ex.name)
        prefix, number = self._prefixes.known(ex)
        writes = transition_writes(ex.execution_id, transition)

        def create(db: sqlite3.Connection) -> int | None:
            """The number of the ARN's prefix, or None when the name is taken."""
            if db.execute(NAME_TAKEN, name).fetchone():
                return None
            numbered = prefix_number(db, prefix) if number is None else number
            run_writes(db, [insertion(transition.record, numbered, lease), *writes])
            return numbered

        created = self._group.run(create)
        if created is None:
            return False
        self._prefixes.learn(prefix, created)
        self._changed.remember(ex.execution_id, 1, update_values(transition.record))
        return True

    def find_by_name(self, function_name: str, name: str) -> Execution | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {EXEC_COLUMNS} FROM executions WHERE function_name=? AND name=?",
                (function_name, name),
            ).fetchone()
        return None if row is None else record_from_row(row)[1].execution

    def get_execution(self, arn: str) -> Execution | None:
        with self._read_lock:
            row = self._reader.execute(
                f"SELECT {EXEC_COLUMNS} FROM executions WHERE {_BY_ARN}", arn_key(arn)
            ).fetchone()
        return None if row is None else record_from_row(row)[1].execution

    def row_version(self, arn: str) -> int | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT row_version FROM executions WHERE {_BY_ARN}", arn_key(arn)
            ).fetchone()
        return None if row is None else int(row[0])

    def load(self, arn: str) -> tuple[int, ExecutionState] | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {EXEC_COLUMNS} FROM executions WHERE {_BY_ARN}", arn_key(arn)
            ).fetchone()
            if row is None:
                return None
            version, record = record_from_row(row)
            exec_id = record.execution.execution_id
            self._changed.remember(exec_id, version, update_values(record))
            start_ms = record.execution.start_timestamp
            state = ExecutionState(record=record)
            for op_id, seq, doc in self._db.execute(
                "SELECT op_id, seq, doc FROM operations WHERE execution_id=? ORDER BY position",
                (exec_id,),
            ):
                op = decode_op(doc, op_id, start_ms, record.execution.input_payload)
                state.ops[op.operation_id] = op
                state.op_seq[op.operation_id] = seq
            for op_id, kind, due in self._db.execute(
                "SELECT op_id, kind, due_ms FROM timers WHERE execution_id=?", (exec_id,)
            ):
                state.timers[(op_id, TimerKind(kind))] = due
        return version, state

    def commit(
        self,
        arn: str,
        version: int,
        transition: Transition,
        children: Sequence[tuple[ExecutionState, Transition]] = (),
        lease: tuple[str, int] | None = None,
        reply: SavedReply | None = None,
    ) -> int:
        # Everything is encoded before the unit joins the queue: while another caller's
        # commit is in its fsync, not while holding the connection.
        rec = transition.record
        exec_id = rec.execution.execution_id
        values = update_values(rec)
        guard = self._changed.update(exec_id, version, values, lease)
        writes = transition_writes(exec_id, transition)
        if reply is not None:
            writes += reply_writes(exec_id, reply)
        # Children (chained invokes) are inserted with the number of their ARN's
        # prefix, found in the transaction when not known yet.
        born = [
            (
                self._prefixes.known(t.record.execution),
                t.record,
                transition_writes(t.record.execution.execution_id, t),
            )
            for _, t in children
        ]
        numbers: dict[str, int] = {}

        def advance(db: sqlite3.Connection) -> int:
            if db.execute(*guard).rowcount != 1:
                raise StaleStateError(arn)
            run_writes(db, writes)
            for (prefix, number), record, child_writes in born:
                if number is None:
                    number = numbers[prefix] = prefix_number(db, prefix)
                run_writes(db, [insertion(record, number, None), *child_writes])
            return version + 1

        try:
            self._group.run(advance)
        except BaseException:
            self._changed.forget(exec_id)
            raise
        for prefix, number in numbers.items():
            self._prefixes.learn(prefix, number)
        self._changed.remember(exec_id, version + 1, values)
        return version + 1

    # -- lookups for the runtime ------------------------------------------------------

    def resolve_callback(self, callback_id: str) -> CallbackRef | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {arn_sql('e')}, c.op_id, c.heartbeat_s FROM callbacks c "
                "JOIN executions e ON e.id = c.execution_id WHERE c.callback_id=?",
                (callback_id,),
            ).fetchone()
        return None if row is None else CallbackRef(row[0], row[1], int(row[2]))

    def due_timers(self, now: int, limit: int) -> list[DueTimer]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {arn_sql('e')}, t.op_id, t.kind, t.due_ms FROM timers t "
                "JOIN executions e ON e.id = t.execution_id "
                "WHERE t.due_ms <= ? ORDER BY t.due_ms LIMIT ?",
                (now, limit),
            ).fetchall()
        return [DueTimer(r[0], r[1], TimerKind(r[2]), int(r[3])) for r in rows]

    def due_invocations(
        self, now: int, limit: int, functions: Sequence[str] | None = None
    ) -> list[str]:
        args: list[Any] = [InvocationState.QUEUED.value, now, now]
        only = ""
        if functions is not None:
            if not functions:
                return []
            only = f"AND function_name IN ({','.join('?' * len(functions))}) "
            args.extend(functions)
        args.append(limit)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_ARN} FROM executions WHERE invocation=? AND invoke_at <= ? "
                f"AND lease_expires <= ? AND {_NOT_PAUSED} {only}ORDER BY invoke_at LIMIT ?",
                args,
            ).fetchall()
        return [r[0] for r in rows]

    def expired_leases(self, now: int, limit: int) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_ARN} FROM executions WHERE invocation=? AND lease_expires < ? LIMIT ?",
                (InvocationState.RUNNING.value, now, limit),
            ).fetchall()
        return [r[0] for r in rows]

    def lease_owners(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT lease_owner FROM executions WHERE invocation=?",
                (InvocationState.RUNNING.value,),
            ).fetchall()
        return [r[0] for r in rows if r[0]]

    def leases_held_by(self, owner: str, limit: int) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_ARN} FROM executions WHERE invocation=? AND lease_owner=? LIMIT ?",
                (InvocationState.RUNNING.value, owner, limit),
            ).fetchall()
        return [r[0] for r in rows]

    def lease(self, arn: str, owner: str, expires: int) -> None:
        with self._lock:
            self._db.execute(
                f"UPDATE executions SET lease_owner=?, lease_expires=? WHERE {_BY_ARN}",
                (owner, expires, *arn_key(arn)),
            )

    def renew_lease(self, arn: str, request_id: str, owner: str, expires: int) -> bool:
        with self._lock:
            cur = self._db.execute(
                "UPDATE executions SET lease_owner=?, lease_expires=? "
                f"WHERE {_BY_ARN} AND request_id=? AND invocation=?",
                (owner, expires, *arn_key(arn), request_id, InvocationState.RUNNING.value),
            )
        return cur.rowcount == 1

    def next_wakeup(self) -> int | None:
        with self._lock:
            timer = self._db.execute("SELECT MIN(due_ms) FROM timers").fetchone()[0]
            queued = self._db.execute(
                "SELECT MIN(MAX(invoke_at, lease_expires)) FROM executions "
                f"WHERE invocation=? AND {_NOT_PAUSED}",
                (InvocationState.QUEUED.value,),
            ).fetchone()[0]
        candidates = [int(v) for v in (timer, queued) if v is not None]
        return min(candidates) if candidates else None

    def running_count(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM executions WHERE invocation=?",
                (InvocationState.RUNNING.value,),
            ).fetchone()
        return int(row[0])

    def function_config(self, function_name: str) -> DurableConfig | None:
        with self._lock:
            row = self._db.execute(
                "SELECT execution_timeout, retention_days FROM function_configs "
                "WHERE function_name=?",
                (function_name,),
            ).fetchone()
        return None if row is None else DurableConfig(row[0], row[1])

    def save_function_configs(self, configs: Mapping[str, DurableConfig], now: int) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO function_configs "
                "(function_name, execution_timeout, retention_days, updated_ms) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (function_name) DO UPDATE SET "
                "execution_timeout=excluded.execution_timeout, "
                "retention_days=excluded.retention_days, updated_ms=excluded.updated_ms",
                [
                    (name, c.execution_timeout, c.retention_period_in_days, now)
                    for name, c in configs.items()
                ],
            )

    def saved_reply(self, arn: str, client_token: str, checkpoint_token: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT r.reply FROM checkpoint_replies r JOIN executions e "
                f"ON e.id = r.execution_id WHERE {matches_arn('e', '?')} AND r.client_token=? "
                "AND r.checkpoint_token=?",
                (*arn_key(arn), client_token, checkpoint_token),
            ).fetchone()
        return None if row is None else str(row[0])
