"""Real Perdure processes on one PostgreSQL database, for the fault tests: `perdure
server`, `perdure worker` and `perdure dev` as subprocesses (tests/chaos/processes.py),
a workload that starts executions and answers their callbacks through every fault
(tests/chaos/workload.py), and raw looks at the API for what a client sees."""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.chaos.invariants import Findings
from tests.chaos.processes import Environment, PerdureProcess, free_port
from tests.chaos.workload import Workload
from tests.postgres import invariants

HANDLERS = "tests.postgres.handlers"
FUNCTION = "journey"


def environment(folder: Path) -> Environment:
    return Environment(folder=folder, record=folder / "record.log")


def server(environment: Environment, db: str, name: str = "server") -> PerdureProcess:
    port = free_port()
    args = ["server", "--db", db, "--port", str(port)]
    return PerdureProcess(name, args, environment, url=f"http://127.0.0.1:{port}")


def worker(environment: Environment, endpoint: str, name: str, concurrency: int) -> PerdureProcess:
    args = ["worker", HANDLERS, "--endpoint", endpoint, "--concurrency", str(concurrency)]
    return PerdureProcess(name, args, environment)


def dev(environment: Environment, db: str) -> PerdureProcess:
    port = free_port()
    args = ["dev", HANDLERS, "--db", db, "--port", str(port), "--no-reload"]
    return PerdureProcess("dev", args, environment, url=f"http://127.0.0.1:{port}")


@contextmanager
def running(processes: list[PerdureProcess]) -> Iterator[list[PerdureProcess]]:
    """Start them in order (servers first); stop every one at the end, whatever happens."""
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop(grace=10)


def get_execution(url: str, arn: str) -> tuple[int, str | None, dict[str, Any]]:
    """Status, X-Amzn-ErrorType and body of GetDurableExecution, as any client sees it."""
    request = urllib.request.Request(f"{url}/2025-12-01/durable-executions/{quote(arn, safe='')}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), None, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.headers.get("X-Amzn-ErrorType"), json.loads(exc.read() or b"{}")


def health(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"{}")


@dataclass
class Run:
    """One workload of `journey` executions against `url`, on the database `db`."""

    db: str
    url: str
    environment: Environment
    seed: int = 1
    workload: Workload = field(init=False)
    _feeder: threading.Thread | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.workload = Workload(self.url, self.environment.record, random.Random(self.seed))

    def close(self) -> None:
        if self._feeder is not None:
            self._feeder.join(30)
        self.workload.close()

    def plan(self, count: int, *, waits: tuple[int, ...] = (1,), **extra: Any) -> None:
        """Queue `count` starts, waiting each of `waits` seconds in turn; every third
        waits for a callback too."""
        for i in range(count):
            wait = waits[i % len(waits)]
            self.workload.plan(FUNCTION, callback=i % 3 == 0, wait=wait, **extra)

    def feed(self) -> threading.Event:
        """Send starts (fifty at a time) and answer callbacks on a thread until the
        returned event is set; the thread carries on through every fault."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                self.workload.send_starts(limit=50)
                self.workload.answer_callbacks()
                stop.wait(0.05)

        self._feeder = threading.Thread(target=loop, name="pg-feed", daemon=True)
        self._feeder.start()
        return stop

    def settle(self, timeout: float) -> float:
        """Send what is unsent and answer callbacks until every accepted execution has
        ended; the seconds that took. Fails with the unsettled ones at `timeout`."""
        began = time.monotonic()
        while True:
            self.workload.send_starts()
            self.workload.answer_callbacks()
            accepted = set(self.workload.snapshot())
            if not self.workload.unsent and not invariants.unsettled(self.db, accepted):
                return time.monotonic() - began
            if time.monotonic() - began > timeout:
                left = invariants.unsettled(self.db, accepted)
                raise AssertionError(
                    f"{len(left)} executions unsettled after {timeout:g} s "
                    f"({self.workload.unsent} never accepted): {left[:5]}"
                )
            time.sleep(0.2)

    def findings(self) -> Findings:
        return invariants.check(self.db, self.workload.snapshot(), self.environment.record)
