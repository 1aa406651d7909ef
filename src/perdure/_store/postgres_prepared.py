"""Server-side prepared statements for the PostgreSQL store's writes.

A checkpoint's commit is a handful of statements sent as one simple query
(`postgres_script`). PostgreSQL parses and plans each statement of a simple query anew,
which costs about as much as the commit's WAL flush. So the statements a store sends
over and over (the guarded UPDATE, the operation, event and timer rows) are prepared
once per connection with `PREPARE`, and the commit sends `EXECUTE name(values)` in their
place: still one simple query, one implicit transaction, one round trip, with neither
parsing nor planning. This measured about 0.1-0.2 ms less per commit (docs/performance.md).

Only statements of a bounded size are prepared, and only so many per connection, so a
checkpoint with an unusual number of rows (a large map's batch) is sent as plain text
instead of filling the server's memory with one-off plans. Prepared statements live in
the session, so a pooler in transaction mode (which hands each transaction to any
server connection) loses them: the first `EXECUTE` that finds its statement missing
turns preparing off for the store, with one warning, and the commit is sent again as
plain text (the failed one was rolled back whole).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections.abc import Sequence

import psycopg
from psycopg.rows import TupleRow

Connection = psycopg.Connection[TupleRow]

log = logging.getLogger("perdure.store")

# A statement with more parameters than this is a one-off shape (many rows).
MAX_PARAMETERS = 64
# The most statements prepared on one connection.
MAX_PER_CONNECTION = 64


class PreparedStatements:
    """Which statements are prepared on which connection, and the SQL that uses them."""

    def __init__(self) -> None:
        self.enabled = True
        self._names: dict[str, str] = {}
        self._prepared: weakref.WeakKeyDictionary[Connection, set[str]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def sql(self, conn: Connection, statements: Sequence[tuple[str, int]]) -> bytes:
        """The statements (text with `%s` placeholders, and their parameter counts) as
        one simple query, each worth preparing as an `EXECUTE` of its prepared form
        (prepared on `conn` first if it is not yet)."""
        if not self.enabled:
            return "; ".join(text for text, _ in statements).encode()
        with self._lock:
            ready = self._prepared.setdefault(conn, set())
        parts: list[str] = []
        missing: list[tuple[str, str]] = []
        for text, params in statements:
            if params == 0 or params > MAX_PARAMETERS:
                parts.append(text)
                continue
            name = self._name(text)
            if name not in ready:
                if len(ready) + len(missing) >= MAX_PER_CONNECTION:
                    parts.append(text)
                    continue
                missing.append((name, text))
            parts.append(f"EXECUTE {name}({', '.join(['%s'] * params)})")
        if missing:
            self._prepare(conn, missing, ready)
        return "; ".join(parts).encode()

    def lost(self, exc: psycopg.errors.InvalidSqlStatementName) -> None:
        """A prepared statement was missing where this store had prepared it: the
        session is not ours alone (a pooler in transaction mode). Stop preparing."""
        if self.enabled:
            self.enabled = False
            log.warning(
                "PostgreSQL lost a prepared statement (%s); is a pooler in transaction "
                "mode in between? Sending statements as plain text from now on "
                "(use session pooling to keep them prepared)",
                str(exc).strip().splitlines()[0],
            )

    def _name(self, text: str) -> str:
        name = self._names.get(text)
        if name is None:
            digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
            name = self._names[text] = f"perdure_{digest}"
        return name

    @staticmethod
    def _prepare(conn: Connection, missing: list[tuple[str, str]], ready: set[str]) -> None:
        """PREPARE each of `missing` on `conn`, all in one round trip."""
        script = "; ".join(f"PREPARE {name} AS {_numbered(text)}" for name, text in missing)
        try:
            conn.execute(script.encode())
        except psycopg.errors.DuplicatePreparedStatement:
            # Prepared already (a PREPARE is not undone by a failed transaction): the
            # ones before it are too. Prepare one at a time to find out the rest.
            for name, text in missing:
                try:
                    conn.execute(f"PREPARE {name} AS {_numbered(text)}".encode())
                except psycopg.errors.DuplicatePreparedStatement:
                    pass
        ready.update(name for name, _ in missing)


def _numbered(text: str) -> str:
    """`%s` placeholders as PostgreSQL's `$1, $2, ...`."""
    pieces = text.split("%s")
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:], start=1):
        out.append(f"${i}{piece}")
    return "".join(out)
