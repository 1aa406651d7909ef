"""DBOS running the workloads of `benchmarks/pg_throughput.py`, on the same PostgreSQL.

    sh benchmarks/dbos_setup.sh          # once: DBOS in benchmarks/.venv-dbos
    benchmarks/.venv-dbos/bin/python benchmarks/dbos_steps.py --db postgresql://... \
        [--processes 1,2,4] [--steps 50 --executions 32 --count 200] [--alone-steps 200] \
        [--concurrency 8] [--repeat 3]

DBOS is a library: each process runs the workflows it starts, checkpointing into its
system database. So "N workers" here is N processes, each with DBOS launched on one
fresh system database (`dbos_bench`, created on the server of `--db` and dropped after),
each running its share of the workload from `--concurrency` threads, as a Perdure worker
runs `--concurrency` invocations at once. Workflows are called directly (no queue), which
is DBOS's shortest path. The workloads, as in pg_throughput.py:

- alone: one workflow of `--alone-steps` sequential steps, in one process: time per step;
- one-step: `--count` workflows of one step, shared among the processes: workflows/s;
- steps: `--executions` workflows of `--steps` steps, shared out: steps/s.

The times are taken around the calls (the first start to the last end over all
processes). Prints one JSON document on the last line of stdout. This script runs only
in the DBOS environment; Perdure never depends on DBOS.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from dbos import DBOS

DATABASE = "dbos_bench"


@DBOS.step()
def step(i: int) -> int:
    return i


@DBOS.workflow()
def steps_workflow(steps: int) -> int:
    total = 0
    for i in range(steps):
        total += step(i)
    return total


@DBOS.workflow()
def one_step_workflow() -> int:
    return step(1)


def child(pipe: Connection, url: str, index: int, concurrency: int) -> None:
    """A DBOS process: launch, then run the workloads the parent sends until None."""
    DBOS(
        config={
            "name": "perdure-bench",
            "system_database_url": url,
            "executor_id": f"bench-{index}",
            "log_level": "WARNING",
        }
    )
    DBOS.launch()
    pipe.send("ready")
    with ThreadPoolExecutor(concurrency) as pool:
        while (command := pipe.recv()) is not None:
            kind, steps, count = command
            cpu = time.process_time()
            started = time.time()
            if kind == "steps":
                results = list(pool.map(steps_workflow, [steps] * count))
                assert results == [steps * (steps - 1) // 2] * count, results[:3]
            else:
                futures = [pool.submit(one_step_workflow) for _ in range(count)]
                results = [f.result() for f in futures]
                assert results == [1] * count, results[:3]
            pipe.send((started, time.time(), time.process_time() - cpu))
    DBOS.destroy()


class Fleet:
    """N DBOS processes, started one after the other so that only the first migrates."""

    def __init__(self, url: str, processes: int, concurrency: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for index in range(processes):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=child, args=(theirs, url, index, concurrency), daemon=True)
            proc.start()
            if not ours.poll(120) or ours.recv() != "ready":
                raise RuntimeError(f"DBOS process {index} did not start")
            self.pipes.append(ours)
            self.procs.append(proc)

    def run(self, kind: str, steps: int, total: int, only_first: bool = False) -> dict[str, float]:
        """Share `total` workflows out, run them, and time the first start to the last end."""
        pipes = self.pipes[:1] if only_first else self.pipes
        shares = [
            total // len(pipes) + (1 if i < total % len(pipes) else 0) for i in range(len(pipes))
        ]
        for pipe, share in zip(pipes, shares, strict=True):
            pipe.send((kind, steps, share))
        answers = [pipe.recv() for pipe in pipes]
        return {
            "span": max(a[1] for a in answers) - min(a[0] for a in answers),
            "cpu": sum(a[2] for a in answers),
        }

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(None)
        for proc in self.procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()


def fresh_database(server: str) -> str:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return urlunsplit(urlsplit(server)._replace(path=f"/{DATABASE}"))


def drop_database(server: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def measure(args: argparse.Namespace, processes: int) -> dict[str, Any]:
    url = fresh_database(args.db)
    fleet = Fleet(url, processes, args.concurrency)
    try:
        fleet.run("one", 0, 4 * processes)  # warm-up: connections, first statements
        alone, one_step, steps = [], [], []
        for _ in range(args.repeat):
            alone_run = fleet.run("steps", args.alone_steps, 1, only_first=True)
            alone.append(alone_run["span"] / args.alone_steps)
            one = fleet.run("one", 0, args.count)
            one_step.append({"rate": args.count / one["span"], "cpu": one["cpu"] / args.count})
            many = fleet.run("steps", args.steps, args.executions)
            total = args.steps * args.executions
            steps.append({"rate": total / many["span"], "cpu": many["cpu"] / total})
    finally:
        fleet.close()
        drop_database(args.db)
    return {
        "processes": processes,
        "alone_per_step": alone,
        "one_step_rate": [r["rate"] for r in one_step],
        "one_step_cpu": statistics.median(r["cpu"] for r in one_step),
        "steps_rate": [r["rate"] for r in steps],
        "steps_cpu": statistics.median(r["cpu"] for r in steps),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--executions", type=int, default=32)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--alone-steps", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = [measure(args, int(n)) for n in args.processes.split(",")]
    doc = {"dbos": importlib.metadata.version("dbos"), "results": results}
    sys.stdout.write(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
