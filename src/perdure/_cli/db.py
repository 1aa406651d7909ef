"""`perdure db migrate`: create the database or bring its schema up to date.

Opening the store applies pending migrations anyway; this command does it on purpose,
before a deploy, and says what it applied. It takes a SQLite file or a postgresql:// URL
(on PostgreSQL the database itself must exist; the schema is created in it)."""

from __future__ import annotations

import argparse
import sqlite3
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
    p.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL "
        "(default $PERDURE_DATABASE_URL or .perdure/perdure.db)",
    )
    p.set_defaults(run=migrate)


def migrate(ctx: CliContext) -> int:
    from perdure._app import describe_database, open_store, prepare_database

    url = ctx.args.db or ctx.settings.db
    shown = describe_database(url)
    try:
        prepare_database(url)
        store = open_store(url, synchronous=ctx.settings.synchronous)
    except (OSError, sqlite3.Error) as exc:
        raise CliError(f"cannot migrate {shown}: {exc}") from None
    try:
        applied, schema = store.applied_on_open, store.schema()
    finally:
        store.close()
    con = ctx.console
    if con.as_json:
        con.json({"Database": shown, "Applied": applied, "Schema": schema})
    elif applied:
        con.note(f"{shown}: applied {', '.join(applied)}")
    else:
        con.note(f"{shown}: up to date ({len(schema)} migration(s))")
    return OK
