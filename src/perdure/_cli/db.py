"""`perdure db migrate`: create the database or bring its schema up to date.

Opening the store applies pending migrations anyway; this command does it on purpose,
before a deploy, and says what it applied."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

from perdure._cli.context import CliContext
from perdure._cli.errors import OK, CliError


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser(
        "db", parents=[common], help="database maintenance", description="Database maintenance."
    )
    sub = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser(
        "migrate", parents=[common], help="create the database or apply pending migrations"
    )
    p.add_argument("--db", help="SQLite file (default $PERDURE_DB or .perdure/perdure.db)")
    p.set_defaults(run=migrate)


def _applied(path: Path) -> set[str]:
    if not path.exists():
        return set()
    db = sqlite3.connect(path)
    try:
        return {row[0] for row in db.execute("SELECT name FROM schema_migrations")}
    except sqlite3.DatabaseError:
        return set()
    finally:
        db.close()


def migrate(ctx: CliContext) -> int:
    from perdure._store.sqlite import SqliteStore

    path = Path(ctx.args.db or ctx.settings.db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        before = _applied(path)
        store = SqliteStore(str(path), synchronous=ctx.settings.synchronous)
        store.close()
        after = _applied(path)
    except (OSError, sqlite3.Error) as exc:
        raise CliError(f"cannot migrate {path}: {exc}") from None
    applied = sorted(after - before)
    con = ctx.console
    if con.as_json:
        con.json({"Database": str(path.resolve()), "Applied": applied, "Schema": sorted(after)})
    elif applied:
        con.note(f"{path}: applied {', '.join(applied)}")
    else:
        con.note(f"{path}: up to date ({len(after)} migration(s))")
    return OK
