"""The distributed setup under faults, end to end: two `perdure server`s and three
`perdure worker`s, real processes on free ports sharing one PostgreSQL database, run
1,000 executions that mix steps, at-most-once steps, waits of 1-2 s and callbacks
answered through the API. As the run progresses, one worker is SIGKILLed (and started
again), one server is SIGKILLed and restarted (the clients' server), and every
connection to the database is dropped and refused for two seconds. Then every
execution must complete, every timer fire once, no at-most-once step run twice, and
every history be gap-free with one InvocationCompleted per invocation.

PERDURE_TEST_PG_EXECUTIONS sets another number of executions (a quicker local run)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.chaos.processes import PerdureProcess
from tests.postgres import invariants, runs
from tests.postgres.outages import Admin, database_of, outage

EXECUTIONS = int(os.environ.get("PERDURE_TEST_PG_EXECUTIONS", "1000"))
SETTLE_BOUND = 240.0


def _succeeded(url: str) -> int:
    try:
        return invariants.statuses(url).get("SUCCEEDED", 0)
    except psycopg.OperationalError:
        return 0  # the database is refusing connections just now


def _when(url: str, share: float, timeout: float = 180.0) -> float:
    """Wait until `share` of the executions succeeded; the monotonic time then."""
    deadline = time.monotonic() + timeout
    while _succeeded(url) < share * EXECUTIONS:
        assert time.monotonic() < deadline, f"{_succeeded(url)} succeeded after {timeout} s"
        time.sleep(0.1)
    return time.monotonic()


def test_two_servers_and_three_workers_complete_every_execution_through_kills_and_outages(
    postgres_url: str, admin: Admin, tmp_path: Path
) -> None:
    environment = runs.environment(tmp_path)
    steady = runs.server(environment, postgres_url, "server-a")
    restarted = runs.server(environment, postgres_url, "server-b")
    assert steady.url and restarted.url
    workers = [
        runs.worker(environment, steady.url, "worker-1", 8),
        runs.worker(environment, steady.url, "worker-2", 8),
        runs.worker(environment, restarted.url, "worker-3", 8),
    ]
    processes = [steady, restarted, *workers]
    faults: dict[str, float] = {}
    with runs.running(processes):
        run = runs.Run(postgres_url, restarted.url, environment)
        try:
            run.plan(EXECUTIONS, waits=(1, 2))
            began = time.monotonic()
            stop_feeding = run.feed()
            try:
                faults.update(_strike(postgres_url, admin, workers[0], restarted))
                settled = run.settle(timeout=SETTLE_BOUND)
            finally:
                stop_feeding.set()
            elapsed = time.monotonic() - began
            healths = {p.name: runs.health(p.url)[0] for p in (steady, restarted) if p.url}
            exited = {p.name: p.proc.returncode for p in processes if p.proc and not p.alive()}
            logs = "\n".join(f"--- {p.name}\n{p.tail(10)}" for p in processes)
        finally:
            run.close()
    findings = run.findings()

    last_fault = max(faults.values()) - began
    print(
        f"\n{EXECUTIONS} executions ({findings.events} events) on 2 servers and 3 workers: "
        f"done in {elapsed:.1f} s, {EXECUTIONS / elapsed:.1f} executions/s; faults at "
        + ", ".join(f"{name} {t - began:.1f} s" for name, t in faults.items())
        + f"; settled {settled:.1f} s after the last ({elapsed - last_fault:.1f} s after it "
        f"struck); {run.workload.refused} start attempts refused and sent again"
    )
    assert not exited, f"{exited}\n{logs}"
    assert healths == {"server-a": 200, "server-b": 200}, healths
    assert findings.statuses == {"SUCCEEDED": EXECUTIONS}, findings.failures[:10]
    assert not findings.violations, "\n".join(str(v) for v in findings.violations[:20])


def _strike(
    url: str, admin: Admin, worker: PerdureProcess, server: PerdureProcess
) -> dict[str, float]:
    """The faults, each once a share of the executions has succeeded; when each struck."""
    struck: dict[str, float] = {}
    plan: list[tuple[str, float, Callable[[], None]]] = [
        ("kill worker", 0.15, lambda: _crash(worker, restart_after=1.0)),
        ("restart server", 0.35, lambda: _crash(server, restart_after=0.5)),
        ("drop connections", 0.6, lambda: outage(admin, database_of(url), 2.0)),
    ]
    for name, share, fault in plan:
        struck[name] = _when(url, share)
        fault()
    return struck


def _crash(process: PerdureProcess, restart_after: float) -> None:
    assert process.proc is not None
    process.proc.send_signal(signal.SIGKILL)
    process.proc.wait(10)
    time.sleep(restart_after)
    process.start()
