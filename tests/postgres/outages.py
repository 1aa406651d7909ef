"""Connection faults made real on the test server, from an admin connection to another
database: every backend of a database terminated (what a restart does to the clients'
connections), and optionally new connections refused for a while (a restart that
takes its time), which is always undone, even when the test fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import TupleRow

Admin = psycopg.Connection[TupleRow]


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def backends(admin: Admin, database: str) -> int:
    row = admin.execute(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    ).fetchone()
    return 0 if row is None else int(row[0])


def terminate_backends(admin: Admin, database: str) -> int:
    """End every connection to `database` and wait until each is gone; how many."""
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    ).fetchall()
    return len(rows)


@contextmanager
def refused_connections(admin: Admin, database: str) -> Iterator[None]:
    """While inside: no connection to `database` works, old or new."""
    admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    try:
        terminate_backends(admin, database)
        yield
    finally:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


def outage(admin: Admin, database: str, seconds: float) -> None:
    """Refuse connections to `database` for `seconds`."""
    with refused_connections(admin, database):
        time.sleep(seconds)
