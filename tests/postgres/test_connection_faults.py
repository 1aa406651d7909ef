"""The PostgreSQL store through dropped connections and a database that refuses them
for a while, made real from an admin connection (tests/postgres/outages.py): requests
fail as `connection_lost` while it lasts, fast, and work again by themselves; `/health`
reports it; the LISTEN connection comes back and hears commits again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from perdure._app import ServerApp, build_server
from perdure._service import monitoring, start
from perdure._store.faults import StoreFaultError
from perdure._store.postgres import PostgresStore
from perdure._store.postgres_outage import conninfo
from perdure._store.store import StoreUnavailableError
from tests.postgres.outages import (
    Admin,
    backends,
    database_of,
    refused_connections,
    terminate_backends,
)


@pytest.fixture
def server(postgres_url: str) -> Iterator[ServerApp]:
    app = build_server(postgres_url)
    try:
        yield app
    finally:
        app.close()


def _store(app: ServerApp) -> PostgresStore:
    assert isinstance(app.store, PostgresStore)
    return app.store


def _fault(call: Callable[[], object]) -> StoreFaultError | None:
    try:
        call()
    except StoreFaultError as fault:
        return fault
    return None


def _eventually(call: Callable[[], object], seconds: float) -> float:
    """Seconds until `call` stops raising StoreFaultError; fails the test at `seconds`."""
    began = time.monotonic()
    while (fault := _fault(call)) is not None:
        assert time.monotonic() - began < seconds, f"still failing after {seconds} s: {fault}"
        time.sleep(0.05)
    return time.monotonic() - began


def test_dropped_connections_fail_one_request_and_the_pool_replaces_the_rest(
    postgres_url: str, admin: Admin
) -> None:
    store = PostgresStore(postgres_url)  # alone: no scheduler to meet the fault first
    try:
        # Several connections in the pool, all idle and alive.
        threads = [threading.Thread(target=lambda: store.stats(0)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert terminate_backends(admin, database_of(postgres_url)) >= 2

        fault = _fault(lambda: store.get_execution("x"))
        assert fault is not None and fault.reason == "connection_lost", fault
        assert "connection to the database was lost" in str(fault)
        # The failure made the pool check its other idle connections: none fails again.
        for _ in range(20):
            assert store.get_execution("x") is None
    finally:
        store.close()


def test_while_the_database_refuses_connections_requests_fail_fast_and_health_says_why(
    server: ServerApp, admin: Admin
) -> None:
    store = _store(server)
    with refused_connections(admin, database_of(store.url)):
        faults, slowest = [], 0.0
        for _ in range(5):
            began = time.monotonic()
            faults.append(_fault(lambda: start.start_execution(server.ctx, "f", "{}")))
            slowest = max(slowest, time.monotonic() - began)
        healthy, doc = monitoring.health_report(server.ctx)

    assert all(f is not None and f.reason == "connection_lost" for f in faults), faults
    assert slowest < 2.0  # not the pool's full wait: the API answers 503 at once
    assert not healthy
    assert str(doc["store"]).startswith("unavailable: database unavailable")

    # Back by itself: the first requests after the database returns reconnect.
    assert _eventually(lambda: start.start_execution(server.ctx, "f", "{}"), 5.0) < 3.0
    deadline = time.monotonic() + 5  # the scheduler's next pass, after its backoff
    while not (report := monitoring.health_report(server.ctx))[0]:
        assert time.monotonic() < deadline, report
        time.sleep(0.05)


def test_after_a_long_outage_the_first_requests_reconnect_at_once(
    postgres_url: str, admin: Admin
) -> None:
    """A pool backing off its reconnection attempts (1, 2, 4, 8 s...) would leave the
    store failing for seconds after the database is back; it tries on demand instead."""
    store = PostgresStore(postgres_url)
    try:
        with refused_connections(admin, database_of(postgres_url)):
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                assert _fault(lambda: store.get_execution("x")) is not None
                time.sleep(0.25)
        assert _eventually(lambda: store.get_execution("x"), 10.0) < 2.0
    finally:
        store.close()


def test_the_wakeup_listener_listens_again_after_its_connection_is_dropped(
    server: ServerApp, admin: Admin, postgres_url: str
) -> None:
    watcher = PostgresStore(postgres_url)
    woken = threading.Event()
    try:
        watcher.watch(woken.set)
        assert woken.wait(5)  # called once when it starts listening
        database = database_of(postgres_url)
        with refused_connections(admin, database):
            woken.clear()
            time.sleep(1.5)  # a reconnection attempt or two fails meanwhile
            assert not woken.is_set()
        assert woken.wait(5)  # listening again: it wakes its subscribers once
        woken.clear()
        deadline = time.monotonic() + 5  # the watcher's LISTEN, and the server's
        while _listening(admin, database) != 2:
            assert time.monotonic() < deadline, _listening(admin, database)
            time.sleep(0.05)

        _eventually(lambda: start.start_execution(server.ctx, "f", "{}"), 5.0)
        assert woken.wait(5)  # another store's commit is heard
    finally:
        watcher.close()


def _listening(admin: Admin, database: str) -> int:
    row = admin.execute(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND query LIKE 'LISTEN%%'",
        (database,),
    ).fetchone()
    return 0 if row is None else int(row[0])


def test_a_closed_store_leaves_no_connection_behind_after_an_outage(
    postgres_url: str, admin: Admin
) -> None:
    store = PostgresStore(postgres_url)
    store.watch(lambda: None)
    database = database_of(postgres_url)
    with refused_connections(admin, database):
        assert _fault(lambda: store.get_execution("x")) is not None
    _eventually(lambda: store.get_execution("x"), 5.0)
    store.close()
    deadline = time.monotonic() + 5
    while backends(admin, database):
        assert time.monotonic() < deadline, "connections left open"
        time.sleep(0.05)


def test_connections_find_a_vanished_peer_within_seconds_unless_the_url_says_otherwise() -> None:
    params = dict(part.split("=", 1) for part in conninfo("postgresql://u@db.example/p").split())
    assert params["tcp_user_timeout"] == "30000" and params["keepalives"] == "1"
    assert params["connect_timeout"] == "10" and params["host"] == "db.example"
    own = conninfo("postgresql://u@db.example/p?connect_timeout=3&keepalives=0")
    assert "connect_timeout=3" in own and "keepalives=0" in own


def test_a_malformed_postgres_url_is_one_clear_error() -> None:
    with pytest.raises(StoreUnavailableError, match=r"not a valid PostgreSQL URL \(invalid URI"):
        PostgresStore("postgresql://u@127.0.0.1/p?bogus=1")
