"""`perdure db migrate`: create the database or bring its schema up to date.
`perdure db copy SRC DST`: move an installation to another database.

Opening the store applies pending migrations anyway; `migrate` does it on purpose,
before a deploy, and says what it applied. It takes a SQLite file or a postgresql:// URL
(on PostgreSQL the database itself must exist; the schema is created in it).

`copy` moves every execution, in flight or ended, from one database to another (SQLite
to PostgreSQL when one machine is no longer enough, or back, or between two PostgreSQL
databases); see `perdure._store.database_copy` for what is copied and why it is safe."""

from __future__ import annotations

import argparse
from typing import Any

from perdure._cli.context import CliContext
from perdure._cli.errors import OK, CliError, UsageError
from perdure._clock import monotonic
from perdure._store.database_copy import MAX_BATCH, CopyError, CopyReport
from perdure._store.store import CopyConflictError

COPY_DESCRIPTION = """\
Copy every execution from SRC to DST with all its state (operations, history, timers,
callbacks, saved checkpoint replies) and every function config. Executions in flight
carry on in DST: waits fire, callbacks can be completed, queued invocations run, and an
invocation that was cut off is retried. SRC and DST are each a SQLite file or a
postgresql:// URL, in any combination; both are brought to the current schema first.

Stop every server, worker and dev process that uses SRC before copying: the copy is
correct only while nothing writes to SRC. It refuses to start while an invocation runs
under a live lease, and it fails if SRC changed meanwhile. DST must hold no executions,
unless --merge. Each batch is one transaction; the counts of every table are checked at
the end. Then point your servers at DST (--db or PERDURE_DATABASE_URL)."""


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
    p = sub.add_parser(
        "copy",
        parents=[common],
        help="copy every execution to another database (SQLite <-> PostgreSQL)",
        description=COPY_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("src", metavar="SRC", help="the database to copy from (file or URL)")
    p.add_argument(
        "dst",
        metavar="DST",
        help="the database to copy to (a SQLite file is created; a PostgreSQL database "
        "must exist, as for db migrate)",
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="DST may hold executions already: those are left untouched and skipped "
        "(to finish an interrupted copy)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=200,
        metavar="N",
        help=f"executions per transaction (1 to {MAX_BATCH}, default 200)",
    )
    p.set_defaults(run=copy)


def migrate(ctx: CliContext) -> int:
    from perdure._app import DATABASE_ERRORS, describe_database, migrate_database

    url = ctx.args.db or ctx.settings.db
    shown = describe_database(url)
    try:
        done = migrate_database(url, synchronous=ctx.settings.synchronous)
    except DATABASE_ERRORS as exc:
        raise CliError(f"cannot migrate {shown}: {exc}") from None
    applied, schema = done.applied, done.schema
    con = ctx.console
    if con.as_json:
        con.json({"Database": shown, "Applied": applied, "Schema": schema})
    elif applied:
        con.note(f"{shown}: applied {', '.join(applied)}")
    else:
        con.note(f"{shown}: up to date ({len(schema)} migration(s))")
    return OK


PROGRESS_EVERY_S = 5.0


def copy(ctx: CliContext) -> int:
    from perdure._app import DATABASE_ERRORS, copy_between, describe_database

    src, dst = ctx.args.src, ctx.args.dst
    if not 1 <= ctx.args.batch_size <= MAX_BATCH:
        raise UsageError(
            f"--batch-size must be between 1 and {MAX_BATCH}, got {ctx.args.batch_size}"
        )
    shown_src, shown_dst = describe_database(src), describe_database(dst)
    con = ctx.console
    last = [monotonic()]

    def progress(done: int, total: int) -> None:
        if monotonic() - last[0] >= PROGRESS_EVERY_S:
            last[0] = monotonic()
            con.note(f"copied {done} of {total} execution(s)...")

    try:
        report = copy_between(
            src, dst, merge=ctx.args.merge, batch_size=ctx.args.batch_size, progress=progress
        )
    except (CopyError, CopyConflictError) as exc:
        raise CliError(f"cannot copy {shown_src} to {shown_dst}: {exc}") from None
    except DATABASE_ERRORS as exc:
        raise CliError(f"cannot copy {shown_src} to {shown_dst}: {exc}") from None
    if con.as_json:
        con.json(
            {
                "Source": shown_src,
                "Destination": shown_dst,
                "Copied": report.copied,
                "Skipped": report.skipped,
                "Rows": report.rows,
                "FunctionConfigs": report.function_configs,
                "InterruptedInvocations": report.interrupted,
                "Verified": True,
                "Seconds": round(report.seconds, 3),
            }
        )
        return OK
    _summarise(ctx, report, shown_src, shown_dst)
    return OK


def _summarise(ctx: CliContext, report: CopyReport, src: str, dst: str) -> None:
    con = ctx.console
    skipped = f" ({report.skipped} already there, skipped)" if report.skipped else ""
    con.print(f"copied {report.copied} execution(s){skipped} from {src} to {dst}")
    rows = report.rows
    con.print(
        f"  {rows['operations']} operations, {rows['events']} history events, "
        f"{rows['timers']} timers, {rows['callbacks']} callbacks, "
        f"{rows['checkpoint_replies']} saved checkpoint replies, "
        f"{report.function_configs} function configs"
    )
    con.print(f"  row counts verified; {report.seconds:.1f} s in all")
    if report.interrupted:
        con.print(
            f"  {report.interrupted} invocation(s) had been cut off; the destination's "
            "servers record them as failed and retry them"
        )
    con.note(f"next: run your servers on {dst} (--db or PERDURE_DATABASE_URL)")
