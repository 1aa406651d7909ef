"""What a database holds, in bytes: shared by `benchmarks/short_executions.py` and its
DBOS counterpart `benchmarks/dbos_short.py`, so both sides are measured alike.

Only the standard library and psycopg: it runs in Perdure's environment and in the
benchmark-only DBOS one.
"""

from __future__ import annotations

import sqlite3

import psycopg


def stored_bytes(db: str) -> dict[str, int]:
    """Bytes in the database `db` (a SQLite path, `sqlite:///PATH`, or a PostgreSQL URL)
    now, in two measures, since neither alone says what an execution costs at rest:

    - `payload`: the bytes of every row and index entry. SQLite: dbstat's `payload`
      (records with their headers, in tables and indexes, without page overhead or free
      space). PostgreSQL: `pg_column_size` of each row of each user table (tuple headers
      included, indexes not counted).
    - `allocated`: the pages they take. SQLite: dbstat's page sizes (the WAL's content
      included, as a reader sees it); PostgreSQL: `pg_total_relation_size` (indexes and
      TOAST included, in 8 KiB pages)."""
    if db.startswith(("postgresql://", "postgres://")):
        return _postgres_bytes(db)
    path = db.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT SUM(payload), SUM(pgsize) FROM dbstat").fetchone()
    finally:
        conn.close()
    return {"payload": int(row[0]), "allocated": int(row[1])}


def _postgres_bytes(url: str) -> dict[str, int]:
    payload = allocated = 0
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for (table,) in tables:
            row = conn.execute(
                f"SELECT COALESCE(SUM(pg_column_size(t.*)), 0), "
                f"pg_total_relation_size('{table}') FROM {table} t"
            ).fetchone()
            assert row is not None
            payload += int(row[0])
            allocated += int(row[1])
    return {"payload": payload, "allocated": allocated}
