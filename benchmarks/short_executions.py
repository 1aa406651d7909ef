"""Short executions: Perdure against DBOS and the durable commit floor, in one run.

    sh benchmarks/dbos_setup.sh          # once: DBOS in benchmarks/.venv-dbos
    .venv/bin/python benchmarks/short_executions.py [--rounds 3] [--hog]
        [--db postgresql://USER@HOST/DB] [--quick] [--no-dbos]

Most workflows are short, so what users feel is the cost of a whole small execution:
starting it, running its step, recording its end, and learning that it ended. This
script measures that, each figure beside DBOS on the same database settings in the same
run. On SQLite both sides use WAL with synchronous=FULL (every commit is durable); with
`--db postgresql://...` both use fresh databases on that server (`synchronous_commit` as
the server sets it). Every configuration gets a fresh database file (or database).

The rounds are interleaved: each round measures every workload once, Perdure and DBOS
back to back (which goes first alternates between rounds), so drift in the shared disk
and in the other load on the machine falls on both sides alike. Each round also measures
the floor: one bare durable commit on a fresh database (SQLite: a small INSERT in
BEGIN IMMEDIATE/COMMIT, WAL, FULL; PostgreSQL: a small INSERT in autocommit), at the
round's start and again just before its 1,000-step executions (the median of five
batches' means, see `floor`). Nothing durable can cost less, so ratios to it say how
much Perdure adds. A shared disk's fsync latency drifts within minutes, so each ratio
is taken within a round (the steps against the floor measured just before them, Perdure
against DBOS measured back to back), and the verdicts use the median of those per-round
ratios.

Workloads (Perdure side in this process, DBOS's in benchmarks/dbos_short.py, run in
benchmarks/.venv-dbos, one process per workload on its own fresh database):

- sequential: one-step executions one after the other, embedded (service, dispatcher and
  handler in this process, as `perdure dev` runs them), against a DBOS workflow call.
  Each is started through `DurableClient.embedded(app)` and waited for as its
  embedded client waits (see `Embedded`): the commit that ends it hands it to the
  waiter, so no fixed poll interval is added and the waiter takes no CPU while the
  handler runs. Latency p50/p90/p99 over all rounds, the medians' spread over rounds,
  and bytes stored per execution (see benchmarks/stored_bytes.py: row and index
  payload, and pages).
- client, embedded: the same through `DurableClient.embedded(app).invoke`, the public
  in-process call (it waits however `perdure.client` waits).
- concurrent: C callers (8 and 32 by default) each starting one-step executions and
  waiting for each as above, until N have ended: executions/s.
- 1,000 steps: one execution of sequential steps: time per step, and ÷ the floor.
- remote: the same steps run by a `perdure worker --isolation thread` subprocess for a
  `perdure server` subprocess over HTTP (per step by the service's own start and end
  timestamps), against the embedded per-step figure of the same round.
- client through `perdure dev`: `DurableClient.connect(url).invoke` of a one-step
  function served by a `perdure dev --isolation thread` subprocess.
- test runner: `DurableTestRunner(time="real")` per one-step execution (its defaults).
- with `--hog`: the sequential latencies again, Perdure and DBOS, with a process
  spinning on one core beside them (p50/p90/p99, to see whether latency stays unimodal).

Speed is measured here, never by timed tests. On a 2-core machine a round takes about a
minute on SQLite (`--hog` adds a few seconds), `--quick` (one small round) about 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from pg_throughput import Client, Cluster, _wait_healthy, clean_env, free_port, postgres_version
from step_cost import fresh_databases
from stored_bytes import stored_bytes

from perdure import DurableContext, durable_execution
from perdure._app import EmbeddedApp, build_embedded
from perdure._model import ExecutionStatus
from perdure._service import commit_signal
from perdure.client import DurableClient
from perdure.testing import DurableTestRunner

HERE = Path(__file__).resolve().parent
FUNCTIONS = HERE / "throughput_functions.py"
DBOS_PYTHON = HERE / ".venv-dbos" / "bin" / "python"
PERDURE = Path(sys.executable).parent / "perdure"


@durable_execution
def one_step(event: object, context: DurableContext) -> int:
    return context.step(lambda _: 1, name="only")


@durable_execution
def steps(event: dict[str, int], context: DurableContext) -> int:
    total = 0
    for i in range(event["steps"]):
        total += context.step(lambda _, i=i: i, name="s")
    return total


FUNCTION_TABLE = {"one_step": one_step, "steps": steps}


# -- the floor ---------------------------------------------------------------------------


def floor(db: str, batches: int = 5, commits: int = 60) -> float:
    """Seconds per bare durable commit on the fresh database `db`: the median over
    `batches` of each batch's mean, so that one stall of the shared disk (seen to last
    seconds) moves one batch, not the floor. SQLite: a small INSERT in BEGIN
    IMMEDIATE/COMMIT, WAL, synchronous=FULL; PostgreSQL: a small INSERT in autocommit
    (one round trip and the WAL flush)."""
    means = []
    if db.startswith(("postgresql://", "postgres://")):
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
            for b in range(batches):
                started = time.perf_counter()
                for i in range(commits):
                    conn.execute(
                        "INSERT INTO t (k, v) VALUES (%s, %s)", (b * commits + i, "x" * 200)
                    )
                means.append((time.perf_counter() - started) / commits)
        return statistics.median(means)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        for b in range(batches):
            started = time.perf_counter()
            for i in range(commits):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO t (k, v) VALUES (?, ?)", (b * commits + i, "x" * 200))
                conn.execute("COMMIT")
            means.append((time.perf_counter() - started) / commits)
    finally:
        conn.close()
    return statistics.median(means)


# -- Perdure, embedded --------------------------------------------------------------------


class Embedded:
    """An embedded app on a fresh database, started through `DurableClient.embedded`.

    Its waiter is the one `perdure.client`'s embedded client uses
    (`commit_signal.wait_ended`): the commit that ends the execution hands it over, so
    no poll interval is added to the latency and the waiter takes no CPU (or, on
    PostgreSQL, round trips) while the execution runs or its end is being committed."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.app: EmbeddedApp = build_embedded(db, FUNCTION_TABLE)
        self.client = DurableClient.embedded(self.app)

    def run(self, function: str, payload: dict[str, int] | None = None) -> str:
        """Start an execution and return once its end is durably recorded."""
        arn = self.client.start(function, payload or {})
        status = commit_signal.wait_ended(self.app.ctx, arn, 60).status
        if status is not ExecutionStatus.SUCCEEDED:
            raise RuntimeError(f"{function} ended {status}")
        return arn

    def close(self) -> None:
        self.client.close()
        self.app.close()


