"""`perdure server` with a `perdure worker`, and `perdure dev`, each on PostgreSQL, carry
on by themselves through dropped connections and a database that refuses connections
for a few seconds, struck while executions run steps and wait: during the outage a
client gets a retryable 503 ServiceException and `/health` says the store is
unavailable; afterwards every execution completes, no process has exited, no timer
fired twice and no at-most-once step ran twice."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.chaos.processes import PerdureProcess
from tests.postgres import runs
from tests.postgres.outages import Admin, database_of, refused_connections, terminate_backends

EXECUTIONS = 24


@pytest.mark.parametrize("topology", ["server", "dev"])
def test_processes_resume_every_execution_after_dropped_connections_and_an_outage(
    topology: str, postgres_url: str, admin: Admin, tmp_path: Path
) -> None:
    environment = runs.environment(tmp_path)
    processes: list[PerdureProcess]
    if topology == "server":
        front = runs.server(environment, postgres_url)
        processes = [front, runs.worker(environment, front.url or "", "worker", 8)]
    else:
        front = runs.dev(environment, postgres_url)
        processes = [front]
    database = database_of(postgres_url)
    with runs.running(processes):
        assert front.url is not None
        run = runs.Run(postgres_url, front.url, environment)
        try:
            run.plan(EXECUTIONS, waits=(2,), step_seconds=0.2)
            assert run.workload.send_starts() == EXECUTIONS
            arn = next(iter(run.workload.snapshot()))
            time.sleep(0.5)  # in their first steps

            assert terminate_backends(admin, database) > 0
            time.sleep(1.0)  # in steps and waits again

            with refused_connections(admin, database):
                time.sleep(0.5)
                asked = time.monotonic()
                status, error_type, body = runs.get_execution(front.url, arn)
                answered_in = time.monotonic() - asked
                health_status, health = runs.health(front.url)
                time.sleep(2.0)

            settled = run.settle(timeout=60)
            after_status, after = runs.health(front.url)
            exited = {p.name: p.proc.returncode for p in processes if p.proc and not p.alive()}
            logs = "\n".join(p.tail(15) for p in processes)
        finally:
            run.close()
    findings = run.findings()

    assert (status, error_type) == (503, "ServiceException"), body
    assert "connection to the database was lost" in json.dumps(body), body
    assert answered_in < 3.0  # at once, not after requests queued on the pool's wait
    assert health_status == 503 and str(health["store"]).startswith("unavailable"), health
    assert after_status == 200, after
    assert not exited, f"{exited}\n{logs}"
    assert findings.statuses == {"SUCCEEDED": EXECUTIONS}, findings.failures
    assert not findings.violations, findings.violations
    print(f"{topology}: settled {settled:.1f} s after the outage")
