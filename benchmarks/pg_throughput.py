"""Throughput on PostgreSQL with 1, 2 and 4 workers, against the commit floor and DBOS.

    .venv/bin/python benchmarks/pg_throughput.py [--db postgresql://USER@HOST/DB]
        [--workers 1,2,4] [--isolation thread,process] [--repeat 3]
        [--count 200] [--executions 32 --steps 50] [--alone-steps 200] [--servers 2]
        [--no-dbos]

For each isolation mode and worker count it creates a fresh database on the server of
`--db` (dropped after), starts `perdure server` on it and N `perdure worker` processes
(real subprocesses through the CLI, `--concurrency 8` each, handlers from
benchmarks/throughput_functions.py), and measures, `--repeat` times each:

- alone: one execution of `--alone-steps` sequential steps: time per step (the
  execution's own start and end timestamps, divided by its steps);
- one-step: `--count` executions of one step, started at once with Invoke (Event) from 8
  client threads: executions/s, first start to last end by the service's timestamps;
- steps: `--executions` executions of `--steps` steps, started at once: steps/s.

The same workloads run on Perdure embedded (service, handlers and store in the
benchmark's own process, as `perdure dev` runs them: a library, as DBOS is), and, with
thread isolation, on `--servers` servers sharing the workers (worker i works for server
i mod servers, and the load alternates between them).

In the same run it measures PostgreSQL's commit floor (one small INSERT committed in
autocommit over the same kind of connection: one round trip plus the WAL flush), and
the rate at which 8 connections together can commit (group commit lets them share WAL
flushes): no durable step can be cheaper than the first, and no workload can commit
faster than the second. Then, when benchmarks/.venv-dbos exists (`sh
benchmarks/dbos_setup.sh`), DBOS on the same PostgreSQL runs the same workloads
(benchmarks/dbos_steps.py). It prints medians with their spread (min-max), the ratios
to the floor, and the CPU time each part of the system spent per step, so the limit
shows: the machine's cores, or PostgreSQL's commits.

Speed is measured here, never by timed tests. With the defaults it takes about 6 minutes
on a 2-core machine; run it when the machine is otherwise idle.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from throughput_functions import one_step, steps

from perdure._app import build_embedded
from perdure._service import start

HERE = Path(__file__).resolve().parent
FUNCTIONS = HERE / "throughput_functions.py"
DBOS_PYTHON = HERE / ".venv-dbos" / "bin" / "python"
PERDURE = Path(sys.executable).parent / "perdure"
DATABASE = "perdure_throughput"
CLIENT_THREADS = 8
WORKER_CONCURRENCY = 8
TICKS = os.sysconf("SC_CLK_TCK")


# -- the floor ----------------------------------------------------------------------------


def commit_floor(url: str, n: int = 300) -> float:
    """Seconds per small INSERT committed in autocommit on one connection."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS floor (k BIGINT PRIMARY KEY, v TEXT)")
        conn.execute("TRUNCATE floor")
        started = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO floor (k, v) VALUES (%s, %s)", (i, "x" * 200))
        return (time.perf_counter() - started) / n