@contextmanager
def embedded(db: str) -> Iterator[Embedded]:
    app = Embedded(db)
    try:
        yield app
    finally:
        app.close()


def perdure_sequential(db: str, count: int, warmup: int) -> dict[str, Any]:
    with embedded(db) as app:
        for _ in range(warmup):
            app.run("one_step")
        before = stored_bytes(db)
        latencies = []
        cpu = time.process_time()
        for _ in range(count):
            started = time.perf_counter()
            app.run("one_step")
            latencies.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu) / count
        after = stored_bytes(db)
    return {
        "latencies": latencies,
        "cpu": cpu,
        "bytes": {k: (after[k] - before[k]) / count for k in after},
    }


def perdure_client_embedded(db: str, count: int, warmup: int) -> dict[str, Any]:
    with embedded(db) as app:
        for _ in range(warmup):
            app.client.invoke("one_step", {})
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            assert app.client.invoke("one_step", {}) == 1
            latencies.append(time.perf_counter() - started)
    return {"latencies": latencies}


def perdure_concurrent(db: str, callers: int, count: int, warmup: int) -> dict[str, Any]:
    with embedded(db) as app:
        for _ in range(warmup):
            app.run("one_step")
        tickets = iter(range(count))
        tickets_lock = threading.Lock()
        go = threading.Barrier(callers + 1)
        ended: list[float] = []
        failures: list[BaseException] = []

        def caller() -> None:
            go.wait()
            try:
                while True:
                    with tickets_lock:
                        if next(tickets, None) is None:
                            break
                    app.run("one_step")
            except BaseException as exc:  # reported below, after the other callers end
                failures.append(exc)
            ended.append(time.perf_counter())

        threads = [threading.Thread(target=caller) for _ in range(callers)]
        for t in threads:
            t.start()
        go.wait()
        started, cpu = time.perf_counter(), time.process_time()
        for t in threads:
            t.join()
        cpu = (time.process_time() - cpu) / count
        if failures:
            raise failures[0]
    return {"rate": count / (max(ended) - started), "cpu": cpu}


