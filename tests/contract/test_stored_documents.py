"""History events and operation documents at rest: compact, and the earlier JSON
encoding still read, on every backend (`perdure._store.document_encoding`)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from perdure import DurableContext, durable_execution
from perdure._app import build_embedded
from perdure._model import (
    CallbackDetails,
    ChainedInvokeDetails,
    ContextDetails,
    ErrorObject,
    Event,
    EventType,
    ExecutionDetails,
    ExecutionStatus,
    Operation,
    OperationStatus,
    OperationType,
    StepDetails,
    WaitDetails,
)
from perdure._service import queries, start
from perdure._store.document_encoding import decode_event, decode_op, encode_event, encode_op
from perdure._store.postgres import PostgresStore
from perdure._store.sqlite import SqliteStore
from perdure._store.store import Store
from perdure._wire.events import event_from_json, event_to_json
from perdure._wire.operations import operation_from_json, operation_to_json
from tests.contract import test_store_contract as contract
from tests.contract.test_store_contract import NOW, suspend_on_a_wait_and_a_callback

# The contract's fixtures: a store of each backend.
open_store = contract.open_store
store = contract.store

_encode = json.JSONEncoder(separators=(",", ":")).encode


@contextmanager
def raw_database(backend: Store) -> Iterator[tuple[Any, str]]:
    """A connection of the store's own database, beside the store, and its placeholder."""
    if isinstance(backend, SqliteStore):
        db = sqlite3.connect(backend.path, isolation_level=None)
        try:
            yield db, "?"
        finally:
            db.close()
    else:
        assert isinstance(backend, PostgresStore)
        with psycopg.connect(backend.url, autocommit=True) as conn:
            yield conn, "%s"


def test_rows_written_in_the_earlier_json_encoding_still_read_the_same(store: Store) -> None:
    state = suspend_on_a_wait_and_a_callback(store, "a")
    arn = state.record.execution.arn
    exec_id = state.record.execution.execution_id
    history = store.events(arn, 0, 100, False)
    loaded = store.load(arn)
    assert loaded is not None and len(history) >= 5
    with raw_database(store) as (db, mark):
        for ev in history:
            db.execute(
                f"UPDATE events SET doc={mark} WHERE execution_id={mark} AND event_id={mark}",
                (_encode(event_to_json(ev, time_unit="ms")), exec_id, ev.event_id),
            )
        for op in loaded[1].ops.values():
            db.execute(
                f"UPDATE operations SET doc={mark} WHERE execution_id={mark} AND op_id={mark}",
                (_encode(operation_to_json(op, time_unit="ms")), exec_id, op.operation_id),
            )
        docs = [row[0] for row in db.execute("SELECT doc FROM events").fetchall()]
    assert docs and all(doc.startswith("{") for doc in docs)
    assert store.events(arn, 0, 100, False) == history
    assert store.events(arn, 0, 100, True) == history[::-1]
    reloaded = store.load(arn)
    assert reloaded is not None
    assert reloaded[1].ops == loaded[1].ops
    assert list(reloaded[1].ops) == list(loaded[1].ops)


def test_stored_history_is_compact_and_reads_back_as_written(store: Store) -> None:
    state = suspend_on_a_wait_and_a_callback(store, "a")
    arn = state.record.execution.arn
    with raw_database(store) as (db, _):
        docs = [row[0] for row in db.execute("SELECT doc FROM events").fetchall()]
    assert docs and all(doc.startswith("[") for doc in docs)
    assert not any('"EventType"' in doc or str(NOW) in doc for doc in docs)
    history = store.events(arn, 0, 100, False)
    assert history[0].event_type is EventType.EXECUTION_STARTED
    assert history[0].timestamp == NOW
    assert history[0].operation_id == state.record.execution.execution_id


def _as_before(ev: Event) -> Event:
    """What the earlier encoding gave back for `ev`."""
    return event_from_json(json.loads(_encode(event_to_json(ev, time_unit="ms"))), time_unit="ms")


