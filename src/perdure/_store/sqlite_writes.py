"""The statements a write of the embedded store runs, built before it takes the connection.

A commit's rows (operation and event documents encoded, timer and callback rows laid
out) are made by the caller's thread while another caller's transaction is in its
fsync, so the connection is held only to run them (`group_commit`). Each write is a list
of (statement, rows): one row is run with `execute`, several with `executemany`. The
statements' texts are constants, so the connection's statement cache prepares each
once. `prefix_number` numbers a new ARN prefix inside the transaction that needs it,
for the store's writes and for `perdure db copy`'s import alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from perdure._model.state import ExecutionRecord, Transition
from perdure._store.document_encoding import encode_event, encode_op
from perdure._store.rows import EXEC_COLUMN_COUNT, INSERT_COLUMNS, insert_values
from perdure._store.store import REPLY_TTL_MS, SavedReply
from perdure._store.stored_arns import insert_prefix, select_prefix

Write = tuple[str, Sequence[Sequence[Any]]]

NAME_TAKEN = "SELECT 1 FROM executions WHERE function_name=? AND name=?"
_INSERT_EXECUTION = (
    f"INSERT INTO executions ({INSERT_COLUMNS}) VALUES ({','.join('?' * EXEC_COLUMN_COUNT)})"
)
_INSERT_LEASED_EXECUTION = (
    f"INSERT INTO executions ({INSERT_COLUMNS}, lease_owner, lease_expires) "
    f"VALUES ({','.join('?' * (EXEC_COLUMN_COUNT + 2))})"
)
_UPSERT_OPERATION = (
    "INSERT INTO operations (execution_id, op_id, position, seq, doc) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (execution_id, op_id) DO UPDATE SET seq=excluded.seq, doc=excluded.doc"
)
_INSERT_EVENT = "INSERT INTO events (execution_id, event_id, doc) VALUES (?, ?, ?)"
_CANCEL_TIMER = "DELETE FROM timers WHERE execution_id=? AND op_id=? AND kind=?"
_SET_TIMER = (
    "INSERT INTO timers (execution_id, op_id, kind, due_ms) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (execution_id, op_id, kind) DO UPDATE SET due_ms=excluded.due_ms"
)
_INSERT_CALLBACK = (
    "INSERT INTO callbacks (callback_id, execution_id, op_id, heartbeat_s) VALUES (?, ?, ?, ?)"
)
_SAVE_REPLY = (
    "INSERT OR REPLACE INTO checkpoint_replies "
    "(execution_id, client_token, checkpoint_token, reply, created_ms) VALUES (?, ?, ?, ?, ?)"
)
_EXPIRE_REPLIES = "DELETE FROM checkpoint_replies WHERE created_ms < ?"


def insertion(rec: ExecutionRecord, arn_prefix: int, lease: tuple[str, int] | None) -> Write:
    """The new execution's row (its ARN's prefix numbered `arn_prefix`), leased when
    `lease` (owner, expires) is given."""
    if lease is None:
        return _INSERT_EXECUTION, (insert_values(rec, arn_prefix),)
    return _INSERT_LEASED_EXECUTION, ((*insert_values(rec, arn_prefix), *lease),)


def transition_writes(exec_id: str, t: Transition) -> list[Write]:
    """What `t` writes besides the execution row."""
    writes: list[Write] = []
    seq = t.record.seq
    start_ms = t.record.execution.start_timestamp
    input_payload = t.record.execution.input_payload
    if t.ops:
        positions = t.positions
        writes.append(
            (
                _UPSERT_OPERATION,
                [
                    (
                        exec_id,
                        op_id,
                        positions.get(op_id, 0),
                        seq,
                        encode_op(op, start_ms, input_payload),
                    )
                    for op_id, op in t.ops.items()
                ],
            )
        )
    if t.events:
        writes.append(
            (
                _INSERT_EVENT,
                [(exec_id, ev.event_id, encode_event(ev, exec_id, start_ms)) for ev in t.events],
            )
        )
    if t.timers_cancelled:
        writes.append(
            (
                _CANCEL_TIMER,
                [(exec_id, op_id, kind.value) for op_id, kind in t.timers_cancelled],
            )
        )
    if t.timers_set:
        writes.append(
            (_SET_TIMER, [(exec_id, tm.op_id, tm.kind.value, tm.due_ms) for tm in t.timers_set])
        )
    if t.callbacks:
        writes.append(
            (
                _INSERT_CALLBACK,
                [(cid, exec_id, op_id, hb) for cid, (op_id, hb) in t.callbacks.items()],
            )
        )
    return writes


def reply_writes(exec_id: str, reply: SavedReply) -> list[Write]:
    """Save a checkpoint's reply and drop those older than REPLY_TTL_MS."""
    row = (exec_id, reply.client_token, reply.checkpoint_token, reply.reply, reply.created_ms)
    return [(_SAVE_REPLY, (row,)), (_EXPIRE_REPLIES, ((reply.created_ms - REPLY_TTL_MS,),))]


def run_writes(db: sqlite3.Connection, writes: Sequence[Write]) -> None:
    for statement, rows in writes:
        if len(rows) == 1:
            db.execute(statement, rows[0])
        else:
            db.executemany(statement, rows)


def prefix_number(db: sqlite3.Connection, prefix: str) -> int:
    """The number of an ARN prefix in `arn_prefixes`, added in `db`'s transaction if new."""
    db.execute(insert_prefix("?"), (prefix,))
    return int(db.execute(select_prefix("?"), (prefix,)).fetchone()[0])