def perdure_steps(db: str, n: int) -> dict[str, Any]:
    with embedded(db) as app:
        app.run("steps", {"steps": 10})
        started, cpu = time.perf_counter(), time.process_time()
        app.run("steps", {"steps": n})
        return {
            "per_step": (time.perf_counter() - started) / n,
            "cpu": (time.process_time() - cpu) / n,
        }


def perdure_remote(db: str, n: int) -> dict[str, Any]:
    """Per step of an execution run by a remote worker over HTTP, by the service's own
    start and end timestamps (millisecond resolution: 0.001 ms a step at 1,000 steps)."""
    cluster = Cluster(db, 1, "thread")
    try:
        cluster.start()
        endpoint = cluster.endpoints[0]
        with DurableClient.connect(endpoint) as client:

            def run(function: str, payload: object) -> float:
                arn = Client(endpoint).invoke_event(function, payload)
                while True:
                    ex = client.get(arn)
                    if ex.ended_at is not None:
                        break
                    time.sleep(0.05)
                assert ex.status == "SUCCEEDED", ex
                return (ex.ended_at - ex.started_at).total_seconds()

            run("one_step", {})  # warm-up: the worker registered, connections open
            return {"per_step": run("steps", {"steps": n}) / n}
    finally:
        cluster.stop()


