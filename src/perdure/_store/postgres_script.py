"""A write of the PostgreSQL store as one statement: its parts as data-modifying CTEs.

A checkpoint's commit updates the execution row (guarded by its version) and writes the
operation, event, timer and callback rows. Sent as one statement it costs one round
trip and runs as one transaction, all or nothing; being one statement of a few shapes,
the driver prepares it on each connection (psycopg's `prepare_threshold`), so the server
neither parses nor plans it per commit, and its parameters travel bound, not quoted into
the text. Every part of a `WITH` runs to completion whatever the final `SELECT` reads;
the final `SELECT 1 / COUNT(*) FROM guard` fails (division by zero, so nothing is
written) when the guard changed no row: a stale version, or a name already taken.

The parts run on one snapshot in no defined order, so no two parts may touch one row:
a timer both cancelled and set by one transition is only set (the upsert replaces its
due time), which leaves the rows as deleting then inserting it would.

The insert of an execution row and `prefix_number`, which numbers a new ARN prefix in
the transaction that needs it, are here too: the store's writes and `perdure db copy`'s
import share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import TupleRow

from perdure._model.state import Transition
from perdure._store.document_encoding import encode_event, encode_op
from perdure._store.rows import EXEC_COLUMN_COUNT, INSERT_COLUMNS
from perdure._store.stored_arns import insert_prefix, select_prefix

Connection = psycopg.Connection[TupleRow]

INSERT_EXECUTION = (
    f"INSERT INTO executions ({INSERT_COLUMNS}) VALUES ({', '.join(['%s'] * EXEC_COLUMN_COUNT)})"
)
INSERT_LEASED_EXECUTION = (
    f"INSERT INTO executions ({INSERT_COLUMNS}, lease_owner, lease_expires) "
    f"VALUES ({', '.join(['%s'] * (EXEC_COLUMN_COUNT + 2))})"
)


class Script:
    """The parts of one write and their parameters (`PostgresStore._run` sends it)."""

    def __init__(self, guard: str | None = None, args: Sequence[Any] = ()) -> None:
        """`guard`: a statement with `RETURNING` whose returning no row fails the write."""
        self._guard = guard
        self._parts: list[str] = []
        self._channel: str | None = None
        self._origin = ""
        self.args: list[Any] = list(args)

    def add(self, statement: str, args: Sequence[Any] = ()) -> None:
        self._parts.append(statement)
        self.args.extend(args)

    def notify(self, channel: str, origin: str) -> None:
        """NOTIFY `channel` when (and only if) the write commits, with `origin` (the
        writing store's id: `[0-9a-f]+`) as the payload, so that its own process, which
        knows of the work already, can ignore the echo."""
        self._channel = channel
        self._origin = origin

    def sql(self) -> str:
        ctes = [f"guard AS ({self._guard})"] if self._guard is not None else []
        ctes += [f"w{i} AS ({part})" for i, part in enumerate(self._parts)]
        notify = f"pg_notify('{self._channel}', '{self._origin}')" if self._channel else None
        if self._guard is not None:
            final = f"SELECT 1 / COUNT(*){', ' + notify if notify else ''} FROM guard"
        elif len(self._parts) == 1 and notify is None:
            return self._parts[0]
        else:
            final = f"SELECT {notify or 1}"
        return f"WITH {', '.join(ctes)} {final}"

    def rows(self, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
        """`head VALUES (...), (...) tail` with one tuple of parameters per row."""
        row = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        self.add(f"{head} VALUES {', '.join([row] * len(rows))}{tail}")
        for values in rows:
            self.args.extend(values)

    def write(self, exec_id: str, t: Transition) -> None:
        """What `t` writes besides the execution row."""
        seq = t.record.seq
        start_ms = t.record.execution.start_timestamp
        input_payload = t.record.execution.input_payload
        if t.ops:
            self.rows(
                "INSERT INTO operations (execution_id, op_id, position, seq, doc)",
                [
                    (
                        exec_id,
                        op_id,
                        t.positions.get(op_id, 0),
                        seq,
                        encode_op(op, start_ms, input_payload),
                    )
                    for op_id, op in t.ops.items()
                ],
                " ON CONFLICT (execution_id, op_id) DO UPDATE SET seq=excluded.seq, "
                "doc=excluded.doc",
            )
        if t.events:
            self.rows(
                "INSERT INTO events (execution_id, event_id, doc)",
                [(exec_id, ev.event_id, encode_event(ev, exec_id, start_ms)) for ev in t.events],
            )
        # One row per timer: a statement may not upsert the same row twice.
        timers = {(tm.op_id, tm.kind): tm.due_ms for tm in t.timers_set}
        cancelled = [key for key in dict.fromkeys(t.timers_cancelled) if key not in timers]
        if cancelled:
            pairs = ", ".join(["(%s, %s)"] * len(cancelled))
            self.add(f"DELETE FROM timers WHERE execution_id=%s AND (op_id, kind) IN ({pairs})")
            self.args.append(exec_id)
            for op_id, kind in cancelled:
                self.args.extend((op_id, kind.value))
        if timers:
            self.rows(
                "INSERT INTO timers (execution_id, op_id, kind, due_ms)",
                [(exec_id, op_id, kind.value, due) for (op_id, kind), due in timers.items()],
                " ON CONFLICT (execution_id, op_id, kind) DO UPDATE SET due_ms=excluded.due_ms",
            )
        if t.callbacks:
            self.rows(
                "INSERT INTO callbacks (callback_id, execution_id, op_id, heartbeat_s)",
                [(cid, exec_id, op_id, hb) for cid, (op_id, hb) in t.callbacks.items()],
            )


def prefix_number(conn: Connection, prefix: str) -> int:
    """The number of an ARN prefix in `arn_prefixes`, added in `conn`'s transaction if
    new."""
    conn.execute(insert_prefix("%s"), (prefix,))
    row = conn.execute(select_prefix("%s"), (prefix,)).fetchone()
    assert row is not None  # just inserted, or there before
    return int(row[0])
