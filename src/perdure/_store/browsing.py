"""The statements that browse every execution (the dashboard's list), shared by the
backends: they differ only in their placeholder, which the callers pass in.

They read `execution_list`, the narrow copy of each execution's row that migration 0003
keeps by triggers (no payloads, so counting and scanning stay cheap). Pages are read by
key, newest first: `(start_ms, id)` is unique, and the copy's indexes lead with it
(alone, after `status`, after `function_name`, after both), so a page costs the rows it
shows however deep into 100,000 executions it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perdure._model import ExecutionStatus
from perdure._store.rows import EXEC_COLUMNS
from perdure._store.store import ExecutionFilter, ExecutionQuery, ExecutionSummary, PageKey
from perdure._store.stored_arns import arn_sql

# The copy holds no ARN (migration 0004): each row's is derived from its row of
# `executions` (`stored_arns`), found by id.
SUMMARY_COLUMNS = (
    f"(SELECT {arn_sql('x')} FROM executions x WHERE x.id = execution_list.id), "
    "id, function_name, name, status, start_ms, end_ms"
)
# The last code point: a prefix followed by it sorts after every name with the prefix.
_AFTER_EVERY_CHARACTER = "\U0010ffff"


def _conditions(where: ExecutionFilter, mark: str) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if where.function_name is not None:
        clauses.append(f"function_name = {mark}")
        args.append(where.function_name)
    if where.name_prefix:
        # A range of the bytewise order (both backends compare names so), which the
        # index on name reads directly. Not LIKE: it would take '%' and '_' in the
        # prefix as patterns, and SQLite's LIKE ignores case where PostgreSQL's does not.
        clauses.append(f"name >= {mark} AND name < {mark}")
        args.extend([where.name_prefix, where.name_prefix + _AFTER_EVERY_CHARACTER])
    if where.statuses:
        clauses.append(f"status IN ({', '.join([mark] * len(where.statuses))})")
        args.extend(ExecutionStatus(s).value for s in where.statuses)
    if where.started_after is not None:
        clauses.append(f"start_ms >= {mark}")
        args.append(where.started_after)
    if where.started_before is not None:
        clauses.append(f"start_ms <= {mark}")
        args.append(where.started_before)
    return clauses, args


def select_page(
    where: ExecutionFilter,
    mark: str,
    *,
    older_than: PageKey | None,
    newer_than: PageKey | None,
    limit: int,
) -> tuple[str, list[Any], bool]:
    """(statement, arguments, reversed): when `reversed`, the rows come oldest first
    (the page just newer than a key is the nearest rows above it) and the caller
    turns them around."""
    clauses, args = _conditions(where, mark)
    ascending = newer_than is not None and older_than is None
    if older_than is not None:
        clauses.append(f"(start_ms, id) < ({mark}, {mark})")
        args.extend([older_than.start_ms, older_than.execution_id])
    if newer_than is not None:
        clauses.append(f"(start_ms, id) > ({mark}, {mark})")
        args.extend([newer_than.start_ms, newer_than.execution_id])
    order = "ASC" if ascending else "DESC"
    where_sql = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    sql = (
        f"SELECT {SUMMARY_COLUMNS} FROM execution_list {where_sql}"
        f"ORDER BY start_ms {order}, id {order} LIMIT {mark}"
    )
    args.append(limit)
    return sql, args, ascending


def count_statuses(where: ExecutionFilter, mark: str) -> tuple[str, list[Any]]:
    clauses, args = _conditions(where, mark)
    where_sql = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    return f"SELECT status, COUNT(*) FROM execution_list {where_sql}GROUP BY status", args


def summaries(rows: Sequence[Sequence[Any]], reverse: bool) -> list[ExecutionSummary]:
    out = [
        ExecutionSummary(
            arn=str(arn),
            execution_id=str(exec_id),
            function_name=str(function_name),
            name=str(name),
            status=ExecutionStatus(status),
            start_timestamp=int(start_ms),
            end_timestamp=None if end_ms is None else int(end_ms),
        )
        for arn, exec_id, function_name, name, status, start_ms, end_ms in rows
    ]
    if reverse:
        out.reverse()
    return out


def select_by_function(query: ExecutionQuery, mark: str) -> tuple[str, list[Any]]:
    """A page of one function's executions (ListDurableExecutionsByFunction), rows of
    `EXEC_COLUMNS`. Which executions, in which order, is read from the listing copy by
    its index on (function_name, start_ms, id), so `executions` needs no index of its
    own for it (one less to write with every execution); the version, which the copy
    does not hold, from the execution's row."""
    clauses = [f"l.function_name = {mark}"]
    args: list[Any] = [query.function_name]
    if query.name is not None:
        clauses.append(f"l.name = {mark}")
        args.append(query.name)
    if query.version is not None:
        clauses.append(f"(SELECT x.version FROM executions x WHERE x.id = l.id) = {mark}")
        args.append(query.version)
    if query.statuses:
        clauses.append(f"l.status IN ({', '.join([mark] * len(query.statuses))})")
        args.extend(s.value for s in query.statuses)
    if query.started_after is not None:
        clauses.append(f"l.start_ms >= {mark}")
        args.append(query.started_after)
    if query.started_before is not None:
        clauses.append(f"l.start_ms <= {mark}")
        args.append(query.started_before)
    order = "ASC" if query.oldest_first else "DESC"
    sql = (
        f"SELECT {EXEC_COLUMNS} FROM executions WHERE id IN (SELECT l.id FROM execution_list l "
        f"WHERE {' AND '.join(clauses)} ORDER BY l.start_ms {order}, l.id {order} "
        f"LIMIT {mark} OFFSET {mark}) ORDER BY start_ms {order}, id {order}"
    )
    args.extend([query.limit, query.offset])
    return sql, args


def select_lease_holdings(mark: str) -> str:
    """Running invocations and their lease, soonest expiry first: `invocation` and
    `limit` are the arguments."""
    return (
        f"SELECT {arn_sql('executions')}, function_name, lease_owner, lease_expires "
        "FROM executions "
        f"WHERE invocation = {mark} AND lease_owner IS NOT NULL "
        f"ORDER BY lease_expires LIMIT {mark}"
    )