@contextmanager
def perdure_dev(db: str) -> Iterator[str]:
    """A `perdure dev` subprocess serving throughput_functions.py in threads; its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            str(PERDURE),
            "dev",
            str(FUNCTIONS),
            "--db",
            db,
            "--port",
            str(port),
            "--isolation",
            "thread",
            "--no-reload",
        ],
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=HERE,
    )
    try:
        _wait_healthy(proc, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def perdure_client_dev(db: str, count: int, warmup: int) -> dict[str, Any]:
    with perdure_dev(db) as url, DurableClient.connect(url) as client:
        for _ in range(warmup):
            client.invoke("one_step", {})
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            assert client.invoke("one_step", {}) == 1
            latencies.append(time.perf_counter() - started)
    return {"latencies": latencies}


def perdure_runner(db: str | None, count: int, warmup: int) -> dict[str, Any]:
    latencies = []
    with DurableTestRunner(one_step, time="real", db_path=db) as runner:
        for i in range(warmup + count):
            started = time.perf_counter()
            result = runner.run(input={}, timeout=30)
            if i >= warmup:
                latencies.append(time.perf_counter() - started)
            assert result.status == "SUCCEEDED", result
    return {"latencies": latencies}


# -- DBOS ---------------------------------------------------------------------------------


def dbos(workload: str, db: str, **options: object) -> dict[str, Any]:
    """benchmarks/dbos_short.py's answer for one workload on the fresh database `db`."""
    url = db if db.startswith(("postgresql://", "postgres://")) else f"sqlite:///{db}"
    command = [str(DBOS_PYTHON), str(HERE / "dbos_short.py"), workload, "--db", url]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is not False:
            command += [flag] if value is True else [flag, str(value)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dbos_short.py {workload} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- collecting ---------------------------------------------------------------------------


@dataclass
class Series:
    """One figure's samples: a value per round, and, for latencies, every sample."""

    per_round: list[float] = field(default_factory=list)
    pooled: list[float] = field(default_factory=list)

    def add_latencies(self, latencies: Sequence[float]) -> None:
        self.per_round.append(statistics.median(latencies))
        self.pooled.extend(latencies)

    @property
    def median(self) -> float:
        return statistics.median(self.per_round)


@dataclass
class Results:
    figures: dict[str, Series] = field(default_factory=dict)
    dbos_version: str = ""

    def __getitem__(self, name: str) -> Series:
        return self.figures.setdefault(name, Series())

    def __contains__(self, name: str) -> bool:
        return name in self.figures and bool(self.figures[name].per_round)


@contextmanager
def hog() -> Iterator[None]:
    """A process spinning on one core for as long as the block runs."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        yield
    finally:
        proc.kill()
        proc.wait()


def in_turn(first_perdure: bool, perdure: Callable[[], None], other: Callable[[], None]) -> None:
    """Run both sides of a comparison back to back, in the order this round takes."""
    for run in (perdure, other) if first_perdure else (other, perdure):
        run()


def one_round(args: argparse.Namespace, index: int, fresh: Callable[[], str], res: Results) -> None:
    first = index % 2 == 0
    with_dbos = not args.no_dbos
    res["floor"].per_round.append(floor(fresh()))
    floor_here = res["floor"].per_round[-1]

    def note(what: str) -> None:
        print(f"  round {index + 1}: {what}", flush=True)

    def dbos_sequential(key: str, bytes_too: bool) -> None:
        if not with_dbos:
            return
        out = dbos("sequential", fresh(), count=args.count, warmup=args.warmup, bytes=bytes_too)
        res[key].add_latencies(out["latencies"])
        res[f"{key} cpu"].per_round.append(out["cpu"])
        res.dbos_version = out["dbos"]
        if bytes_too:
            res["dbos bytes payload"].per_round.append(out["bytes"]["payload"])
            res["dbos bytes allocated"].per_round.append(out["bytes"]["allocated"])

    def our_sequential(key: str, bytes_too: bool) -> None:
        out = perdure_sequential(fresh(), args.count, args.warmup)
        res[key].add_latencies(out["latencies"])
        res[f"{key} cpu"].per_round.append(out["cpu"])
        if bytes_too:
            res["bytes payload"].per_round.append(out["bytes"]["payload"])
            res["bytes allocated"].per_round.append(out["bytes"]["allocated"])

    in_turn(
        first,
        lambda: our_sequential("sequential", True),
        lambda: dbos_sequential("dbos sequential", True),
    )
    note("sequential")
    res["client embedded"].add_latencies(
        perdure_client_embedded(fresh(), args.client_count, args.warmup)["latencies"]
    )
    note("client, embedded")
    for callers in args.callers:

        def ours(c: int = callers) -> None:
            out = perdure_concurrent(fresh(), c, args.concurrent_count, args.warmup)
            res[f"concurrent {c}"].per_round.append(out["rate"])
            res[f"concurrent {c} cpu"].per_round.append(out["cpu"])

        def theirs(c: int = callers) -> None:
            if with_dbos:
                out = dbos(
                    "concurrent",
                    fresh(),
                    callers=c,
                    count=args.concurrent_count,
                    warmup=args.warmup,
                )
                res[f"dbos concurrent {c}"].per_round.append(out["rate"])
                res[f"dbos concurrent {c} cpu"].per_round.append(out["cpu"])

        in_turn(first, ours, theirs)
        note(f"{callers} concurrent callers")

    res["floor"].per_round.append(floor(fresh()))
    res["steps floor"].per_round.append(res["floor"].per_round[-1])
    res["sequential floor"].per_round.append(floor_here)

    def our_steps() -> None:
        out = perdure_steps(fresh(), args.steps)
        res["steps"].per_round.append(out["per_step"])
        res["steps cpu"].per_round.append(out["cpu"])

    def their_steps() -> None:
        if with_dbos:
            out = dbos("steps", fresh(), steps=args.steps)
            res["dbos steps"].per_round.append(out["per_step"])
            res["dbos steps cpu"].per_round.append(out["cpu"])

    in_turn(first, our_steps, their_steps)
    note(f"{args.steps} steps")
    res["remote"].per_round.append(perdure_remote(fresh(), args.steps)["per_step"])
    note("remote worker")
    res["client dev"].add_latencies(
        perdure_client_dev(fresh(), args.client_count, args.warmup)["latencies"]
    )
    note("client through perdure dev")
    runner_db = None if args.db is None else fresh()
    res["runner"].add_latencies(perdure_runner(runner_db, args.runner_count, 5)["latencies"])
    note("test runner")
    if args.hog:
        with hog():
            in_turn(
                first,
                lambda: our_sequential("hog", False),
                lambda: dbos_sequential("dbos hog", False),
            )
        note("sequential beside a CPU hog")


# -- reporting ----------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def spread(values: Sequence[float], fmt: Callable[[float], str]) -> str:
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}-{fmt(max(values))})"


def percentiles(samples: Sequence[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {ms(statistics.median(samples))} / p90 {ms(cuts[89])} / p99 {ms(cuts[98])} ms"


def ratios(ours: Series, theirs: Series) -> list[float]:
    """The two figures' ratio in each round: both measured close together."""
    return [a / b for a, b in zip(ours.per_round, theirs.per_round, strict=True)]


def ratio_per_round(ours: Series, theirs: Series) -> str:
    return spread(ratios(ours, theirs), lambda r: f"{r:.2f}x")


def histogram(samples: Sequence[float], out: Callable[[str], None]) -> None:
    """Counts per latency band, so a second mode shows where a percentile would hide it."""
    bands = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.010, 0.020, 0.050, float("inf")]
    counts, low = [], 0.0
    for high in bands:
        counts.append(sum(1 for s in samples if low <= s < high))
        low = high
    labels, low = [], 0.0
    for high in bands:
        labels.append(f"<{high * 1000:g}" if high != float("inf") else f">={low * 1000:g}")
        low = high
    out("      ms: " + "  ".join(f"{lab}:{n}" for lab, n in zip(labels, counts, strict=True)))