@pytest.mark.parametrize(
    "event",
    [
        Event(
            1,
            EventType.EXECUTION_STARTED,
            NOW,
            {"Input": {"Truncated": False, "Payload": "{}"}, "ExecutionTimeout": 60},
            "id-x",
            "id-x",
        ),
        Event(
            2,
            EventType.STEP_FAILED,
            NOW + 5,
            {
                "Error": {"Payload": {"ErrorType": "E"}, "Truncated": False},
                "RetryDetails": {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 3},
            },
            "op",
            "",
            "parent",
            "Step",
        ),
        Event(
            3,
            EventType.STEP_SUCCEEDED,
            NOW - 10,
            {"Result": {"Truncated": True}},
            "op",
            None,
            None,
            "Step",
        ),
        Event(
            4,
            EventType.WAIT_STARTED,
            NOW + 7,
            {"Duration": 5, "ScheduledEndTimestamp": NOW + 5_007},
            "w",
            "w",
        ),
        Event(
            5,
            EventType.INVOCATION_COMPLETED,
            NOW + 9,
            {
                "StartTimestamp": NOW,
                "EndTimestamp": NOW + 9,
                "Error": {"Truncated": False, "Payload": "x"},
                "RequestId": "r",
            },
            "ignored",
            "ignored",
        ),
        Event(
            6,
            EventType.EXECUTION_SUCCEEDED,
            NOW + 9,
            {"Result": {"Payload": "1", "Truncated": False}},
        ),
        Event(
            7,
            EventType.CALLBACK_SUCCEEDED,
            NOW,
            {"Result": "not an object", "When": True},
            "id-x",
            "id-x",
        ),
        Event(8, EventType.EXECUTION_RESUMED, NOW, {}, None, None, None, None),
    ],
    ids=lambda ev: f"{ev.event_id}-{ev.event_type.value}",
)
def test_every_event_shape_reads_back_as_the_earlier_encoding_read_it(event: Event) -> None:
    doc = encode_event(event, "id-x", NOW)
    decoded = decode_event(doc, event.event_id, "id-x", NOW)
    assert decoded == _as_before(event)
    assert event_to_json(decoded) == event_to_json(event)
    assert json.dumps(event_to_json(decoded)) == json.dumps(event_to_json(_as_before(event)))


@durable_execution
def one_step(event: object, context: DurableContext) -> int:
    return context.step(lambda _: 1, name="only")


def stored_bytes(path: Path) -> int:
    """Bytes of every row and index entry of the executions' tables (SQLite's dbstat)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT name, SUM(payload) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        pytest.skip("this SQLite is built without the dbstat table")
    finally:
        db.close()
    schema = {"sqlite_schema", "schema_migrations", "sqlite_autoindex_schema_migrations_1"}
    return sum(int(size) for name, size in rows if name not in schema)


def test_a_one_step_execution_is_stored_in_under_2_kb(tmp_path: Path) -> None:
    """Rows and index entries: 3,140 bytes with every document in the API's JSON shape
    and the ARN in the listing copy, 1,920 since."""
    path = tmp_path / "size.db"
    app = build_embedded(str(path), {"one": one_step})
    executions = 40
    try:
        for _ in range(executions):
            arn = start.start_execution(app.ctx, "one", '{"k": 1}').arn
            deadline = time.monotonic() + 10
            while queries.get_execution(app.ctx, arn).status is ExecutionStatus.RUNNING:
                assert time.monotonic() < deadline
                time.sleep(0.002)
            assert queries.get_execution(app.ctx, arn).status is ExecutionStatus.SUCCEEDED
    finally:
        app.close()
    per_execution = stored_bytes(path) / executions
    assert per_execution <= 2_000, per_execution


@pytest.mark.parametrize(
    "op",
    [
        Operation(
            "id-x",
            OperationType.EXECUTION,
            OperationStatus.STARTED,
            NOW,
            name="id-x",
            execution_details=ExecutionDetails('{"n": 1}'),
        ),
        Operation(
            "s",
            OperationType.STEP,
            OperationStatus.SUCCEEDED,
            NOW + 3,
            name="s",
            sub_type="Step",
            end_timestamp=NOW + 3,
            step_details=StepDetails(2, NOW + 9, "1", ErrorObject("m", "T", None, ["a"])),
        ),
        Operation(
            "w",
            OperationType.WAIT,
            OperationStatus.STARTED,
            NOW - 1,
            parent_id="p",
            name="",
            sub_type="",
            wait_details=WaitDetails(NOW + 60_000),
        ),
        Operation(
            "c",
            OperationType.CALLBACK,
            OperationStatus.PENDING,
            NOW,
            callback_details=CallbackDetails("cb-1"),
        ),
        Operation(
            "x",
            OperationType.CONTEXT,
            OperationStatus.FAILED,
            NOW,
            end_timestamp=NOW,
            context_details=ContextDetails(True, None, ErrorObject()),
        ),
        Operation(
            "i",
            OperationType.CHAINED_INVOKE,
            OperationStatus.TIMED_OUT,
            NOW,
            name="1",
            chained_invoke_details=ChainedInvokeDetails("r"),
        ),
    ],
    ids=lambda op: op.operation_type.value,
)
def test_every_operation_shape_reads_back_as_the_earlier_encoding_read_it(op: Operation) -> None:
    before = operation_from_json(
        json.loads(_encode(operation_to_json(op, time_unit="ms"))), time_unit="ms"
    )
    for given in ('{"n": 1}', None, "other"):
        doc = encode_op(op, NOW, given)
        assert doc.startswith("[") and '"Id"' not in doc
        assert decode_op(doc, op.operation_id, NOW, given) == before
    if op.execution_details is not None:
        assert "InputPayload" not in encode_op(op, NOW, '{"n": 1}')
