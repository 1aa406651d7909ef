"""The distributed store: one PostgreSQL shared by any number of servers and workers.

Connections come from a small pool, so API requests, dispatcher workers and the scheduler
do not queue behind one connection. Each method is one statement (the connections are in
autocommit) or one explicit transaction; a write of several rows is one statement too,
its parts as data-modifying CTEs (`postgres_script`): one transaction, one round trip,
prepared by the driver on each connection. Commits are guarded by the row version
exactly as on SQLite: `UPDATE ... WHERE id = %s AND row_version = %s` matching no row
means another process got there first (READ COMMITTED
re-checks the WHERE clause after waiting for the other writer's row lock, so the loser
sees the new version). Due work is read with `FOR UPDATE SKIP LOCKED`, which passes over
rows another process is committing at that moment; correctness never depends on it (the
version guard fences every write), it only keeps competing claimers apart. Commits that
queue an invocation or set a timer send `NOTIFY perdure_work`, and `watch` LISTENs for it
(`postgres_wakeup`), so a dispatcher in another process wakes at once instead of at its
next poll. A restart of the database or a dropped connection fails requests with a
retryable `connection_lost` fault, at once, until connections work again; the pool and
the listener reconnect by themselves (`postgres_outage`). This module is the engine's
path; deleting, pruning, listings and copying are in `postgres_upkeep`, which the store
inherits.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from perdure._config import Synchronous
from perdure._model import Execution, ExecutionStatus
from perdure._model.durable_config import DurableConfig
from perdure._model.state import (
    ExecutionState,
    InvocationState,
    TimerKind,
    Transition,
)
from perdure._store.document_encoding import decode_op
from perdure._store.faults import FaultLog, StoreFaultError, translate_faults
from perdure._store.postgres_outage import (
    CONNECTION_WAIT,
    POOL_NAME,
    RECONNECT_SECONDS,
    Outage,
    conninfo,
)
from perdure._store.postgres_script import (
    INSERT_EXECUTION,
    INSERT_LEASED_EXECUTION,
    Connection,
    Script,
    prefix_number,
)
from perdure._store.postgres_upkeep import PostgresUpkeep
from perdure._store.postgres_wakeup import CHANNEL, WakeupListener
from perdure._store.rows import (
    EXEC_COLUMNS,
    UPDATE_COLUMNS,
    insert_values,
    record_from_row,
    update_values,
)
from perdure._store.store import (
    REPLY_TTL_MS,
    CallbackRef,
    DueTimer,
    SavedReply,
    StaleStateError,
    StoreUnavailableError,
)
from perdure._store.stored_arns import PrefixIds, arn_key, arn_sql, matches_arn

# Held while migrating, so servers starting together apply each migration once.
_MIGRATION_LOCK = int.from_bytes(b"perdure\0", "big")

# A paused execution's queued invocation waits for ResumeDurableExecution.
_NOT_PAUSED = f"status NOT IN ('{ExecutionStatus.PAUSED.value}', '{ExecutionStatus.PAUSING.value}')"
_QUEUED = InvocationState.QUEUED.value
_RUNNING = InvocationState.RUNNING.value

_UPDATE_SET = (
    "UPDATE executions SET "
    + ", ".join(f"{column}=%s" for column in UPDATE_COLUMNS)
    + ", row_version=row_version+1"
)
_GUARD = " WHERE id=%s AND row_version=%s RETURNING 1"
_GUARDED_UPDATE = _UPDATE_SET + _GUARD
_GUARDED_UPDATE_AND_LEASE = _UPDATE_SET + ", lease_owner=%s, lease_expires=%s" + _GUARD
_SAVE_REPLY = (
    "INSERT INTO checkpoint_replies "
    "(execution_id, client_token, checkpoint_token, reply, created_ms) "
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (execution_id, client_token, checkpoint_token) "
    "DO UPDATE SET reply=excluded.reply, created_ms=excluded.created_ms"
)
# Not the reply being saved: the parts of one statement may not touch one row.
_EXPIRE_REPLIES = (
    "DELETE FROM checkpoint_replies WHERE created_ms < %s "
    "AND (client_token, checkpoint_token) <> (%s, %s)"
)
_BY_ARN = matches_arn("executions", "%s")
_ARN = arn_sql("executions")


def _queues_work(t: Transition) -> bool:
    """Whether a commit of `t` may give another process's dispatcher something to do."""
    return bool(t.timers_set) or t.record.invocation is InvocationState.QUEUED


