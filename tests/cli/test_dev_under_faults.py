"""`kill -9` of `perdure dev` in the middle of 30 executions (in steps, waits and
callbacks), then a restart on the same database: every execution settles within
seconds, because the new process gives up at once on the leases the dead one held."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from perdure.client import DurableClient
from tests.cli.test_dev import ROOT, _free_port, _healthy

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
            while not _healthy(url):
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
    port = _free_port()
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
