"""Per-step and per-execution cost, measured against the storage commit floor.

    .venv/bin/python benchmarks/step_cost.py [--repeat 5] [--db postgresql://...]

Prints, for 10/100/1000 sequential steps on the embedded SQLite store with durable
commits (synchronous=FULL): the median cost per step, its spread over the repeats, and
the ratio to one bare SQLite commit measured in the same run on the same disk. Then the
local test runner's cost per one-step execution (virtual time, NORMAL commits).

With `--db postgresql://USER@HOST/DB` the same figures are taken on PostgreSQL (each run
in a fresh database `perdure_bench_N` created on that server and dropped after; DB
itself is only used to connect), against PostgreSQL's own floor: one small INSERT
committed in autocommit (one round trip plus the WAL flush).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from perdure import DurableContext, durable_execution
from perdure._app import build_embedded
from perdure._model import ExecutionStatus
from perdure._service import queries, start
from perdure.testing import DurableTestRunner


@durable_execution
def steps_handler(event: dict[str, int], context: DurableContext) -> int:
    total = 0
    for i in range(event["steps"]):
        total += context.step(lambda _, i=i: i, name="s")
    return total


@durable_execution
def one_step(event: object, context: DurableContext) -> int:
    return context.step(lambda _: 1, name="only")


def commit_floor(path: str, n: int = 300) -> float:
    """Seconds per bare durable commit: one small row insert in WAL mode, FULL sync."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
    started = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", (i, "x" * 200))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed / n


def postgres_commit_floor(url: str, n: int = 300) -> float:
    """Seconds per bare durable PostgreSQL commit: one small row INSERT in autocommit,
    synchronous_commit on (one round trip plus the WAL flush)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        started = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO t (k, v) VALUES (%s, %s)", (i, "x" * 200))
        elapsed = time.perf_counter() - started
    return elapsed / n


@contextmanager
def fresh_databases(server: str | None, tmp: str) -> Iterator[Callable[[], str]]:
    """Hands out a new empty database per call: a SQLite file under `tmp`, or a database
    `perdure_bench_N` on the PostgreSQL `server`, all dropped at the end."""
    made: list[str] = []

    def make() -> str:
        name = f"perdure_bench_{len(made) + 1}"
        if server is None:
            run_dir = Path(tmp) / name
            run_dir.mkdir()
            made.append(name)
            return str(run_dir / "bench.db")
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))

    try:
        yield make
    finally:
        if server is not None:
            with psycopg.connect(server, autocommit=True) as conn:
                for name in made:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_steps(db: str, steps: int) -> float:
    app = build_embedded(db, {"bench": steps_handler})
    try:
        started = time.perf_counter()
        arn = start.start_execution(app.ctx, "bench", f'{{"steps": {steps}}}').arn
        while True:
            ex = queries.get_execution(app.ctx, arn)
            if ex.status is not ExecutionStatus.RUNNING:
                break
            # Polls end it at most 0.5% late; more often would take the handler's CPU
            # (on PostgreSQL each poll is a round trip and a query on the same 2 cores).
            time.sleep(max(0.0005, (time.perf_counter() - started) / 200))
        elapsed = time.perf_counter() - started
        assert ex.status is ExecutionStatus.SUCCEEDED, ex
        return elapsed / steps
    finally:
        app.close()


def runner_cost(executions: int, db: str | None = None) -> list[float]:
    costs = []
    with DurableTestRunner(one_step, db_path=db) as runner:
        for _ in range(executions):
            started = time.perf_counter()
            result = runner.run(input={}, timeout=10)
            costs.append(time.perf_counter() - started)
            assert result.status == "SUCCEEDED"
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="a postgresql:// server URL to measure instead of SQLite")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    backend = "SQLite" if args.db is None else "PostgreSQL"
    with tempfile.TemporaryDirectory() as tmp, fresh_databases(args.db, tmp) as fresh:
        if args.db is None:
            floors = [commit_floor(str(Path(tmp) / f"floor{i}.db")) for i in range(3)]
        else:
            floors = [postgres_commit_floor(fresh()) for _ in range(3)]
        floor = statistics.median(floors)
        print(f"floor: one durable {backend} commit = {floor * 1000:.3f} ms")
        per_step_at: dict[int, float] = {}
        for steps in (10, 100, 1000):
            samples = [run_steps(fresh(), steps) for _ in range(args.repeat)]
            med = statistics.median(samples)
            per_step_at[steps] = med
            print(
                f"{steps:>5} steps: median {med * 1000:.3f} ms/step "
                f"(min {min(samples) * 1000:.3f}, max {max(samples) * 1000:.3f}), "
                f"{med / floor:.2f}x the commit floor"
            )
        print(f"cost per step at 1000 / at 10: {per_step_at[1000] / per_step_at[10]:.2f}x")
        # Separate the per-step cost from the fixed cost of an execution (start, claim,
        # first invocation, completion: four durable commits and a thread hand-off).
        total_10, total_1000 = per_step_at[10] * 10, per_step_at[1000] * 1000
        marginal = (total_1000 - total_10) / 990
        fixed = total_10 - 10 * marginal
        print(
            f"marginal cost per step: {marginal * 1000:.3f} ms "
            f"({marginal / floor:.2f}x the floor); "
            f"fixed cost per execution: {fixed * 1000:.2f} ms"
        )
        costs = runner_cost(200, None if args.db is None else fresh())
    print(
        f"test runner: median {statistics.median(costs) * 1000:.2f} ms per one-step execution "
        f"(p90 {statistics.quantiles(costs, n=10)[-1] * 1000:.2f} ms)"
    )


if __name__ == "__main__":
    main()
