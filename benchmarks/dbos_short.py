"""DBOS running the short-execution workloads of `benchmarks/short_executions.py`.

    sh benchmarks/dbos_setup.sh          # once: DBOS in benchmarks/.venv-dbos
    benchmarks/.venv-dbos/bin/python benchmarks/dbos_short.py WORKLOAD --db DB [...]

One workload per process, on the database it is given (a fresh SQLite file, or a fresh
PostgreSQL database the caller made), so each is measured on a fresh system database as
the Perdure side is. Workflows are called directly on the calling thread, DBOS's
shortest path (no queue). The workloads:

- `sequential --count N`: N one-step workflows, one after the other: each call's latency;
  with `--bytes`, the bytes the N workflows added to the database (benchmarks/
  stored_bytes.py);
- `concurrent --callers C --count N`: C threads calling one-step workflows until N have
  ended: workflows/s, first call to last return;
- `steps --steps S`: one workflow of S sequential steps: time per step.

Each also reports the CPU time its process spent per workflow (or step): steadier than
the wall time when other work shares the machine.

On SQLite every connection DBOS opens is put in WAL mode with synchronous=FULL (DBOS's
own default is a rollback journal), so both sides pay the same durable commit. Prints one
JSON document on the last line of stdout. Runs only in the DBOS environment; Perdure
never depends on DBOS.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import sqlite3
import sys
import threading
import time
from typing import Any

import sqlalchemy as sa
from dbos import DBOS
from stored_bytes import stored_bytes


@DBOS.step()
def step(i: int) -> int:
    return i


@DBOS.workflow()
def one_step_workflow() -> int:
    return step(1)


@DBOS.workflow()
def steps_workflow(steps: int) -> int:
    total = 0
    for i in range(steps):
        total += step(i)
    return total


def durable_sqlite(dbapi_conn: Any, _record: Any) -> None:
    """Every SQLite connection in WAL mode with synchronous=FULL, as Perdure's store
    opens its own; PostgreSQL connections are left as they are."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=FULL")


def launch(url: str, pool: int) -> None:
    if url.startswith("sqlite:///"):
        sa.event.listen(sa.engine.Engine, "connect", durable_sqlite)
    DBOS(
        config={
            "name": "perdure-short",
            "system_database_url": url,
            "sys_db_pool_size": pool,
            "log_level": "WARNING",
        }
    )
    DBOS.launch()


def sequential(args: argparse.Namespace) -> dict[str, Any]:
    for _ in range(args.warmup):
        one_step_workflow()
    before = stored_bytes(args.db) if args.bytes else None
    latencies = []
    cpu = time.process_time()
    for _ in range(args.count):
        started = time.perf_counter()
        assert one_step_workflow() == 1
        latencies.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu) / args.count
    out: dict[str, Any] = {"latencies": latencies, "cpu": cpu}
    if before is not None:
        after = stored_bytes(args.db)
        out["bytes"] = {k: (after[k] - before[k]) / args.count for k in after}
    return out


def concurrent(args: argparse.Namespace) -> dict[str, Any]:
    for _ in range(args.warmup):
        one_step_workflow()
    tickets = itertools.count()
    go = threading.Barrier(args.callers + 1)
    ended: list[float] = []

    def caller() -> None:
        go.wait()
        while next(tickets) < args.count:
            assert one_step_workflow() == 1
        ended.append(time.perf_counter())

    threads = [threading.Thread(target=caller) for _ in range(args.callers)]
    for t in threads:
        t.start()
    go.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    cpu = (time.process_time() - cpu) / args.count
    return {"rate": args.count / (max(ended) - started), "cpu": cpu}


def steps(args: argparse.Namespace) -> dict[str, Any]:
    steps_workflow(10)  # warm-up
    started, cpu = time.perf_counter(), time.process_time()
    assert steps_workflow(args.steps) == args.steps * (args.steps - 1) // 2
    return {
        "per_step": (time.perf_counter() - started) / args.steps,
        "cpu": (time.process_time() - cpu) / args.steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=["sequential", "concurrent", "steps"])
    parser.add_argument("--db", required=True, help="sqlite:///PATH or postgresql://...")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--bytes", action="store_true")
    args = parser.parse_args()
    launch(args.db, max(20, args.callers + 4))
    try:
        result = {"sequential": sequential, "concurrent": concurrent, "steps": steps}[
            args.workload
        ](args)
    finally:
        DBOS.destroy()
    result["dbos"] = importlib.metadata.version("dbos")
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
