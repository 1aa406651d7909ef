"""Hearing other processes' commits on PostgreSQL: LISTEN on one dedicated connection.

A commit that queues an invocation or sets a timer sends `NOTIFY perdure_work` inside its
transaction, so the notification goes out exactly when the work becomes visible. Its
payload names the store that sent it, and a process's listener skips its own: the
process has announced that work to its dispatcher and its waiting claims already. A
listener thread waits on its connection's socket (and on a pipe, so `stop` returns at
once) and calls every subscriber when notifications arrive. Notifications are a hint, not
a queue: one lost while reconnecting costs only a poll interval, and after each
(re)connection the subscribers are called once in case work arrived meanwhile.

A lost connection (the server restarted, the backend was terminated) is logged once;
the thread tries again every second, quietly, and logs when it listens again. Meanwhile
the dispatchers and claim waits go on polling (at most a second apart), so wake-ups are
late, never lost.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable

import psycopg

CHANNEL = "perdure_work"
_RECONNECT_SECONDS = 1.0

log = logging.getLogger("perdure.store")


class WakeupListener:
    def __init__(self, conninfo: str, ignore: str = "") -> None:
        """`conninfo`: a connection string with keepalives on (`postgres_outage.conninfo`):
        this connection only reads, so a peer that vanished would be waited on forever.
        `ignore`: the payload of this process's own notifications, which wake nobody
        (its commits announce their work in-process)."""
        self._conninfo = conninfo
        self._ignore = ignore
        self._listeners: list[Callable[[], None]] = []
        self._stop_read, self._stop_write = os.pipe()
        self._stopped = False
        self._lost = False
        self._thread = threading.Thread(target=self._run, name="perdure-listen", daemon=True)

    def add(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        os.write(self._stop_write, b"x")
        self._thread.join(timeout=5)
        os.close(self._stop_read)
        os.close(self._stop_write)

    def _wake(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _run(self) -> None:
        while not self._stopped:
            try:
                self._listen()
            except psycopg.Error as exc:
                if self._stopped:
                    return
                if not self._lost:
                    self._lost = True
                    cause = str(exc).strip().splitlines()[0] if str(exc).strip() else exc
                    log.warning(
                        "lost the PostgreSQL wake-up connection (%s); polling until it is back",
                        cause,
                    )
                # Wait before reconnecting, but return at once if stopped meanwhile.
                select.select([self._stop_read], [], [], _RECONNECT_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            if self._lost:
                self._lost = False
                log.warning("listening for PostgreSQL wake-ups again")
            self._wake()
            while not self._stopped:
                ready, _, _ = select.select([conn.fileno(), self._stop_read], [], [])
                if self._stop_read in ready:
                    return
                heard = [n.payload for n in conn.notifies(timeout=0)]
                if any(payload != self._ignore or not payload for payload in heard):
                    self._wake()
