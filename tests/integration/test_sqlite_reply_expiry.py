"""Saved checkpoint replies expire by age on SQLite through an index: each remote
checkpoint deletes the expired ones, and without the index that delete reads every reply
of the last quarter hour, so a remote step would cost more the more steps ran lately."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from perdure._store.sqlite import SqliteStore
from perdure._store.sqlite_writes import reply_writes
from perdure._store.store import SavedReply


def test_expiring_replies_searches_the_age_index_instead_of_the_table(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    SqliteStore(str(path)).close()
    [_, (expire, [args])] = reply_writes("id-a", SavedReply("client", "token", "{}", 1_000_000))
    with sqlite3.connect(path) as db:
        plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {expire}", args))
    assert "INDEX checkpoint_replies_by_age" in plan, plan
