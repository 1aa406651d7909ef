"""A commit's statements collected into one simple query for the PostgreSQL store.

PostgreSQL runs the statements of one simple query as one implicit transaction: all or
nothing, in one round trip, which is what a checkpoint costs on this backend. Rows are
written with multi-row VALUES, in the order the SQLite store writes them (timers are
cancelled before they are set, so a timer reset deletes then inserts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perdure._model.state import Transition
from perdure._store.rows import dump_event, dump_op


class Script:
    """Statements and their parameters, collected to be sent together (`PostgresStore._run`)."""

    def __init__(self) -> None:
        self._statements: list[str] = []
        self.args: list[Any] = []

    def add(self, statement: str, args: Sequence[Any] = ()) -> None:
        self._statements.append(statement)
        self.args.extend(args)

    def sql(self) -> bytes:
        return "; ".join(self._statements).encode()

    @property
    def statements(self) -> list[tuple[str, int]]:
        """Each statement's text and its number of `%s` placeholders (for preparing)."""
        return [(text, text.count("%s")) for text in self._statements]

    def rows(self, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
        """`head VALUES (...), (...) tail` with one tuple of parameters per row."""
        row = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        self.add(f"{head} VALUES {', '.join([row] * len(rows))}{tail}")
        for values in rows:
            self.args.extend(values)

    def write(self, exec_id: str, t: Transition) -> None:
        """What `t` writes besides the execution row, in the order SQLite writes it."""
        seq = t.record.seq
        if t.ops:
            self.rows(
                "INSERT INTO operations (execution_id, op_id, position, seq, doc)",
                [
                    (exec_id, op_id, t.positions.get(op_id, 0), seq, dump_op(op))
                    for op_id, op in t.ops.items()
                ],
                " ON CONFLICT (execution_id, op_id) DO UPDATE SET seq=excluded.seq, "
                "doc=excluded.doc",
            )
        if t.events:
            self.rows(
                "INSERT INTO events (execution_id, event_id, doc)",
                [(exec_id, ev.event_id, dump_event(ev)) for ev in t.events],
            )
        if t.timers_cancelled:
            pairs = ", ".join(["(%s, %s)"] * len(t.timers_cancelled))
            self.add(f"DELETE FROM timers WHERE execution_id=%s AND (op_id, kind) IN ({pairs})")
            self.args.append(exec_id)
            for op_id, kind in t.timers_cancelled:
                self.args.extend((op_id, kind.value))
        if t.timers_set:
            # One row per timer: a statement may not upsert the same row twice.
            latest = {(tm.op_id, tm.kind): tm.due_ms for tm in t.timers_set}
            self.rows(
                "INSERT INTO timers (execution_id, op_id, kind, due_ms)",
                [(exec_id, op_id, kind.value, due) for (op_id, kind), due in latest.items()],
                " ON CONFLICT (execution_id, op_id, kind) DO UPDATE SET due_ms=excluded.due_ms",
            )
        if t.callbacks:
            self.rows(
                "INSERT INTO callbacks (callback_id, execution_id, op_id, heartbeat_s)",
                [(cid, exec_id, op_id, hb) for cid, (op_id, hb) in t.callbacks.items()],
            )
