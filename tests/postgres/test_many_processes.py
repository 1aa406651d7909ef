"""The distributed setup under faults, end to end: two `perdure server`s and three
`perdure worker`s, real processes on free ports sharing one PostgreSQL database, run
1,000 executions that mix steps, at-most-once steps, waits of 1-2 s and callbacks
answered through the API. As the run progresses, one worker is SIGKILLed (and started
again), one server is SIGKILLed and restarted (the clients' server), PostgreSQL itself
is stopped and started again (down for 2 s), and later every connection to the
database is dropped and refused for 2 s. Then every execution must complete, every
timer fire once, no at-most-once step run twice, and every history be gap-free with
one InvocationCompleted per invocation.

The PostgreSQL restart needs PERDURE_TEST_POSTGRES_CTL (tests/postgres/outages.py;
`.ci/run` sets it): without it the run leaves the restart out and prints why, except
under CI, where it fails. PERDURE_TEST_PG_EXECUTIONS sets another number of executions
(a quicker local run)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.chaos.processes import PerdureProcess
from tests.postgres import invariants, runs
from tests.postgres.outages import (
    Restart,
    database_of,
    no_restart_reason,
    outage,
    restart,
    restart_command,
)
from tests.postgres_databases import TestDatabases

EXECUTIONS = int(os.environ.get("PERDURE_TEST_PG_EXECUTIONS", "1000"))
SETTLE_BOUND = 240.0
DOWN_SECONDS = 2.0  # how long PostgreSQL stays stopped, and connections refused


def _succeeded(url: str) -> int:
    try:
        return invariants.statuses(url).get("SUCCEEDED", 0)
    except psycopg.OperationalError:
        return 0  # the database is refusing connections just now


def _when(url: str, share: float, processes: list[PerdureProcess], timeout: float = 180.0) -> float:
    """Wait until `share` of the executions succeeded; the monotonic time then. Fails
    at once if a process has exited: none should but the ones the test kills."""
    deadline = time.monotonic() + timeout
    while _succeeded(url) < share * EXECUTIONS:
        for process in processes:
            assert process.alive(), f"{process.name} exited:\n{process.tail(20)}"
        assert time.monotonic() < deadline, f"{_succeeded(url)} succeeded after {timeout} s"
        time.sleep(0.1)
    return time.monotonic()


def test_two_servers_and_three_workers_complete_every_execution_through_kills_and_restarts(
    postgres_databases: TestDatabases, postgres_url: str, tmp_path: Path
) -> None:
    ctl = restart_command()
    if ctl is None:
        print(f"\nPostgreSQL is not restarted in this run: {no_restart_reason()}")
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
    database = database_of(postgres_url)
    restarts: list[Restart] = []

    def restart_postgresql() -> None:
        assert ctl is not None
        restarts.append(restart(ctl, postgres_url, DOWN_SECONDS))

    def drop_connections() -> None:
        # A connection of its own: the restart ended every earlier one.
        with psycopg.connect(postgres_databases.url, autocommit=True) as admin:
            outage(admin, database, DOWN_SECONDS)

    plan: list[tuple[str, float, Callable[[], None]]] = [
        ("kill worker", 0.15, lambda: _crash(workers[0], restart_after=1.0)),
        ("restart server", 0.3, lambda: _crash(restarted, restart_after=0.5)),
    ]
    if ctl is not None:
        plan.append(("restart PostgreSQL", 0.45, restart_postgresql))
    plan.append(("drop connections", 0.65, drop_connections))

    faults: dict[str, float] = {}
    with runs.running(processes):
        run = runs.Run(postgres_url, restarted.url, environment)
        try:
            run.plan(EXECUTIONS, waits=(1, 2))
            began = time.monotonic()
            stop_feeding = run.feed()
            try:
                for name, share, fault in plan:
                    faults[name] = _when(postgres_url, share, processes)
                    fault()
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
        + "".join(
            f" (PostgreSQL stopping {r.stopping:.1f} s, down {r.down:.1f} s, "
            f"starting {r.starting:.1f} s)"
            for r in restarts
        )
        + f"; settled {settled:.1f} s after the last ({elapsed - last_fault:.1f} s after it "
        f"struck); {run.workload.refused} start attempts refused and sent again"
    )
    assert not exited, f"{exited}\n{logs}"
    assert healths == {"server-a": 200, "server-b": 200}, healths
    assert findings.statuses == {"SUCCEEDED": EXECUTIONS}, findings.failures[:10]
    assert not findings.violations, "\n".join(str(v) for v in findings.violations[:20])


def _crash(process: PerdureProcess, restart_after: float) -> None:
    assert process.proc is not None
    process.proc.send_signal(signal.SIGKILL)
    process.proc.wait(10)
    time.sleep(restart_after)
    process.start()
