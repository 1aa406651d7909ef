"""Execution ARNs as the stores keep them: derived from the row, not stored in it.

An execution ARN is `<prefix><function>:<version>/durable-execution/<name>/<id>`
(`perdure._wire.arns`), and every part after the prefix is already a column of the
execution's row. The prefix (`arn:<partition>:lambda:<region>:<account>:function:`) is
one per installation in practice, so a row names it by a small number in `arn_prefixes`
(migration 0005) instead of holding the whole ARN and a unique index on it: about 320
bytes less per execution on SQLite. Reads put the ARN together in SQL (`arn_sql`), so
every ARN a store returns is the string the execution was created with, and a lookup by
ARN goes by the id at its end (the primary key) and compares the whole ARN.
"""

from __future__ import annotations

import threading

from perdure._model import Execution

_MARKER = "/durable-execution/"


def arn_sql(table: str) -> str:
    """The SQL expression of the ARN of a row of `executions` known as `table` in the
    statement (its name or alias)."""
    return (
        f"(SELECT arn_prefixes.prefix FROM arn_prefixes WHERE arn_prefixes.id = {table}.arn_prefix)"
        f" || {table}.function_name || ':' || {table}.version || '{_MARKER}' || {table}.name"
        f" || '/' || {table}.id"
    )


def matches_arn(table: str, mark: str) -> str:
    """A condition on `executions` (as `table`) with two parameters, `arn_key(arn)`: the
    row whose ARN is the given one, found by its primary key."""
    return f"{table}.id = {mark} AND {arn_sql(table)} = {mark}"


def arn_key(arn: str) -> tuple[str, str]:
    """The parameters of `matches_arn`: the id an ARN ends with, and the ARN."""
    return arn[arn.rfind("/") + 1 :], arn


def execution_id_of(arn: str) -> str:
    """The execution id an ARN ends with (not checked: for forgetting what a store
    remembers about an execution, where a wrong id is harmless)."""
    return arn[arn.rfind("/") + 1 :]


def arn_prefix(arn: str, function_name: str, version: str, name: str, execution_id: str) -> str:
    """The part of `arn` before the function name, which is all the row keeps of it;
    a clear error when `arn` is not the ARN of an execution with these columns, since
    its ARN could then not be derived again."""
    suffix = f"{function_name}:{version}{_MARKER}{name}/{execution_id}"
    if len(arn) <= len(suffix) or not arn.endswith(suffix):
        raise ValueError(
            f"cannot store the execution ARN {arn!r}: it must end with {suffix!r} "
            "(its function name, version, name and id)"
        )
    return arn[: -len(suffix)]


def insert_prefix(mark: str) -> str:
    """Add a prefix to `arn_prefixes` unless it is there: `mark` is the placeholder."""
    return f"INSERT INTO arn_prefixes (prefix) VALUES ({mark}) ON CONFLICT (prefix) DO NOTHING"


def select_prefix(mark: str) -> str:
    return f"SELECT id FROM arn_prefixes WHERE prefix = {mark}"


class PrefixIds:
    """The number naming each ARN prefix in `arn_prefixes`, remembered once known to be
    committed: numbers are never reassigned or deleted, so one learned stays right."""

    def __init__(self) -> None:
        self._known: dict[str, int] = {}
        self._lock = threading.Lock()

    def known(self, execution: Execution) -> tuple[str, int | None]:
        """The prefix of a new execution's ARN, and its number if known."""
        ex = execution
        prefix = arn_prefix(ex.arn, ex.function_name, ex.version, ex.name, ex.execution_id)
        with self._lock:
            return prefix, self._known.get(prefix)

    def learn(self, prefix: str, number: int) -> None:
        """`prefix` is numbered `number` in a committed transaction."""
        with self._lock:
            self._known[prefix] = number
