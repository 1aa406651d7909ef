"""Serve a Perdure server (scheduler-only dispatcher + HTTP API over SQLite) with uvicorn
on a loopback port in this process, and start `perdure worker` processes against it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perdure._app import ServerApp, build_server
from perdure._model import Event
from perdure._service import queries
from tests.http_serving import serve_in_thread
from tests.workers.handlers import RECORD_ENV

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.workers.handlers"


@dataclass
class Server:
    app: ServerApp
    base_url: str

    def history(self, arn: str) -> list[Event]:
        return queries.all_events(self.app.ctx, arn)

    def status(self, arn: str) -> str:
        return queries.get_execution(self.app.ctx, arn).status.value


@contextmanager
def serve(db_path: str) -> Iterator[Server]:
    app = build_server(db_path, synchronous="OFF")
    try:
        with serve_in_thread(app.api) as url:
            yield Server(app, url)
    finally:
        app.close()


_WORKER_MAIN = """
import logging, sys
from perdure._runtime.worker import run_worker
logging.basicConfig(level=logging.WARNING)
sys.exit(run_worker(sys.argv[1], [sys.argv[2]], concurrency=int(sys.argv[3]),
                    lease_seconds=int(sys.argv[4]), poll_seconds=1, drain_seconds=20,
                    isolation=sys.argv[5]))
"""


class Workers:
    """Worker processes started by a test, all killed when it ends."""

    def __init__(self, base_url: str, record: Path) -> None:
        self.base_url = base_url
        self.record = record
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(
        self,
        *,
        concurrency: int = 4,
        lease_seconds: int = 2,
        isolation: str = "thread",
        output: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        """A worker process. Handlers run on its threads unless `isolation` says
        "process": the tests that record which process ran a step compare pids.
        `output`: a file for its stdout and stderr (and its handler processes'),
        which otherwise go to the test's."""
        env = {**os.environ, RECORD_ENV: str(self.record)}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        sink = output.open("ab") if output is not None else None
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _WORKER_MAIN,
                    self.base_url,
                    MODULE,
                    str(concurrency),
                    str(lease_seconds),
                    isolation,
                ],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT if sink is not None else None,
            )
        finally:
            if sink is not None:
                sink.close()  # the worker has its own copy
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        for proc in self.procs:
            proc.wait(timeout=10)

    def lines(self) -> list[list[str]]:
        if not self.record.exists():
            return []
        text = self.record.read_text(encoding="utf-8")
        return [line.split() for line in text.splitlines() if line.strip()]


@contextmanager
def workers(base_url: str, record: Path) -> Iterator[Workers]:
    running = Workers(base_url, record)
    try:
        yield running
    finally:
        running.stop_all()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)
