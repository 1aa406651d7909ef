"""The PostgreSQL database the conformance requirements run on: one per module, emptied
before each requirement. Cloning a database per requirement, as other PostgreSQL tests
do, costs more than the requirement itself; emptying the tables leaves the same fresh
state at a fraction of the cost."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from perdure._store.store import EXECUTION_TABLES, FUNCTION_CONFIGS
from tests.postgres_databases import TestDatabases


@pytest.fixture(scope="module")
def conformance_database(postgres_databases: TestDatabases) -> Iterator[str]:
    url = postgres_databases.clone()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def empty_postgres_url(conformance_database: str) -> str:
    """The module's database with every table empty."""
    with psycopg.connect(conformance_database, autocommit=True) as conn:
        # DELETE, not TRUNCATE: on tables this small it is many times faster.
        tables = (*EXECUTION_TABLES, FUNCTION_CONFIGS)
        conn.execute("; ".join(f"DELETE FROM {table}" for table in tables).encode())
    return conformance_database
