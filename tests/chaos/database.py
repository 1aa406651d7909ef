"""The database a chaos run uses, SQLite or PostgreSQL, as the suite needs it: a URL for
the Perdure processes, a plain reading connection for the invariants, an integrity check,
and the faults that belong to the backend (a lock held past what writers wait for; on
PostgreSQL also every connection dropped at once, as a server restart does).

Reading connections answer `execute(sql, params)` with `?` placeholders on both
backends, so the invariants are written once.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from tests.chaos.faults import exclusive_lock


class Reader(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def close(self) -> None: ...


class ChaosDatabase(Protocol):
    url: str
    kind: str

    def connect(self) -> Reader: ...

    def integrity_problems(self) -> list[str]: ...

    def locked(self, seconds: float) -> Any:
        """A context manager: the database is locked against writers for the block."""
        ...

    def drop_connections(self) -> int: ...


class SqliteDatabase:
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = str(path)

    def connect(self) -> Reader:
        db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def integrity_problems(self) -> list[str]:
        db = self.connect()
        try:
            result = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
        finally:
            db.close()
        return [] if result == ["ok"] else result

    @contextmanager
    def locked(self, seconds: float) -> Iterator[None]:
        with exclusive_lock(self.path):
            yield

    def drop_connections(self) -> int:
        raise NotImplementedError("SQLite has no connections to drop")


class _PgReader:
    def __init__(self, url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), tuple(params))

    def close(self) -> None:
        self._conn.close()


class PostgresDatabase:
    """A database of its own on the server at `admin_url`, made for the run and dropped
    after it."""

    kind = "postgres"

    def __init__(self, admin_url: str, seed: int) -> None:
        self.admin_url = admin_url
        self.name = f"perdure_chaos_{os.getpid()}_{seed}_{secrets.token_hex(3)}"
        parts = urlsplit(admin_url)
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10)

    def create(self) -> None:
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def connect(self) -> Reader:
        return _PgReader(self.url)

    def integrity_problems(self) -> list[str]:
        """B-tree invariants of every index of the database (PostgreSQL's amcheck), and
        heap pages readable: a full scan of every table."""
        problems: list[str] = []
        db = _PgReader(self.url)
        try:
            db.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
            indexes = db.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = 'public'"
            ).fetchall()
            for (index,) in indexes:
                try:
                    db.execute(f"SELECT bt_index_check('{index}'::regclass, true)")
                except Exception as exc:
                    problems.append(f"index {index}: {exc}")
            tables = db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
            for (table,) in tables:
                db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        finally:
            db.close()
        return problems

    @contextmanager
    def locked(self, seconds: float) -> Iterator[None]:
        """`LOCK TABLE executions` in a transaction held for the block: every claim,
        checkpoint and timer waits behind it."""
        taken = threading.Event()
        release = threading.Event()

        def hold() -> None:
            import psycopg

            with psycopg.connect(self.url, connect_timeout=10) as conn:
                conn.execute("LOCK TABLE executions IN ACCESS EXCLUSIVE MODE")
                taken.set()
                release.wait(seconds + 60)
                conn.rollback()

        holder = threading.Thread(target=hold, name="chaos-pg-lock", daemon=True)
        holder.start()
        taken.wait(30)
        try:
            yield
        finally:
            release.set()
            holder.join(30)

    def drop_connections(self) -> int:
        """Terminate every connection to the database, as a server restart would."""
        with self._admin() as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            ).fetchall()
        return len(rows)