def report(args: argparse.Namespace, res: Results, out: Callable[[str], None]) -> None:
    floor = res["floor"]
    dbos_name = f"DBOS {res.dbos_version}" if res.dbos_version else "DBOS"
    out("")
    out(f"floor, one durable commit: {spread(floor.per_round, ms)} ms (median, min-max)")
    out(
        "  by round (start, before the steps): "
        + ", ".join(
            f"{ms(a)}/{ms(b)}"
            for a, b in zip(
                res["sequential floor"].per_round, res["steps floor"].per_round, strict=True
            )
        )
    )
    out("")
    out("One-step execution, sequential, embedded (median of rounds' medians, min-max):")
    for key, label in (
        ("sequential", "Perdure"),
        ("dbos sequential", dbos_name),
        ("client embedded", "Perdure, DurableClient.embedded invoke"),
    ):
        if key in res:
            figure = res[key]
            out(f"  {label:40} {spread(figure.per_round, ms)} ms   {percentiles(figure.pooled)}")
    if "dbos sequential" in res:
        ratio = ratio_per_round(res["sequential"], res["dbos sequential"])
        out(f"  Perdure / {dbos_name}: {ratio}")
    out(f"  Perdure / floor: {ratio_per_round(res['sequential'], res['sequential floor'])}")
    out("")
    out("One-step executions with concurrent callers, embedded (executions/s):")
    for callers in args.callers:
        ours = res[f"concurrent {callers}"]
        line = f"  {callers:>2} callers: Perdure {spread(ours.per_round, lambda v: f'{v:,.0f}')}"
        key = f"dbos concurrent {callers}"
        if key in res:
            theirs = res[key]
            line += (
                f"   {dbos_name} {spread(theirs.per_round, lambda v: f'{v:,.0f}')}"
                f"   Perdure / DBOS {ratio_per_round(ours, theirs)}"
            )
        out(line)
    out("")
    out(f"{args.steps} sequential steps, per step:")
    ours = res["steps"]
    out(
        f"  Perdure {spread(ours.per_round, ms)} ms, "
        f"{ratio_per_round(ours, res['steps floor'])} the floor"
    )
    if "dbos steps" in res:
        theirs = res["dbos steps"]
        out(
            f"  {dbos_name} {spread(theirs.per_round, ms)} ms, "
            f"{ratio_per_round(theirs, res['steps floor'])} the floor; "
            f"Perdure / DBOS {ratio_per_round(ours, theirs)}"
        )
    remote = res["remote"]
    out(
        f"  remote worker over HTTP {spread(remote.per_round, ms)} ms, "
        f"{ratio_per_round(remote, ours)} in-process"
    )
    out("")
    out("CPU time of the process, ms per execution (per step for the steps; the floor and,")
    out("on PostgreSQL, the server's CPU not counted):")
    rows = [("sequential", "one-step, sequential")]
    rows += [(f"concurrent {c}", f"one-step, {c} callers") for c in args.callers]
    rows += [("steps", f"{args.steps} steps, per step")]
    for key, label in rows:
        line = f"  {label:24} Perdure {spread(res[f'{key} cpu'].per_round, ms)}"
        if f"dbos {key} cpu" in res:
            line += f"   {dbos_name} {spread(res[f'dbos {key} cpu'].per_round, ms)}"
        out(line)
    out("")
    out("Clients and the test runner, per one-step execution:")
    out(f"  DurableClient.connect(perdure dev).invoke: {percentiles(res['client dev'].pooled)}")
    out(f"    round medians {spread(res['client dev'].per_round, ms)} ms")
    out(f"  DurableTestRunner(time='real').run:       {percentiles(res['runner'].pooled)}")
    out(f"    round medians {spread(res['runner'].per_round, ms)} ms")
    out("")
    out("Bytes stored per one-step execution (row and index payload; pages allocated):")
    out(
        f"  Perdure {spread(res['bytes payload'].per_round, lambda v: f'{v:,.0f}')}; "
        f"{spread(res['bytes allocated'].per_round, lambda v: f'{v:,.0f}')}"
    )
    if "dbos bytes payload" in res:
        out(
            f"  {dbos_name} {spread(res['dbos bytes payload'].per_round, lambda v: f'{v:,.0f}')}; "
            f"{spread(res['dbos bytes allocated'].per_round, lambda v: f'{v:,.0f}')}"
        )
    out("")
    if args.hog:
        out("One-step execution, sequential, beside a CPU hog (all rounds' samples):")
        for key, label in (("hog", "Perdure"), ("dbos hog", dbos_name)):
            if key in res:
                out(f"  {label:10} {percentiles(res[key].pooled)}")
                histogram(res[key].pooled, out)
        out("")
    targets(args, res, out)


