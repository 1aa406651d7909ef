"""Exporting and importing executions row for row, shared by every backend.

`perdure db copy` moves an installation between databases, SQLite and PostgreSQL in
either direction, by reading each execution's rows from one store and inserting them
unchanged into the other: both hold the same logical schema, so a row read from one is
a row the other accepts. The statements here differ between the backends only in their
placeholder and in how a list of ids is matched, which the callers pass in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from perdure._store.rows import EXEC_COLUMNS
from perdure._store.store import (
    EXECUTION_TABLES,
    FUNCTION_CONFIGS,
    CopyConflictError,
    ExecutionRows,
)
from perdure._store.stored_arns import arn_prefix, arn_sql

# The tables keyed by an execution's id: each exported column after `execution_id`, and
# the columns that order an execution's rows the same way on every backend.
CHILD_COLUMNS: dict[str, tuple[str, ...]] = {
    "operations": ("op_id", "position", "seq", "doc"),
    "events": ("event_id", "doc"),
    "timers": ("op_id", "kind", "due_ms"),
    "callbacks": ("callback_id", "op_id", "heartbeat_s"),
    "checkpoint_replies": ("client_token", "checkpoint_token", "reply", "created_ms"),
}
_CHILD_ORDER: dict[str, str] = {
    "operations": "position, op_id",
    "events": "event_id",
    "timers": "op_id, kind",
    "callbacks": "callback_id",
    "checkpoint_replies": "client_token, checkpoint_token",
}

COUNT_TABLES = (*EXECUTION_TABLES, FUNCTION_CONFIGS)
SUM_OF_VERSIONS = "SELECT COALESCE(SUM(row_version), 0) FROM executions"


def select_executions(mark: str) -> str:
    """Executions after an id, in id order: `mark` is the backend's placeholder."""
    return f"SELECT {EXEC_COLUMNS} FROM executions WHERE id > {mark} ORDER BY id LIMIT {mark}"


def select_children(table: str, ids_match: str) -> str:
    """The rows of `table` of some executions; `ids_match` is the backend's test of
    `execution_id` against the list of ids (`IN (?, ?)`, `= ANY(%s)`)."""
    columns = ", ".join(CHILD_COLUMNS[table])
    return (
        f"SELECT execution_id, {columns} FROM {table} WHERE execution_id {ids_match} "
        f"ORDER BY execution_id, {_CHILD_ORDER[table]}"
    )


def select_collisions(ids_match: str, names_match: str) -> str:
    """Executions a batch could collide with: same id or name (the function is checked
    by `admit`). An ARN ends with its execution's id, so the same ARN is the same id."""
    return (
        f"SELECT id, {arn_sql('executions')}, function_name, name FROM executions "
        f"WHERE id {ids_match} OR name {names_match}"
    )


def stored_rows(
    admitted: Sequence[ExecutionRows], number: Callable[[str], int]
) -> list[tuple[Any, ...]]:
    """The values of `rows.INSERT_COLUMNS` for exported executions: each ARN gives way
    to the number of its prefix, `number(prefix)`, which the destination assigns in the
    importing transaction. A row whose ARN the destination could not derive again is
    refused."""
    out = []
    for rows in admitted:
        exec_id, arn, function_name, name, version = rows.execution[:5]
        try:
            prefix = arn_prefix(arn, function_name, version, name, exec_id)
        except ValueError as exc:
            raise CopyConflictError(str(exc)) from None
        out.append((exec_id, number(prefix), *rows.execution[2:]))
    return out


def insert_child(table: str, mark: str) -> str:
    columns = ("execution_id", *CHILD_COLUMNS[table])
    marks = ", ".join([mark] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def upsert_function_config(mark: str) -> str:
    """Insert a function config; an existing one is replaced only by a later one."""
    return (
        "INSERT INTO function_configs "
        "(function_name, execution_timeout, retention_days, updated_ms) "
        f"VALUES ({mark}, {mark}, {mark}, {mark}) ON CONFLICT (function_name) DO UPDATE SET "
        "execution_timeout=excluded.execution_timeout, "
        "retention_days=excluded.retention_days, updated_ms=excluded.updated_ms "
        "WHERE function_configs.updated_ms < excluded.updated_ms"
    )


def bundle(
    executions: Sequence[Sequence[Any]], children: Mapping[str, Iterable[Sequence[Any]]]
) -> list[ExecutionRows]:
    """ExecutionRows from rows of `select_executions` and, per table, of
    `select_children` (execution id first)."""
    grouped: dict[str, dict[str, list[tuple[Any, ...]]]] = {
        table: defaultdict(list) for table in CHILD_COLUMNS
    }
    for table, rows in children.items():
        for row in rows:
            grouped[table][str(row[0])].append(tuple(row[1:]))
    bundled = []
    for row in executions:
        exec_id = str(row[0])
        parts = {table: tuple(grouped[table].get(exec_id, ())) for table in CHILD_COLUMNS}
        bundled.append(ExecutionRows(execution=tuple(row), **parts))
    return bundled


def child_rows(batch: Sequence[ExecutionRows], table: str) -> list[tuple[Any, ...]]:
    """The rows of `table` for `insert_child`, execution id first."""
    return [(rows.execution_id, *row) for rows in batch for row in getattr(rows, table)]


def admit(
    batch: Sequence[ExecutionRows],
    existing: Iterable[Sequence[Any]],
    *,
    skip_existing: bool,
) -> list[ExecutionRows]:
    """The executions of `batch` to insert, given the rows of `select_collisions`.
    The same execution (same id) already present is skipped or refused as asked; a
    different one holding the function and name is always refused, since inserting
    would break the uniqueness the service relies on (a different one cannot hold the
    ARN: an ARN ends with its execution's id)."""
    ids: set[str] = set()
    owners: dict[tuple[str, ...], str] = {}
    for exec_id, _arn, function_name, name in existing:
        ids.add(str(exec_id))
        owners[(str(function_name), str(name))] = str(exec_id)
    admitted = []
    for rows in batch:
        exec_id, arn, function_name, name = (str(v) for v in rows.execution[:4])
        if exec_id in ids:
            if skip_existing:
                continue
            raise CopyConflictError(f"execution {arn} is already in the destination database")
        other = owners.get((function_name, name))
        if other is not None:
            raise CopyConflictError(
                f"the destination database holds a different execution (id {other}) with "
                f"the name {name!r} of function {function_name!r} of {arn}"
            )
        admitted.append(rows)
    return admitted
