"""THE fault test: two worker processes share N executions; one is SIGKILLed while it
holds leases and is restarted. Every execution completes, no at-most-once step body
runs twice within one attempt, and the history of each execution the dead worker held
records its crashed invocation."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

from perdure._service import start
from tests.workers.support import serve, wait_until, workers

N = 6
LEASE_SECONDS = 2


def test_a_worker_killed_mid_flight_loses_nothing(tmp_path: Path) -> None:
    with serve(str(tmp_path / "perdure.sqlite")) as server:
        with workers(server.base_url, tmp_path / "record.txt") as running:
            victim = running.start(concurrency=3, lease_seconds=LEASE_SECONDS)
            running.start(concurrency=3, lease_seconds=LEASE_SECONDS)
            arns = {
                str(i): start.start_execution(
                    server.app.ctx, "charge_then_ship", f'{{"id": "{i}", "seconds": 1.5}}'
                ).arn
                for i in range(N)
            }

            def victim_is_shipping() -> set[str]:
                return {
                    ln[1] for ln in running.lines() if ln[0] == "ship" and int(ln[3]) == victim.pid
                }

            held = wait_until(victim_is_shipping, 10, "the victim to hold an invocation")
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=5)
            held = victim_is_shipping()  # all it had started before it died
            running.start(concurrency=3, lease_seconds=LEASE_SECONDS)

            def all_ended() -> bool:
                return all(server.status(arn) != "RUNNING" for arn in arns.values())

            wait_until(all_ended, 15, "every execution to end")
            statuses = {key: server.status(arn) for key, arn in arns.items()}
            histories = {key: server.history(arn) for key, arn in arns.items()}
            lines = running.lines()

    assert statuses == {key: "SUCCEEDED" for key in arns}
    charges = Counter((ln[1], ln[2]) for ln in lines if ln[0] == "charge")
    assert charges, "no charge step ran"
    assert [k for k, n in charges.items() if n > 1] == [], "an at-most-once body ran twice"
    assert {key for key, _ in charges} == set(arns)
    assert held
    for key in held:
        crashed = [
            e
            for e in histories[key]
            if e.event_type.value == "InvocationCompleted"
            and e.details.get("Error", {}).get("Payload", {}).get("ErrorType")
            == "Runtime.LeaseExpired"
        ]
        assert len(crashed) == 1, [(e.event_type.value, e.details) for e in histories[key]]
