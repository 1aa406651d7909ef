"""Riding out a PostgreSQL restart or a dropped connection.

When the server restarts, fails over, or an administrator or a network fault drops the
connections, every pooled connection is dead, and the pool finds that out only by using
each one. So the first statement that fails on a dead connection, a connection attempt
of the pool that fails, or a request that gets no connection at all starts an outage,
which this module keeps track of:

* it is logged once, and the pool checks its idle connections at once, so the dead ones
  are replaced instead of failing the next requests one by one;
* while it lasts, a request waits only briefly for a connection: callers get their
  retryable error (a 503 from the API, a backoff in the runtime's loops) at once, and no
  API thread is held for the pool's full wait. Each such request also asks the pool for
  a new connection, so the first one after the database is back gets it;
* a request that works on a connection made since it began ends it, and logs how long it
  lasted. (A connection older than the outage that still works ends it only after a
  second: while a restart is under way, some old connections die a little later than
  others, and an outage that flapped on and off would put requests back on the long
  wait while the database is still going away.)

The pool's own warnings for each dead connection it discards and each failed attempt to
reconnect (one a second for as long as the database is away) are left out of the log:
the outage's first and last lines say it.

Writes are never repeated here: a commit whose connection dropped may or may not have
been applied, and only its caller can tell (a checkpoint is sent again with its
ClientToken; the runtime's loops re-read the state).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar, Self, cast

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

from perdure._clock import monotonic
from perdure._store.faults import StoreFaultError

log = logging.getLogger("perdure.store")

# How long a request waits for a pooled connection while the database answers: time
# to queue behind a burst of requests on a busy pool (statements take milliseconds).
CONNECTION_WAIT = 5.0
# ... and during an outage, when a connection can only come from a new connect: long
# enough for a local connect, short enough that requests answered 503 do not queue up
# behind each other on the API's few threads (a /health among them).
OUTAGE_WAIT = 0.1
# How long the pool retries one lost connection before giving up on it (a request then
# asks for a new one). Short, so reconnecting follows demand: psycopg_pool's default is
# five minutes of doubling delays, which could leave a server without connections for
# minutes after the database is back.
RECONNECT_SECONDS = 2.0
# How long into an outage a connection older than it must work to end it.
OLD_CONNECTION_PROOF = 1.0
POOL_NAME = "perdure-store"
# Defaults for every connection of a store (settings in the database URL win): a
# connect to a host that does not answer gives up after 10 s, and a peer that vanished
# without closing the connection (a host that lost power, a failover that moved the
# address, a network partition) is found out within about half a minute, by TCP
# keepalives when idle and by tcp_user_timeout when sending, instead of by the kernel
# after a quarter of an hour.
CONNECTION_DEFAULTS: dict[str, str | int] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 15,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}
_POOL_ATTEMPT_LINES = ("error connecting in %r", "reconnection attempt in pool %r")
_POOL_DISCARD_LINES = ("discarding closed connection", "discarding broken connection")


def conninfo(url: str) -> str:
    """The connection string for `url` (a libpq URL or DSN) with CONNECTION_DEFAULTS
    for what it leaves unset. Raises psycopg.ProgrammingError if it is malformed."""
    return make_conninfo("", **{**CONNECTION_DEFAULTS, **conninfo_to_dict(url)})


class Outage:
    """Whether this store's connections are known to be lost, since when and why."""

    def __init__(self, check_pool: Callable[[], None]) -> None:
        """`check_pool` replaces the pool's dead idle connections (`ConnectionPool.check`)."""
        _quiet_pool_attempts()
        self._check_pool = check_pool
        self._lock = threading.Lock()
        self._since: float | None = None
        self._cause = ""

    def wait_seconds(self) -> float:
        """How long the next request may wait for a connection."""
        return CONNECTION_WAIT if self._since is None else OUTAGE_WAIT

    def lost(self, cause: BaseException) -> None:
        """A connection failed or none could be had: start an outage, unless one is on."""
        with self._lock:
            if self._since is not None:
                return
            self._since = monotonic()
            self._cause = _first_line(cause)
        log.warning(
            "lost the connection to PostgreSQL (%s); requests fail with a retryable error "
            "until it is re-established",
            self._cause,
        )
        try:
            self._check_pool()  # drop the other dead idle connections now
        except Exception as exc:  # a closing pool: nothing left to check
            log.debug("checking the pool's connections failed: %s", exc)

    def no_connection(self, timeout: BaseException) -> StoreFaultError:
        """The fault for a request that got no connection in time (an outage begins).
        Its text stays the same for the whole outage, so loops log it once."""
        self.lost(timeout)
        return StoreFaultError("connection_lost", f"no connection to PostgreSQL: {self._cause}")

    def connection_class(self) -> type[PooledConnection]:
        """The pool's connection class, reporting to this outage."""
        return cast(
            "type[PooledConnection]",
            type("PooledConnection", (PooledConnection,), {"outage": self}),
        )

    def ended(self, conn: psycopg.Connection[TupleRow]) -> None:
        """A request worked on `conn`: the outage, if any, is over (see the module doc)."""
        since = self._since
        if since is None:
            return
        now = monotonic()
        if getattr(conn, "born", 0.0) < since and now - since < OLD_CONNECTION_PROOF:
            return
        with self._lock:
            if self._since != since:
                return
            self._since = None
        log.warning("reconnected to PostgreSQL after %.1f s", now - since)


class PooledConnection(psycopg.Connection[TupleRow]):
    """A connection of a store's pool. A failed attempt to connect starts the store's
    outage, so requests fail fast even when the pool had no connection to find dead;
    `born` tells connections made since an outage began from older ones."""

    outage: ClassVar[Outage | None] = None
    born: float = 0.0

    @classmethod
    def connect(cls, *args: Any, **kwargs: Any) -> Self:
        try:
            conn = super().connect(*args, **kwargs)
        except psycopg.OperationalError as exc:
            if cls.outage is not None:
                cls.outage.lost(exc)
            raise
        conn.born = monotonic()
        return conn


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _PoolAttemptFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or not isinstance(record.args, tuple):
            return True
        if record.msg.startswith(_POOL_ATTEMPT_LINES):
            return POOL_NAME not in record.args
        if record.msg.startswith(_POOL_DISCARD_LINES):
            return not any(isinstance(arg, PooledConnection) for arg in record.args)
        return True


_FILTER = _PoolAttemptFilter()


def _quiet_pool_attempts() -> None:
    pool_log = logging.getLogger("psycopg.pool")
    if _FILTER not in pool_log.filters:
        pool_log.addFilter(_FILTER)
