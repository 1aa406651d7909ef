"""`perdure dev` and `perdure worker` as users run them, with handlers that end their own
process: the server or worker stays up, the invocation is recorded as failed and
retried. And `kill -9` of the `perdure dev` supervisor takes its server with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from perdure.client import DurableClient
from tests.chaos.processes import descendants_of
from tests.cli.test_dev import ROOT
from tests.perdure_processes import free_port, healthy
from tests.workers.support import serve, wait_until

HANDLERS = ROOT / "tests" / "cli" / "crash_handlers.py"


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextmanager
def running_dev(tmp_path: Path, port: int, *options: str) -> Iterator[subprocess.Popen[bytes]]:
    """`perdure dev` (with its reloading supervisor) serving the crash handlers."""
    log = tmp_path / f"dev-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "perdure._cli.main", "dev", str(HANDLERS)]
    command += ["--port", str(port), "--db", str(tmp_path / "dev.db"), *options]
    with log.open("w") as sink:
        proc = subprocess.Popen(command, cwd=ROOT, env=_environment(), stdout=sink, stderr=sink)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not (healthy(url) and "Ctrl-C" in log.read_text()):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield proc
    finally:
        _stop(proc)


def _crashed_then_succeeded(client: DurableClient, arn: str) -> dict[str, Any]:
    """Wait for the execution; the error its first (crashed) invocation ended with."""
    done = client.wait(arn, timeout=30)
    assert done.status == "SUCCEEDED", done
    assert done.result == "survived exit"
    ends = [
        e["InvocationCompletedDetails"]
        for e in client.history(arn)
        if e["EventType"] == "InvocationCompleted"
    ]
    assert len(ends) == 2 and "Error" not in ends[1]
    error: dict[str, Any] = ends[0]["Error"]["Payload"]
    return error


def test_dev_stays_up_when_a_handler_exits_its_process(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_dev(tmp_path, port, "--isolation", "process") as dev:
        server = descendants_of(dev.pid)
        with DurableClient.connect(url) as client:
            arn = client.start("crash_once", {"marker": str(tmp_path / "crashed")})
            error = _crashed_then_succeeded(client, arn)
        assert error["ErrorType"] == "Runtime.ExitError"
        assert "Runtime exited with error: exit status 3" in error["ErrorMessage"]
        assert dev.poll() is None and healthy(url)
        assert set(server) <= set(descendants_of(dev.pid))  # the same server process


def test_a_worker_stays_up_when_a_handler_exits_its_process(tmp_path: Path) -> None:
    with serve(str(tmp_path / "server.db")) as server:
        command = [sys.executable, "-m", "perdure._cli.main", "worker", "tests.cli.crash_handlers"]
        command += ["--endpoint", server.base_url, "--isolation", "process"]
        worker = subprocess.Popen(command, cwd=ROOT, env=_environment())
        try:
            with DurableClient.connect(server.base_url) as client:
                arn = client.start("crash_once", {"marker": str(tmp_path / "crashed")})
                error = _crashed_then_succeeded(client, arn)
            assert error["ErrorType"] == "Runtime.ExitError"
            assert "exit status 3" in error["ErrorMessage"]
            assert worker.poll() is None
        finally:
            _stop(worker)
        assert worker.returncode == 0  # drained and stopped as usual


def _gone(pid: int) -> bool:
    """Whether `pid` has exited (a zombie nobody has reaped yet counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2] == "Z"


def test_killing_the_dev_supervisor_ends_its_server_and_frees_the_port(tmp_path: Path) -> None:
    port = free_port()
    with running_dev(tmp_path, port) as supervisor:
        started = descendants_of(supervisor.pid)  # the server, its handler fork server...
        assert started
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait(10)
        wait_until(
            lambda: all(_gone(pid) for pid in started),
            10,
            f"the processes of the killed supervisor to exit: {started}",
        )
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    with running_dev(tmp_path, port) as again:
        assert again.poll() is None and healthy(f"http://127.0.0.1:{port}")
