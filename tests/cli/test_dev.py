"""`perdure dev` as a user runs it: a separate process serving the order and hello examples,
driven by the CLI from outside, reloaded on an edit, and stopped cleanly."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from perdure._cli.main import main
from perdure.client import DurableClient
from tests.cli.conftest import Run
from tests.perdure_processes import free_port, healthy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "order" / "order_workflow.py"
HELLO = ROOT / "examples" / "hello" / "hello_workflow.py"


@contextmanager
def dev_server(target: Path, tmp_path: Path, *more: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "dev.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}
    env["NO_COLOR"] = "1"
    command = [sys.executable, "-m", "perdure._cli.main", "dev", str(target), *map(str, more)]
    command += ["--port", str(port), "--db", str(tmp_path / "dev.db")]
    with log.open("w") as sink:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        try:
            deadline = time.monotonic() + 30
            while not (healthy(url) and "Ctrl-C" in log.read_text()):
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            yield url, log
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(20) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def _cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def _callback_id(client: DurableClient, arn: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for event in client.history(arn):
            if event["EventType"] == "CallbackStarted":
                return str(event["CallbackStartedDetails"]["CallbackId"])
        time.sleep(0.05)
    raise AssertionError("the order never asked for approval")


def test_dev_serves_the_example_for_the_cli(tmp_path: Path) -> None:
    with dev_server(EXAMPLE, tmp_path, HELLO) as (url, log):
        banner = log.read_text()
        assert url in banner and str(tmp_path / "dev.db") in banner
        assert "process_order" in banner and "greet" in banner
        assert "perdure invoke" in banner

        hello = _cli("invoke", "greet", "--input", '{"name": "dev"}', "--endpoint", url)
        assert hello.code == 0, hello.err
        assert json.loads(hello.out) == "Hello, dev!"

        order = '{"orderId": "o-9", "coolOffSeconds": 1}'
        started = _cli("invoke", "process_order", "--input", order, "--async", "--endpoint", url)
        assert started.code == 0, started.err
        arn = started.out.strip()
        with DurableClient.connect(url) as client:
            callback_id = _callback_id(client, arn)
            approved = _cli(
                "callback", "succeed", callback_id, "--result", '"approved"', "--endpoint", url
            )
            assert approved.code == 0, approved.err
            done = client.wait(arn, timeout=20)
        assert done.status == "SUCCEEDED"
        assert done.result["status"] == "confirmed"

        history = _cli("executions", "history", arn, "--endpoint", url)
        assert history.code == 0, history.err
        assert "WaitStarted" in history.out and "cool-off" in history.out
        assert "Duration=1s" in history.out
        assert f"CallbackId={callback_id}" in history.out
        assert "ExecutionSucceeded" in history.out.splitlines()[-1]


def test_dev_reloads_when_the_code_changes(tmp_path: Path) -> None:
    workflow = tmp_path / "app" / "workflow.py"
    workflow.parent.mkdir()
    shutil.copy(EXAMPLE, workflow)
    with dev_server(workflow, tmp_path) as (url, log):
        assert _cli("invoke", "shout", "--endpoint", url).code == 3  # not there yet
        with workflow.open("a") as source:
            source.write(
                "\n\n@durable_execution\n"
                "def shout(event: Any, context: DurableContext) -> str:\n"
                "    return context.step(lambda _: 'HEY', name='shout')\n"
            )
        deadline = time.monotonic() + 30
        while True:
            run = _cli("invoke", "shout", "--endpoint", url)
            if run.code == 0:
                break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert json.loads(run.out) == "HEY"
        assert "restarting" in log.read_text()
