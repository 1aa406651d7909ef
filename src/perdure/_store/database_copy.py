"""Copying every execution from one database to another (`perdure db copy`).

The copy moves an installation, typically from SQLite to PostgreSQL, with executions in
flight: each execution goes over with all its rows (operations, history, timers,
callbacks, saved checkpoint replies) and without its lease, so the destination's
servers and workers pick up its work: a wait fires when due, a callback completes, a
queued invocation runs, and an invocation that was cut off is failed and retried as
after any crash. Function configs go too.

It is correct only while nothing writes to the source: the copy reads it in batches,
not in one snapshot. So it refuses a source with an invocation running under a live
lease (a worker is at it), and it compares the source's row counts and row versions
before and after, so a commit made meanwhile is reported rather than silently lost.
Each batch is written in one transaction, so an interrupted copy leaves whole
executions, and running it again with `merge` adds the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from perdure._clock import monotonic
from perdure._model.state import InvocationState
from perdure._store.rows import INSERT_COLUMNS
from perdure._store.store import (
    EXECUTION_TABLES,
    FUNCTION_CONFIGS,
    FunctionConfigRow,
    RowCounts,
    Store,
)

MAX_BATCH = 1000


class CopyError(Exception):
    """The copy was refused or could not be verified; the message says why and what
    to do."""


@dataclass
class CopyReport:
    """What a copy did: executions copied and skipped (already in the destination),
    rows written per table, invocations that had been cut off (the destination retries
    them), and how long it took."""

    copied: int = 0
    skipped: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXECUTION_TABLES, 0))
    function_configs: int = 0
    interrupted: int = 0
    seconds: float = 0.0


Progress = Callable[[int, int], None]  # (executions done, executions in the source)


def copy_database(
    src: Store,
    dst: Store,
    *,
    now: int,
    merge: bool = False,
    batch_size: int = 200,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy every execution and function config from `src` to `dst`, `batch_size`
    executions per transaction, and verify the counts. `dst` must hold no executions
    unless `merge`: then executions already there are left as they are and skipped.
    Raises CopyError, before writing anything when the copy is refused."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise CopyError(f"the batch size must be between 1 and {MAX_BATCH}, got {batch_size}")
    started = monotonic()
    _refuse_live_leases(src, now)
    before = src.row_counts()
    dst_before = dst.row_counts()
    held = dst_before.tables["executions"]
    if held and not merge:
        raise CopyError(
            f"the destination already holds {held} execution(s); copy into an empty "
            "database, or pass --merge to add only the executions it lacks (those it "
            "holds are left untouched)"
        )
    report = CopyReport()
    total = before.tables["executions"]
    after = ""
    while batch := src.export_executions(after, batch_size):
        after = batch[-1].execution_id
        copied = set(dst.import_executions(batch, skip_existing=merge))
        for rows in batch:
            if rows.execution_id not in copied:
                report.skipped += 1
                continue
            report.copied += 1
            report.interrupted += rows.execution[_INVOCATION] == _RUNNING
            for table, count in rows.row_counts().items():
                report.rows[table] += count
        if progress is not None:
            progress(report.copied + report.skipped, total)
    configs = src.export_function_configs()
    known = {row[0] for row in dst.export_function_configs()}
    dst.import_function_configs(configs)
    report.function_configs = len(configs)
    _verify(before, src.row_counts(), dst_before, dst.row_counts(), report, known, configs)
    report.seconds = monotonic() - started
    return report


# Where the invocation state sits in an exported execution row.
_INVOCATION = [column.strip() for column in INSERT_COLUMNS.split(",")].index("invocation")
_RUNNING = InvocationState.RUNNING.value


def _refuse_live_leases(src: Store, now: int) -> None:
    stats = src.stats(now)
    live = stats.running_invocations - stats.expired_leases
    if live > 0:
        owners = ", ".join(sorted(src.lease_owners())) or "unknown"
        raise CopyError(
            f"{live} invocation(s) are running in the source under a live lease (held by "
            f"{owners}): stop every server, worker and dev process using the source, wait "
            "for their leases to end (at most 30 s), then copy again"
        )


def _verify(
    before: RowCounts,
    after: RowCounts,
    dst_before: RowCounts,
    dst_after: RowCounts,
    report: CopyReport,
    known_configs: set[str],
    configs: list[FunctionConfigRow],
) -> None:
    """Every row read was written, and nothing changed in either database meanwhile."""
    if after != before:
        raise CopyError(
            "the source changed during the copy (a process is still writing to it): "
            "stop every process using the source, empty the destination and copy again"
        )
    for table in EXECUTION_TABLES:
        expected = dst_before.tables[table] + report.rows[table]
        found = dst_after.tables[table]
        if found != expected:
            raise CopyError(
                f"the destination holds {found} row(s) in {table} where {expected} were "
                "expected: is another process writing to it? Stop it, empty the "
                "destination and copy again"
            )
    if not report.skipped:
        for table in EXECUTION_TABLES:
            if report.rows[table] != before.tables[table]:
                raise CopyError(
                    f"the source holds {before.tables[table]} row(s) in {table} but only "
                    f"{report.rows[table]} belong to its executions; those left over were "
                    "not copied"
                )
    expected_configs = len(known_configs | {row[0] for row in configs})
    if dst_after.tables[FUNCTION_CONFIGS] != expected_configs:
        raise CopyError(
            f"the destination holds {dst_after.tables[FUNCTION_CONFIGS]} function "
            f"config(s) where {expected_configs} were expected: is another process "
            "registering functions there?"
        )
