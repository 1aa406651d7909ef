"""Connection faults made real on the test server.

From an admin connection to another database: every backend of a database terminated
(what a restart does to the clients' connections), and optionally new connections
refused for a while (a restart that takes its time), which is always undone, even when
the test fails.

And the real thing: the whole PostgreSQL server stopped and started again, through a
command that takes `stop` or `start` (PERDURE_TEST_POSTGRES_CTL, e.g.
`pg_ctlcluster 15 main`, which `.ci/run` finds for the server of the test URL). It
stops everything on that server, so it is never guessed: outside CI, a test without it
leaves the restart out and says so; under CI (`CI` set) its absence fails the test, as
tests/postgres_databases.py fails rather than skips the PostgreSQL tests there. The
server is started again whatever happens, and the test waits until it accepts
connections before going on.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg.rows import TupleRow

Admin = psycopg.Connection[TupleRow]

CTL_ENV = "PERDURE_TEST_POSTGRES_CTL"
CTL_TIMEOUT = 60.0  # seconds for one `stop` or `start`
BACK_TIMEOUT = 30.0  # seconds for the server to accept connections after `start`


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


def restart_command() -> list[str] | None:
    """PERDURE_TEST_POSTGRES_CTL split as a shell would, or None when it is unset.
    Under CI unset is a failure: CI promises the restart, and a green run without it
    would hide that it never happened."""
    ctl = os.environ.get(CTL_ENV, "").strip()
    if ctl:
        return shlex.split(ctl)
    if os.environ.get("CI"):
        pytest.fail(
            f"{CTL_ENV} is not set, and CI restarts PostgreSQL: .ci/run sets it to "
            "`pg_ctlcluster VERSION NAME` for the cluster on the test URL's port when "
            "pg_lsclusters finds one it may control; set it to a command taking stop/start"
        )
    return None


def no_restart_reason() -> str:
    return f"{CTL_ENV} is not set (e.g. 'pg_ctlcluster 15 main'), and a restart stops the server"


@dataclass(frozen=True)
class Restart:
    """How long each part of a restart took, in seconds."""

    stopping: float  # the `stop` command (a fast shutdown: a checkpoint, then exit)
    down: float  # stopped
    starting: float  # from the `start` command until a connection succeeds


@contextmanager
def stopped(ctl: list[str], url: str) -> Iterator[None]:
    """The PostgreSQL server stopped while inside; started again on the way out,
    whatever happened (a failed `stop` included), and accepting connections."""
    try:
        _ctl(ctl, "stop")
        yield
    finally:
        _start(ctl, url)


def restart(ctl: list[str], url: str, down: float) -> Restart:
    """Stop the server, leave it down `down` seconds, start it and wait until it
    accepts connections."""
    began = time.monotonic()
    try:
        _ctl(ctl, "stop")
        stopping = time.monotonic() - began
        time.sleep(down)
    finally:
        starting = time.monotonic()
        _start(ctl, url)
    return Restart(stopping, starting - began - stopping, time.monotonic() - starting)


def wait_until_accepting(url: str, started: str = "") -> float:
    """Wait until a connection to `url` succeeds; the seconds that took."""
    began = time.monotonic()
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return time.monotonic() - began
        except psycopg.OperationalError as exc:
            if time.monotonic() - began > BACK_TIMEOUT:
                raise AssertionError(
                    f"PostgreSQL not accepting connections {BACK_TIMEOUT:g} s after start "
                    f"({started or 'start said nothing'}): {exc}"
                ) from exc
            time.sleep(0.2)


def _start(ctl: list[str], url: str) -> None:
    """Start the server (one already running makes `start` fail, which is fine) and
    wait until it accepts connections."""
    started = subprocess.run([*ctl, "start"], capture_output=True, text=True, timeout=CTL_TIMEOUT)
    wait_until_accepting(url, f"{started.stdout}{started.stderr}".strip())


def _ctl(ctl: list[str], action: str) -> None:
    done = subprocess.run([*ctl, action], capture_output=True, text=True, timeout=CTL_TIMEOUT)
    if done.returncode != 0:
        raise AssertionError(
            f"`{shlex.join([*ctl, action])}` exited {done.returncode}: "
            f"{(done.stdout + done.stderr).strip()}"
        )
