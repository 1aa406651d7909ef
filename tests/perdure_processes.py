"""Perdure's commands run as a user runs them, in processes of their own, for the tests
that drive `perdure dev`, `server`, `worker` and `up` from outside.

A free port, an environment without the test runner's own Perdure and AWS settings, a
process held until the test is done (ready when its output says so), and the callback
ids an execution publishes in its history.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from perdure.client import DurableClient

ROOT = Path(__file__).resolve().parents[1]
# `python -m` of the CLI's entry point: the command `perdure` runs, from this interpreter.
PERDURE = [sys.executable, "-m", "perdure._cli.main"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether `url`'s `/health` answers 200 now."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without `PERDURE_*` and `AWS_*`, so a command sees only
    the settings a test gives it, with colours off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERDURE_", "AWS_"))}
    return env | {"NO_COLOR": "1"} | extra


def run_perdure(
    *argv: str, cwd: Path = ROOT, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`perdure ARGV...` to its end, in a clean environment."""
    return subprocess.run(
        [*PERDURE, *argv],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def running(
    command: list[str],
    env: dict[str, str],
    log: Path,
    ready: str,
    *,
    cwd: Path = ROOT,
    start_timeout: float = 30,
    exit_timeout: float = 30,
) -> Iterator[Path]:
    """`perdure COMMAND...` running until the test is done, once `ready` is in its output
    (within `start_timeout` seconds); then stopped with SIGTERM, as Ctrl-C would, and
    required to exit cleanly."""
    with log.open("w") as sink:
        proc = subprocess.Popen([*PERDURE, *command], cwd=cwd, env=env, stdout=sink, stderr=sink)
        try:
            wait_for_output(log, ready, start_timeout, proc)
            yield log
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(exit_timeout) == 0, log.read_text()[-5000:]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def wait_for_output(
    log: Path,
    text: str,
    timeout: float = 30,
    proc: subprocess.Popen[bytes] | None = None,
    times: int = 1,
) -> None:
    """Wait until `text` is in `log` `times` times; failing with the log if `timeout`
    seconds pass first or `proc` exits."""
    deadline = time.monotonic() + timeout
    while log.read_text().count(text) < times:
        assert proc is None or proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def callback_id(
    client: DurableClient, arn: str, name: str | None = None, timeout: float = 30
) -> str:
    """The id of the callback (named `name`, or the first one) that `arn` started, waited
    for until it appears in the history."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in client.history(arn):
            if event["EventType"] == "CallbackStarted" and name in (None, event.get("Name")):
                return str(event["CallbackStartedDetails"]["CallbackId"])
        time.sleep(0.05)
    raise AssertionError(f"no callback {name or ''} in {client.history(arn)}")
