"""Throwaway PostgreSQL databases for tests: one template per session with the schema
migrated, and a fresh clone of it per test (`CREATE DATABASE ... TEMPLATE`), so tests
share no state and need no Docker.

The server comes from PERDURE_TEST_POSTGRES_URL. Unset or unreachable: PostgreSQL tests
are skipped, except under CI (`CI` set, as `.ci/run` does), where either is a failure:
CI promises to run the PostgreSQL backend, and a green run that skipped it would hide
that it did not. Every database made here is named
`perdure_test_<pid>_...`; only those, and leftovers of test sessions that are no longer
running, are ever dropped.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from perdure._store.postgres import PostgresStore

ENV = "PERDURE_TEST_POSTGRES_URL"
PREFIX = "perdure_test_"
_LEFTOVER = re.compile(rf"^{PREFIX}(\d+)_[0-9a-f]+(_\d+)?$")


def server_url() -> str:
    """The admin URL, or skip/fail the test as the module docstring says."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        message = f"{ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI runs the PostgreSQL tests, so this is a failure")
        pytest.skip(message)
    if not url.startswith(("postgresql://", "postgres://")):
        pytest.fail(f"{ENV} must be a postgresql:// URL, got {url!r}")
    try:
        psycopg.connect(url, autocommit=True, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {ENV}={url} is unreachable: {exc}".strip()
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class TestDatabases:
    """Creates the template on first use; `clone()` / `drop()` one database per test."""

    __test__ = False

    def __init__(self, url: str) -> None:
        self.url = url
        self._stem = f"{PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
        self._counter = itertools.count(1)
        self.template = f"{self._stem}_0"
        self._admin = psycopg.connect(url, autocommit=True)
        self._drop_leftovers()
        self._admin.execute(f'CREATE DATABASE "{self.template}"')
        PostgresStore(self.url_of(self.template)).close()  # applies the migrations

    def url_of(self, name: str) -> str:
        """The server URL pointing at database `name` (a URL, as PERDURE_DB takes)."""
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))

    def clone(self) -> str:
        """A new database with the migrated schema; returns its URL."""
        name = f"{self._stem}_{next(self._counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        assert name.startswith(self._stem)
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._admin.close()

    def _execute(self, sql: str) -> None:
        """On the admin connection, connecting again if a test restarted the server."""
        try:
            self._admin.execute(sql)
        except psycopg.OperationalError:
            if not self._admin.closed:
                raise
            self._admin = psycopg.connect(self.url, autocommit=True)
            self._admin.execute(sql)

    def _drop_leftovers(self) -> None:
        """Databases of earlier test sessions that died before cleaning up."""
        names = [r[0] for r in self._admin.execute("SELECT datname FROM pg_database")]
        for name in names:
            match = _LEFTOVER.match(name)
            if match and not _running(int(match.group(1))):
                self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
