"""`perdure dev` as a separate process under faults from outside: `kill -9` in the
middle of 30 executions (in steps, waits and callbacks) and a restart, after which every
execution settles within seconds because the new process gives up at once on the leases
the dead one held; and a 15 s exclusive lock on its database, which `/health` reports
while it lasts and after which waiting executions resume by themselves."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from perdure.client import DurableClient
from tests.cli.test_dev import ROOT
from tests.perdure_processes import free_port, healthy

HANDLERS = """
import time
from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration


@durable_step
def slow(step_ctx: StepContext, seconds: float) -> str:
    time.sleep(seconds)
    return "stepped"


@durable_execution
def stepper(event: Any, context: DurableContext) -> str:
    return context.step(slow(event["seconds"]))


@durable_execution
def waiter(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(2), name="nap")
    return context.step(slow(0.01))


@durable_execution
def approver(event: Any, context: DurableContext) -> str:
    callback = context.create_callback(name="approval")
    return "approved: " + str(callback.result())
"""


@contextmanager
def dev(folder: Path, port: int, log_name: str) -> Iterator[subprocess.Popen[bytes]]:
    """`perdure dev --no-reload` (one process, nothing between it and the signal)."""
    url = f"http://127.0.0.1:{port}"
    log = folder / log_name
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}
    env["NO_COLOR"] = "1"
    command = [sys.executable, "-m", "perdure._cli.main", "dev", str(folder / "flows.py")]
    command += ["--port", str(port), "--db", str(folder / "dev.db"), "--no-reload"]
    with log.open("w") as sink:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        try:
            deadline = time.monotonic() + 30
            while not healthy(url):
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)


def event_types(client: DurableClient, arn: str) -> list[str]:
    return [e["EventType"] for e in client.history(arn)]


def wait_for(client: DurableClient, arns: list[str], event: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(event not in event_types(client, a) for a in arns):
        assert time.monotonic() < deadline, f"not every execution reached {event}"
        time.sleep(0.05)


def test_a_killed_dev_server_restarted_settles_every_execution_within_seconds(
    tmp_path: Path,
) -> None:
    (tmp_path / "flows.py").write_text(HANDLERS)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with dev(tmp_path, port, "first.log") as first, DurableClient.connect(url, "") as client:
        # More steps than the dev server's 8 threads: some run, the rest are queued.
        steppers = [client.start("stepper", {"seconds": 2.0}) for _ in range(10)]
        waiters = [client.start("waiter", {}) for _ in range(10)]
        approvers = [client.start("approver", {}) for _ in range(10)]
        wait_for(client, waiters, "WaitStarted", 20)
        wait_for(client, approvers, "CallbackStarted", 20)
        time.sleep(0.3)  # steps are under way
        first.kill()
        first.wait(10)
    with dev(tmp_path, port, "second.log"), DurableClient.connect(url, "") as client:
        restarted = time.monotonic()
        for arn in approvers:
            started = next(e for e in client.history(arn) if e["EventType"] == "CallbackStarted")
            client.send_callback_success(started["CallbackStartedDetails"]["CallbackId"], b'"yes"')
        pending = steppers + waiters + approvers
        while pending:
            assert time.monotonic() - restarted < 30, f"{len(pending)} still running"
            pending = [a for a in pending if client.get(a).status == "RUNNING"]
            time.sleep(0.05)
        settled = time.monotonic() - restarted
        statuses = {client.get(a).status for a in steppers + waiters + approvers}
        assert statuses == {"SUCCEEDED"}
        # Two 2 s steps back to back at most, plus a retry backoff: well under 30 s.
        assert settled < 10, f"settled {settled:.1f} s after the restart"
        print(f"all 30 settled {settled:.2f} s after the restart")


def health(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_15_second_lock_on_the_database_is_reported_and_then_waits_resume(
    tmp_path: Path,
) -> None:
    (tmp_path / "flows.py").write_text(HANDLERS)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with dev(tmp_path, port, "dev.log"), DurableClient.connect(url, "") as client:
        waiters = [client.start("waiter", {}) for _ in range(10)]
        wait_for(client, waiters, "WaitStarted", 20)
        reports = []
        lock = sqlite3.connect(str(tmp_path / "dev.db"), timeout=10, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            held = time.monotonic()
            while time.monotonic() - held < 15:
                reports.append(health(url))
                time.sleep(0.5)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        released = time.monotonic()
        pending = list(waiters)
        while pending:
            assert time.monotonic() - released < 20, f"{len(pending)} still running"
            pending = [a for a in pending if client.get(a).status == "RUNNING"]
            time.sleep(0.1)
        resumed = time.monotonic() - released
        assert {client.get(a).status for a in waiters} == {"SUCCEEDED"}
        failing = [doc for status, doc in reports if status == 503]
        assert failing, reports[-1]
        assert "locked" in json.dumps(failing[-1])
        assert reports[0][0] == 200  # the timers were not due yet when the lock began
        deadline = time.monotonic() + 15
        while health(url)[0] != 200:
            assert time.monotonic() < deadline, health(url)
            time.sleep(0.2)
        assert resumed < 10, f"resumed {resumed:.1f} s after the lock was released"
        print(f"10 waits resumed {resumed:.2f} s after a 15 s lock was released")