def commit_ceiling(url: str, connections: int = 8, seconds: float = 1.0) -> float:
    """Commits per second that `connections` connections inserting at once achieve."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS ceiling (k BIGINT PRIMARY KEY, v TEXT)")
        conn.execute("TRUNCATE ceiling")
    counts = [0] * connections
    go = threading.Barrier(connections + 1)

    def run(index: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            go.wait()
            end = time.perf_counter() + seconds
            k = index << 32
            while time.perf_counter() < end:
                conn.execute("INSERT INTO ceiling (k, v) VALUES (%s, %s)", (k, "x" * 200))
                k += 1
                counts[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    go.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


# -- databases and processes --------------------------------------------------------------


@contextmanager
def fresh_database(server: str, name: str = DATABASE) -> Iterator[str]:
    """A new empty database on `server`, dropped at the end."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env() -> dict[str, str]:
    """The environment without Perdure settings the caller may have exported."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}


@dataclass
class Cluster:
    """`perdure server`s on a database and `perdure worker`s for them, as subprocesses;
    worker i works for server i mod servers."""

    url: str
    workers: int
    isolation: str
    servers: int = 1
    logs: Path = field(default_factory=lambda: Path(os.devnull))
    ports: list[int] = field(default_factory=list)
    server_procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    worker_procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def endpoints(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def start(self) -> None:
        env = clean_env()
        log = self.logs.open("ab")
        for _ in range(self.servers):
            port = free_port()
            self.ports.append(port)
            self.server_procs.append(
                subprocess.Popen(
                    [str(PERDURE), "server", "--db", self.url, "--port", str(port)],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
        for proc, port in zip(self.server_procs, self.ports, strict=True):
            _wait_healthy(proc, port)
        for i in range(self.workers):
            self.worker_procs.append(
                subprocess.Popen(
                    [
                        str(PERDURE),
                        "worker",
                        str(FUNCTIONS),
                        "--endpoint",
                        self.endpoints[i % self.servers],
                        "--isolation",
                        self.isolation,
                        "--concurrency",
                        str(WORKER_CONCURRENCY),
                    ],
                    env=env,
                    stdout=log,
                    stderr=log,
                    cwd=HERE,
                )
            )

    def pids(self) -> dict[str, list[int]]:
        return {
            "server": [p.pid for p in self.server_procs],
            "workers": [p.pid for p in self.worker_procs],
        }

    def stop(self) -> None:
        procs = [*self.worker_procs, *self.server_procs]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_healthy(server: subprocess.Popen[bytes], port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"perdure server exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"perdure server did not answer /health within {timeout:.0f} s")


# -- CPU accounting -----------------------------------------------------------------------


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) that process `pid` has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent not idle."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


class CpuMeter:
    """CPU seconds spent between `start` and `stop` by the machine and by named groups of
    processes (PostgreSQL's backends that live through the window are counted)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = {**groups, "benchmark": [os.getpid()]}

    def _sample(self) -> dict[str, float]:
        sample = {name: sum(_proc_cpu(p) for p in pids) for name, pids in self.groups.items()}
        sample["postgres"] = sum(_proc_cpu(p) for p in _postgres_pids())
        sample["machine"] = _machine_busy()
        return sample

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        spent: dict[str, float] = {}
        before, started = self._sample(), time.perf_counter()
        yield spent
        after, wall = self._sample(), time.perf_counter() - started
        spent.update({k: after[k] - before.get(k, 0.0) for k in after})
        # How busy the machine's cores were, whoever kept them busy.
        spent["busy"] = spent["machine"] / wall / (os.cpu_count() or 1)


# -- load ---------------------------------------------------------------------------------


class Client:
    """One kept-alive HTTP connection to the server."""

    def __init__(self, endpoint: str) -> None:
        host, port = endpoint.removeprefix("http://").split(":")
        self._conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def invoke_event(self, function: str, payload: object) -> str:
        self._conn.request(
            "POST",
            f"/2015-03-31/functions/{function}/invocations",
            body=json.dumps(payload).encode(),
            headers={"X-Amz-Invocation-Type": "Event", "Content-Type": "application/json"},
        )
        resp = self._conn.getresponse()
        data = resp.read()
        if resp.status >= 400:
            raise RuntimeError(f"Invoke {function}: {resp.status} {data[:200]!r}")
        return str(resp.getheader("X-Amz-Durable-Execution-Arn"))


def start_all(endpoints: Sequence[str], function: str, payload: object, count: int) -> list[str]:
    """Start `count` executions from CLIENT_THREADS threads, thread i sending to server
    i mod servers; their ARNs."""
    threads = min(CLIENT_THREADS, count)
    shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def run(i: int) -> list[str]:
        client = Client(endpoints[i % len(endpoints)])
        return [client.invoke_event(function, payload) for _ in range(shares[i])]

    with ThreadPoolExecutor(threads) as pool:
        return [arn for arns in pool.map(run, range(threads)) for arn in arns]


def wait_ended(url: str, arns: Sequence[str], timeout: float = 300.0) -> float:
    """Wait until every execution in `arns` has ended; seconds from the first start to
    the last end, by the service's own timestamps (epoch milliseconds)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT COUNT(*) FILTER (WHERE end_ms IS NULL), "
                "COUNT(*) FILTER (WHERE status <> 'SUCCEEDED' AND end_ms IS NOT NULL), "
                "MIN(start_ms), MAX(end_ms) FROM executions WHERE id = ANY(%s)",
                ([arn.rsplit("/", 1)[1] for arn in arns],),  # an ARN ends with the id
            ).fetchone()
            assert row is not None
            running, failed, first, last = row
            if failed:
                raise RuntimeError(f"{failed} executions did not succeed; see the server log")
            if running == 0:
                return (int(last) - int(first)) / 1000
            if time.monotonic() > deadline:
                raise RuntimeError(f"{running} executions still running after {timeout:.0f} s")
            time.sleep(0.02)


# -- measuring ----------------------------------------------------------------------------


@dataclass
class Figures:
    """One configuration's samples over the repeats."""

    label: str
    alone_per_step: list[float] = field(default_factory=list)
    one_step_rate: list[float] = field(default_factory=list)
    steps_rate: list[float] = field(default_factory=list)
    one_step_cpu: dict[str, list[float]] = field(default_factory=dict)
    steps_cpu: dict[str, list[float]] = field(default_factory=dict)


def _add_cpu(into: dict[str, list[float]], spent: dict[str, float], per: int) -> None:
    for name, seconds in spent.items():
        into.setdefault(name, []).append(seconds if name == "busy" else seconds / per)


def measure_perdure(
    args: argparse.Namespace, workers: int, isolation: str, servers: int
) -> Figures:
    label = f"Perdure, {workers} worker{'s' if workers > 1 else ''} ({isolation})"
    figures = Figures(label if servers == 1 else f"{label}, {servers} servers")
    with fresh_database(args.db) as url:
        cluster = Cluster(url, workers, isolation, servers, logs=args.logs)
        try:
            cluster.start()
            meter = CpuMeter(cluster.pids())
            # Warm-up: workers registered, connections opened, fork servers up.
            wait_ended(url, start_all(cluster.endpoints, "one_step", {}, 4 * workers))
            for _ in range(args.repeat):
                arn = start_all(cluster.endpoints, "steps", {"steps": args.alone_steps}, 1)
                figures.alone_per_step.append(wait_ended(url, arn) / args.alone_steps)
                with meter.measure() as spent:
                    arns = start_all(cluster.endpoints, "one_step", {}, args.count)
                    span = wait_ended(url, arns)
                figures.one_step_rate.append(args.count / span)
                _add_cpu(figures.one_step_cpu, spent, args.count)
                with meter.measure() as spent:
                    payload = {"steps": args.steps}
                    arns = start_all(cluster.endpoints, "steps", payload, args.executions)
                    span = wait_ended(url, arns)
                total = args.steps * args.executions
                figures.steps_rate.append(total / span)
                _add_cpu(figures.steps_cpu, spent, total)
        finally:
            cluster.stop()
    return figures


def measure_embedded(args: argparse.Namespace) -> Figures:
    """Perdure as a library, like DBOS: service, handlers (8 threads) and store in this
    one process, on a fresh database, the workloads started through the service."""
    figures = Figures("Perdure embedded, 1 process (thread)")

    def start_many(function: str, payload: str, count: int) -> list[str]:
        def run(_: int) -> str:
            return start.start_execution(app.ctx, function, payload).arn

        with ThreadPoolExecutor(min(CLIENT_THREADS, count)) as pool:
            return list(pool.map(run, range(count)))

    with fresh_database(args.db) as url:
        app = build_embedded(url, {"steps": steps, "one_step": one_step}, workers=8)
        try:
            meter = CpuMeter({})
            wait_ended(url, start_many("one_step", "{}", 8))
            for _ in range(args.repeat):
                arn = start_many("steps", json.dumps({"steps": args.alone_steps}), 1)
                figures.alone_per_step.append(wait_ended(url, arn) / args.alone_steps)
                with meter.measure() as spent:
                    span = wait_ended(url, start_many("one_step", "{}", args.count))
                figures.one_step_rate.append(args.count / span)
                _add_cpu(figures.one_step_cpu, spent, args.count)
                with meter.measure() as spent:
                    payload = json.dumps({"steps": args.steps})
                    span = wait_ended(url, start_many("steps", payload, args.executions))
                total = args.steps * args.executions
                figures.steps_rate.append(total / span)
                _add_cpu(figures.steps_cpu, spent, total)
        finally:
            app.close()
    return figures


def measure_dbos(args: argparse.Namespace) -> list[Figures]:
    """DBOS's figures from benchmarks/dbos_steps.py run in DBOS's own environment."""
    command = [
        str(DBOS_PYTHON),
        str(HERE / "dbos_steps.py"),
        "--db",
        args.db,
        "--processes",
        args.workers,
        "--steps",
        str(args.steps),
        "--executions",
        str(args.executions),
        "--count",
        str(args.count),
        "--alone-steps",
        str(args.alone_steps),
        "--concurrency",
        str(WORKER_CONCURRENCY),
        "--repeat",
        str(args.repeat),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dbos_steps.py failed:\n{done.stderr[-2000:]}")
    doc = json.loads(done.stdout.strip().splitlines()[-1])
    results = []
    for r in doc["results"]:
        n = r["processes"]
        fig = Figures(f"DBOS {doc['dbos']}, {n} process{'es' if n > 1 else ''}")
        fig.alone_per_step = r["alone_per_step"]
        fig.one_step_rate = r["one_step_rate"]
        fig.steps_rate = r["steps_rate"]
        fig.one_step_cpu = {"library": [r["one_step_cpu"]]}
        fig.steps_cpu = {"library": [r["steps_cpu"]]}
        results.append(fig)
    return results


# -- reporting ----------------------------------------------------------------------------


def spread(samples: Sequence[float], scale: float = 1.0, fmt: str = "{:.0f}") -> str:
    med = statistics.median(samples) * scale
    low, high = min(samples) * scale, max(samples) * scale
    return f"{fmt.format(med)} ({fmt.format(low)}-{fmt.format(high)})"


def cpu_line(cpu: dict[str, list[float]]) -> str:
    order = ["machine", "server", "workers", "postgres", "benchmark", "library"]
    parts = [f"{k} {statistics.median(cpu[k]) * 1000:.2f}" for k in order if k in cpu]
    if "busy" in cpu:
        parts.append(f"cores {statistics.median(cpu['busy']):.0%} busy")
    return ", ".join(parts)


def report(
    floor: float, ceiling: float, rows: Sequence[Figures], out: Callable[[str], None]
) -> None:
    out("")
    out(f"floor: one commit {floor * 1000:.3f} ms = {1 / floor:,.0f} commits/s on one connection;")
    out(f"       8 connections together: {ceiling:,.0f} commits/s")
    out("")
    head = (
        f"{'':40} {'per step alone, ms':>24} {'x floor':>7} "
        f"{'1-step executions/s':>20} {'steps/s':>20} {'x floor rate':>12}"
    )
    out(head)
    out("-" * len(head))
    for fig in rows:
        alone = statistics.median(fig.alone_per_step)
        rate = statistics.median(fig.steps_rate)
        out(
            f"{fig.label:40} {spread(fig.alone_per_step, 1000, '{:.3f}'):>24} "
            f"{alone / floor:>6.2f}x {spread(fig.one_step_rate):>20} "
            f"{spread(fig.steps_rate):>20} {rate * floor:>11.2f}x"
        )
    out("")
    out("CPU milliseconds per one-step execution | per step (of many executions):")
    for fig in rows:
        out(f"  {fig.label:40} {cpu_line(fig.one_step_cpu)} | {cpu_line(fig.steps_cpu)}")


def postgres_version(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
    assert row is not None and sync is not None
    return f"PostgreSQL {row[0]} (synchronous_commit={sync[0]})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--isolation", default="thread,process")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--count", type=int, default=200, help="one-step executions per batch")
    parser.add_argument("--executions", type=int, default=32, help="executions of --steps")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--alone-steps", type=int, default=200)
    parser.add_argument("--no-dbos", action="store_true", help="skip the DBOS side")
    parser.add_argument(
        "--servers",
        type=int,
        default=2,
        help="also run the thread-isolation figures with this many servers sharing the "
        "workers (for worker counts at least this large; 1 = not)",
    )
    parser.add_argument("--logs", type=Path, default=Path(os.devnull), help="server/worker log")
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {postgres_version(args.db)}, "
        f"load average {os.getloadavg()[0]:.2f} at start",
        flush=True,
    )
    with fresh_database(args.db, f"{DATABASE}_floor") as url:
        floor = statistics.median(commit_floor(url) for _ in range(3))
        ceiling = statistics.median(commit_ceiling(url) for _ in range(3))
    rows: list[Figures] = []
    for isolation in args.isolation.split(","):
        for n in args.workers.split(","):
            rows.append(measure_perdure(args, int(n), isolation, 1))
            print(f"  done: {rows[-1].label}", flush=True)
    rows.append(measure_embedded(args))
    print(f"  done: {rows[-1].label}", flush=True)
    for n in args.workers.split(","):
        if args.servers > 1 and int(n) >= args.servers:
            rows.append(measure_perdure(args, int(n), "thread", args.servers))
            print(f"  done: {rows[-1].label}", flush=True)
    if args.no_dbos:
        pass
    elif DBOS_PYTHON.exists():
        rows.extend(measure_dbos(args))
        print("  done: DBOS", flush=True)
    else:
        print(f"  DBOS skipped: no {DBOS_PYTHON} (run: sh benchmarks/dbos_setup.sh)")
    report(floor, ceiling, rows, print)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
