"""Fixtures shared across test folders: throwaway PostgreSQL databases
(tests/postgres_databases.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres_databases import TestDatabases, server_url


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[TestDatabases]:
    databases = TestDatabases(server_url())
    yield databases
    databases.close()


@pytest.fixture
def postgres_url(postgres_databases: TestDatabases) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database, dropped after the test."""
    url = postgres_databases.clone()
    yield url
    postgres_databases.drop(url)