def targets(args: argparse.Namespace, res: Results, out: Callable[[str], None]) -> None:
    """The issue's targets against this run's medians."""

    def check(ok: bool, text: str) -> None:
        out(f"  [{'met' if ok else 'NOT met'}] {text}")

    out("Targets (medians; ratios are the median of the rounds' own ratios):")
    seq = res["sequential"].median
    check(seq <= 0.001, f"one-step sequential embedded <= 1.0 ms: {ms(seq)} ms")
    # Start and claim, the step, the end: three durable commits, each at least the floor.
    commits = ms(3 * res["floor"].median)
    out(f"      (its three durable commits alone take 3 x the floor: {commits} ms)")
    if "dbos sequential" in res:
        r = statistics.median(ratios(res["sequential"], res["dbos sequential"]))
        check(r <= 0.5, f"... <= 0.5x DBOS: {r:.2f}x")
    for callers in args.callers:
        rate = res[f"concurrent {callers}"].median
        check(rate >= 2000, f"{callers} callers >= 2,000/s: {rate:,.0f}/s")
        if f"dbos concurrent {callers}" in res:
            r = statistics.median(
                ratios(res[f"concurrent {callers}"], res[f"dbos concurrent {callers}"])
            )
            check(r >= 5, f"... >= 5x DBOS: {r:.2f}x")
    r = statistics.median(ratios(res["steps"], res["steps floor"]))
    check(r <= 2, f"{args.steps} steps <= 2x the floor per step: {r:.2f}x")
    r = statistics.median(ratios(res["remote"], res["steps"]))
    check(r <= 2, f"remote worker per step <= 2x in-process: {r:.2f}x")
    dev = statistics.median(res["client dev"].pooled)
    check(dev <= 0.005, f"client invoke through perdure dev <= 5 ms: {ms(dev)} ms")
    run = statistics.median(res["runner"].pooled)
    check(run <= 0.003, f"real-time test runner <= 3 ms: {ms(run)} ms")
    stored = res["bytes payload"].median
    check(stored <= 1600, f"<= 1.6 KB stored per one-step execution: {stored:,.0f} B payload")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a postgresql:// server URL to measure instead of SQLite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=200, help="sequential executions a round")
    parser.add_argument("--client-count", type=int, default=100)
    parser.add_argument("--runner-count", type=int, default=200)
    parser.add_argument("--concurrent-count", type=int, default=600)
    parser.add_argument("--callers", default="8,32")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--hog", action="store_true", help="also measure beside a CPU hog")
    parser.add_argument("--no-dbos", action="store_true", help="skip the DBOS side")
    parser.add_argument("--quick", action="store_true", help="one small round: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.count, args.client_count, args.runner_count = 1, 30, 10, 20
        args.concurrent_count, args.steps, args.warmup = 100, 200, 3
    args.callers = [int(c) for c in args.callers.split(",")]
    if not args.no_dbos and not DBOS_PYTHON.exists():
        sys.exit(f"no {DBOS_PYTHON}: run sh benchmarks/dbos_setup.sh, or pass --no-dbos")
    backend = "SQLite 3 (WAL, synchronous=FULL)" if args.db is None else postgres_version(args.db)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {backend}; load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} at start",
        flush=True,
    )
    res = Results()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, fresh_databases(args.db, tmp) as fresh:
        for index in range(args.rounds):
            one_round(args, index, fresh, res)
    report(args, res, print)
    print(
        f"\n{time.monotonic() - started:.0f} s; load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end"
    )


if __name__ == "__main__":
    main()