def classify_postgres_error(exc: BaseException) -> StoreFaultError | None:
    """Driver errors that are the database's state, not the request's: a dropped or
    refused connection (server restart, network), a full disk, a lock or conflict that
    outlasted its wait, a read-only standby."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.DiskFull):
        return StoreFaultError("disk_full", detail)
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return StoreFaultError("read_only", detail)
    if isinstance(
        exc,
        psycopg.errors.LockNotAvailable
        | psycopg.errors.TransactionRollback
        | psycopg.errors.QueryCanceled,
    ):
        return StoreFaultError("locked", detail)
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return StoreFaultError("connection_lost", detail)
    return None


@translate_faults(
    classify_postgres_error,
    writes=("create_execution", "commit", "lease", "renew_lease", "delete_execution"),
)
class PostgresStore(PostgresUpkeep):
    refuses_to_wait = False

    def __init__(self, url: str, *, synchronous: Synchronous = "FULL", pool_size: int = 10) -> None:
        """Open the database at `url` (a libpq URL or DSN), apply pending migrations and
        start the pool. `synchronous` other than FULL turns `synchronous_commit` off for
        this store's connections: a crash of the database server may then lose the last
        commits (never corrupt), like SQLite's NORMAL."""
        self.url = url
        try:
            self._conninfo = conninfo(url)
        except psycopg.ProgrammingError as exc:
            raise StoreUnavailableError(
                f"not a valid PostgreSQL URL ({str(exc).strip()}); "
                "see the libpq connection URI format"
            ) from None
        self.fault_log = FaultLog()
        self._durable = synchronous == "FULL"
        self.applied_on_open: list[str] = self.migrate()
        self._outage = Outage(lambda: self._pool.check())
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            self._conninfo,
            connection_class=self._outage.connection_class(),
            min_size=min(2, pool_size),
            max_size=pool_size,
            kwargs={"autocommit": True},
            configure=None if self._durable else _relax_durability,
            open=True,
            name=POOL_NAME,
            timeout=CONNECTION_WAIT,
            reconnect_timeout=RECONNECT_SECONDS,
        )
        self._listener: WakeupListener | None = None
        self._listener_lock = threading.Lock()
        # Sent with this store's notifications: its own listener skips them, since this
        # process announces the work it commits itself (`ServiceContext.notify`).
        self._origin = secrets.token_hex(8)
        self._prefixes = PrefixIds()

    # -- schema -----------------------------------------------------------------------

    def _connect(self) -> Connection:
        try:
            return psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            raise StoreUnavailableError(f"cannot connect to PostgreSQL: {exc}".strip()) from None

    def migrate(self) -> list[str]:
        """Apply pending migrations in order under an advisory lock; returns the names
        applied (by this call: a server that lost the race applies none)."""
        folder = resources.files("perdure._store.migrations").joinpath("postgres")
        names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
        applied: list[str] = []
        with self._connect() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)")
                done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
                for name in names:
                    if name in done:
                        continue
                    script = folder.joinpath(name).read_text(encoding="utf-8")
                    with conn.transaction():
                        # No parameters: sent as one simple query, several statements.
                        conn.execute(script.encode())
                        conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                    applied.append(name)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
        return applied

    def schema(self) -> list[str]:
        """The migrations the database has, in order."""
        with self._connection() as conn:
            rows = conn.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
        return [row[0] for row in rows]

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A pooled connection. One found dead, or none to be had, starts an outage
        (`postgres_outage`); the next that works ends it."""
        conn: Connection | None = None
        try:
            with self._pool.connection(self._outage.wait_seconds()) as conn:
                yield conn
        except PoolTimeout as exc:
            raise self._outage.no_connection(exc) from exc
        except psycopg.OperationalError as exc:
            if conn is not None and conn.closed:
                self._outage.lost(exc)
            raise
        self._outage.ended(conn)

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._connection() as conn, conn.transaction():
            yield conn

    def _one(self, query: str, args: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._connection() as conn:
            return conn.execute(query, args).fetchone()

    def _all(self, query: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return conn.execute(query, args).fetchall()

    def watch(self, listener: Callable[[], None]) -> None:
        with self._listener_lock:
            if self._listener is None:
                self._listener = WakeupListener(self._conninfo, ignore=self._origin)
                self._listener.start()
            self._listener.add(listener)

    def close(self) -> None:
        with self._listener_lock:
            if self._listener is not None:
                self._listener.stop()
                self._listener = None
        self._pool.close()

    # -- executions -------------------------------------------------------------------

    def create_execution(
        self, state: ExecutionState, transition: Transition, lease: tuple[str, int] | None = None
    ) -> bool:
        # Fails (division by zero, so nothing is written) when the name is taken.
        values = insert_values(transition.record, self._prefix_number(state.record.execution))
        if lease is None:
            script = Script(f"{INSERT_EXECUTION} ON CONFLICT DO NOTHING RETURNING 1", values)
        else:
            script = Script(
                f"{INSERT_LEASED_EXECUTION} ON CONFLICT DO NOTHING RETURNING 1",
                (*values, *lease),
            )
        script.write(state.record.execution.execution_id, transition)
        if _queues_work(transition):
            script.notify(CHANNEL, self._origin)
        try:
            self._run(script)
        except psycopg.errors.DivisionByZero:
            return False
        return True

    def _prefix_number(self, execution: Execution) -> int:
        """The number of the prefix of a new execution's ARN in `arn_prefixes`, added
        (and committed, in a transaction of its own) if new: the execution's write is
        one statement, whose parts could not see a row another part inserts."""
        prefix, number = self._prefixes.known(execution)
        if number is None:
            with self._tx() as conn:
                number = prefix_number(conn, prefix)
            self._prefixes.learn(prefix, number)
        return number

    def find_by_name(self, function_name: str, name: str) -> Execution | None:
        row = self._one(
            f"SELECT {EXEC_COLUMNS} FROM executions WHERE function_name=%s AND name=%s",
            (function_name, name),
        )
        return None if row is None else record_from_row(row)[1].execution

    def get_execution(self, arn: str) -> Execution | None:
        row = self._one(f"SELECT {EXEC_COLUMNS} FROM executions WHERE {_BY_ARN}", arn_key(arn))
        return None if row is None else record_from_row(row)[1].execution

    def row_version(self, arn: str) -> int | None:
        row = self._one(f"SELECT row_version FROM executions WHERE {_BY_ARN}", arn_key(arn))
        return None if row is None else int(row[0])

    def load(self, arn: str) -> tuple[int, ExecutionState] | None:
        # One snapshot for the row, its operations and its timers, so the state read
        # is the state at the version read.
        with self._tx() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = conn.execute(
                f"SELECT {EXEC_COLUMNS} FROM executions WHERE {_BY_ARN}", arn_key(arn)
            ).fetchone()
            if row is None:
                return None
            version, record = record_from_row(row)
            exec_id = record.execution.execution_id
            start_ms = record.execution.start_timestamp
            state = ExecutionState(record=record)
            for op_id, seq, doc in conn.execute(
                "SELECT op_id, seq, doc FROM operations WHERE execution_id=%s ORDER BY position",
                (exec_id,),
            ):
                op = decode_op(doc, op_id, start_ms, record.execution.input_payload)
                state.ops[op.operation_id] = op
                state.op_seq[op.operation_id] = seq
            for op_id, kind, due in conn.execute(
                "SELECT op_id, kind, due_ms FROM timers WHERE execution_id=%s", (exec_id,)
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
        rec = transition.record
        # Fails (division by zero, so nothing is written) when the version moved.
        script = Script(
            _GUARDED_UPDATE if lease is None else _GUARDED_UPDATE_AND_LEASE,
            (*update_values(rec), *(lease or ()), rec.execution.execution_id, version),
        )
        script.write(rec.execution.execution_id, transition)
        for child_state, child_transition in children:
            child = child_transition.record
            script.add(INSERT_EXECUTION, insert_values(child, self._prefix_number(child.execution)))
            script.write(child_state.record.execution.execution_id, child_transition)
        if reply is not None:
            self._save_reply(script, rec.execution.execution_id, reply)
        if children or _queues_work(transition):
            script.notify(CHANNEL, self._origin)
        try:
            self._run(script)
        except psycopg.errors.DivisionByZero:
            raise StaleStateError(arn) from None
        return version + 1

    @staticmethod
    def _save_reply(script: Script, exec_id: str, r: SavedReply) -> None:
        """The reply's upsert and the expiry of old ones, as parts of the commit."""
        values = (exec_id, r.client_token, r.checkpoint_token, r.reply, r.created_ms)
        script.add(_SAVE_REPLY, values)
        script.add(
            _EXPIRE_REPLIES, (r.created_ms - REPLY_TTL_MS, r.client_token, r.checkpoint_token)
        )

    def _run(self, script: Script) -> None:
        """Send the write as one statement (`postgres_script`): one transaction, one
        round trip, prepared by the driver once its shape has been seen a few times."""
        with self._connection() as conn:
            conn.execute(script.sql(), script.args)

    # -- lookups for the runtime ------------------------------------------------------

    def resolve_callback(self, callback_id: str) -> CallbackRef | None:
        row = self._one(
            f"SELECT {arn_sql('e')}, c.op_id, c.heartbeat_s FROM callbacks c "
            "JOIN executions e ON e.id = c.execution_id WHERE c.callback_id=%s",
            (callback_id,),
        )
        return None if row is None else CallbackRef(row[0], row[1], int(row[2]))

    def due_timers(self, now: int, limit: int) -> list[DueTimer]:
        rows = self._all(
            f"SELECT {arn_sql('e')}, t.op_id, t.kind, t.due_ms FROM timers t "
            "JOIN executions e ON e.id = t.execution_id "
            "WHERE t.due_ms <= %s ORDER BY t.due_ms LIMIT %s FOR UPDATE OF t SKIP LOCKED",
            (now, limit),
        )
        return [DueTimer(r[0], r[1], TimerKind(r[2]), int(r[3])) for r in rows]

    def due_invocations(
        self, now: int, limit: int, functions: Sequence[str] | None = None
    ) -> list[str]:
        if functions is not None and not functions:
            return []
        only = "" if functions is None else "AND function_name = ANY(%s) "
        args: list[Any] = [_QUEUED, now, now]
        if functions is not None:
            args.append(list(functions))
        args.append(limit)
        rows = self._all(
            f"SELECT {_ARN} FROM executions WHERE invocation=%s AND invoke_at <= %s "
            f"AND lease_expires <= %s AND {_NOT_PAUSED} {only}"
            "ORDER BY invoke_at LIMIT %s FOR UPDATE SKIP LOCKED",
            args,
        )
        return [r[0] for r in rows]

    def expired_leases(self, now: int, limit: int) -> list[str]:
        rows = self._all(
            f"SELECT {_ARN} FROM executions WHERE invocation=%s AND lease_expires < %s LIMIT %s",
            (_RUNNING, now, limit),
        )
        return [r[0] for r in rows]

    def lease_owners(self) -> list[str]:
        rows = self._all(
            "SELECT DISTINCT lease_owner FROM executions WHERE invocation=%s", (_RUNNING,)
        )
        return [r[0] for r in rows if r[0]]

    def leases_held_by(self, owner: str, limit: int) -> list[str]:
        rows = self._all(
            f"SELECT {_ARN} FROM executions WHERE invocation=%s AND lease_owner=%s LIMIT %s",
            (_RUNNING, owner, limit),
        )
        return [r[0] for r in rows]

    def lease(self, arn: str, owner: str, expires: int) -> None:
        with self._connection() as conn:
            conn.execute(
                f"UPDATE executions SET lease_owner=%s, lease_expires=%s WHERE {_BY_ARN}",
                (owner, expires, *arn_key(arn)),
            )

    def renew_lease(self, arn: str, request_id: str, owner: str, expires: int) -> bool:
        with self._connection() as conn:
            cur = conn.execute(
                "UPDATE executions SET lease_owner=%s, lease_expires=%s "
                f"WHERE {_BY_ARN} AND request_id=%s AND invocation=%s",
                (owner, expires, *arn_key(arn), request_id, _RUNNING),
            )
            return cur.rowcount == 1

    def next_wakeup(self) -> int | None:
        row = self._one(
            "SELECT LEAST((SELECT MIN(due_ms) FROM timers), "
            "(SELECT MIN(GREATEST(invoke_at, lease_expires)) FROM executions "
            f"WHERE invocation=%s AND {_NOT_PAUSED}))",
            (_QUEUED,),
        )
        return None if row is None or row[0] is None else int(row[0])

    def running_count(self) -> int:
        row = self._one("SELECT COUNT(*) FROM executions WHERE invocation=%s", (_RUNNING,))
        return 0 if row is None else int(row[0])

    def function_config(self, function_name: str) -> DurableConfig | None:
        row = self._one(
            "SELECT execution_timeout, retention_days FROM function_configs WHERE function_name=%s",
            (function_name,),
        )
        return None if row is None else DurableConfig(row[0], row[1])

    def save_function_configs(self, configs: Mapping[str, DurableConfig], now: int) -> None:
        if not configs:
            return
        script = Script()
        script.rows(
            "INSERT INTO function_configs "
            "(function_name, execution_timeout, retention_days, updated_ms)",
            [
                (name, c.execution_timeout, c.retention_period_in_days, now)
                for name, c in sorted(configs.items())
            ],
            " ON CONFLICT (function_name) DO UPDATE SET "
            "execution_timeout=excluded.execution_timeout, "
            "retention_days=excluded.retention_days, updated_ms=excluded.updated_ms",
        )
        self._run(script)

    def saved_reply(self, arn: str, client_token: str, checkpoint_token: str) -> str | None:
        row = self._one(
            "SELECT r.reply FROM checkpoint_replies r JOIN executions e "
            f"ON e.id = r.execution_id WHERE {matches_arn('e', '%s')} AND r.client_token=%s "
            "AND r.checkpoint_token=%s",
            (*arn_key(arn), client_token, checkpoint_token),
        )
        return None if row is None else str(row[0])


def _relax_durability(conn: Connection) -> None:
    conn.execute("SET synchronous_commit = off")
