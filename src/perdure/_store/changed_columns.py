"""Which of an execution row's columns a commit changes, so its UPDATE sets only those.

A decision may change any of the row's 17 `UPDATE_COLUMNS`, and a checkpoint typically
changes four (its sequence numbers and event count). SQLite binds every parameter of an
UPDATE, rewrites each index holding a column it sets and fires each trigger watching
one, changed or not; setting only what changed keeps the invocation queue's index and
the listing copy's trigger out of most commits.

The embedded store remembers the values it last wrote or read for each execution with
their row version. The row at that version holds exactly those values: every change to
them moves the version, and only one writer can move a row from a version to the next
(the guard `row_version = ?`). So a commit made at a remembered version sets the columns
whose values differ, and one made at any other version (another process wrote since)
sets them all, as before.
"""

from __future__ import annotations

import threading
from typing import Any

from perdure._store.rows import UPDATE_COLUMNS

_ALL = tuple(range(len(UPDATE_COLUMNS)))
_LIMIT = 4096  # executions remembered; the ones written longest ago are forgotten first


class ChangedColumns:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[int, tuple[Any, ...]]] = {}
        self._statements: dict[tuple[tuple[int, ...], bool], str] = {}

    def update(
        self, exec_id: str, version: int, values: tuple[Any, ...], lease: tuple[str, int] | None
    ) -> tuple[str, tuple[Any, ...]]:
        """The guarded UPDATE moving execution `exec_id` from `version` to `values` (and
        `lease`), and its parameters."""
        with self._lock:
            known = self._rows.get(exec_id)
        if known is not None and known[0] == version:
            old = known[1]
            changed = tuple(i for i in _ALL if values[i] != old[i])
        else:
            changed = _ALL
        key = (changed, lease is not None)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = _statement(changed, lease is not None)
        return statement, (*(values[i] for i in changed), *(lease or ()), exec_id, version)

    def remember(self, exec_id: str, version: int, values: tuple[Any, ...]) -> None:
        """Execution `exec_id`'s row is at `version` with these `UPDATE_COLUMNS` values."""
        with self._lock:
            rows = self._rows
            rows.pop(exec_id, None)
            rows[exec_id] = (version, values)
            if len(rows) > _LIMIT:
                del rows[next(iter(rows))]

    def forget(self, exec_id: str) -> None:
        with self._lock:
            self._rows.pop(exec_id, None)

    def forget_all(self) -> None:
        with self._lock:
            self._rows.clear()


def _statement(changed: tuple[int, ...], leased: bool) -> str:
    sets = [f"{UPDATE_COLUMNS[i]}=?" for i in changed]
    sets.append("row_version=row_version+1")
    if leased:
        sets.append("lease_owner=?, lease_expires=?")
    return f"UPDATE executions SET {', '.join(sets)} WHERE id=? AND row_version=?"
