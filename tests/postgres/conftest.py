"""An admin connection to the test server (not to the test's database), for making
connection faults."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.postgres.outages import Admin
from tests.postgres_databases import TestDatabases


@pytest.fixture
def admin(postgres_databases: TestDatabases) -> Iterator[Admin]:
    conn = psycopg.connect(postgres_databases.url, autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
