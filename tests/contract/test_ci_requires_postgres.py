"""CI must run the PostgreSQL backend: where a developer's run skips the PostgreSQL tests
(no server configured or reachable), a run under CI fails (tests/postgres_databases.py)."""

from __future__ import annotations

import pytest

from tests.postgres_databases import ENV, server_url


def test_without_a_postgres_url_ci_fails_where_a_developer_run_skips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI runs the PostgreSQL tests"):
        server_url()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=f"{ENV} is not set"):
        server_url()


def test_an_unreachable_postgres_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "postgresql://postgres@127.0.0.1:1/postgres")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="unreachable"):
        server_url()
