"""`perdure worker --lambda-node` with `perdure server`, and `perdure dev --lambda-node`,
as a user runs them: separate processes, JavaScript handlers named by their file on the
command line, driven from outside through the API; and the errors for handlers (or a
machine) that cannot run them."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from perdure.client import DurableClient
from tests.lambda_runtime.test_cli import HANDLERS as PYTHON_HANDLERS
from tests.lambda_runtime.test_cli import _cli, _env
from tests.perdure_processes import callback_id, free_port, healthy, running

NODE_HANDLERS = "tests/lambda_node/handlers"
FIXTURES = "tests/lambda_node/runtime_fixtures"


@pytest.mark.usefixtures("handlers_dir")
def test_a_worker_runs_a_javascript_handler_that_invokes_a_python_one_with_credentials(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(
        tmp_path,
        PERDURE_TOKEN="worker-token",
        PERDURE_ACCESS_KEY_ID="AKIDHANDLERS",
        PERDURE_SECRET_ACCESS_KEY="handler-secret",
    )
    server = ["server", "--port", str(port), "--db", str(tmp_path / "server.db")]
    # The JavaScript order invokes `greeter`: here the Python handler of that name, both
    # written with AWS's SDKs, both signing their requests with the worker's access key.
    worker = ["worker", "--endpoint", url, "--lambda-node", f"{NODE_HANDLERS}/order.handler"]
    worker += ["--lambda", f"greeter={PYTHON_HANDLERS}.greeter"]
    with ExitStack() as stack:
        stack.enter_context(running(server, env, tmp_path / "server.log", "Ctrl-C"))
        stack.enter_context(running(worker, env, tmp_path / "worker.log", "serving"))
        with DurableClient.connect(url, "worker-token") as client:
            arn = client.start("order", {"items": ["tea"], "customer": "Cy"})
            client.send_callback_success(callback_id(client, arn, "approval"), b'"ok"')
            packing = _packing_callback(client, arn)
            client.send_callback_success(packing, b'"packed"')
            done = client.wait(arn, timeout=90)
            history = client.history(arn)
    assert done.status == "SUCCEEDED", history
    assert done.result["greeting"] == "thank you, Cy"
    assert done.result["total"] == 30
    kinds = {(e["EventType"], e.get("Name")) for e in history}
    assert ("ChainedInvokeSucceeded", "thank") in kinds
    assert ("ContextSucceeded", "prices") in kinds


def _packing_callback(client: DurableClient, arn: str) -> str:
    """The id of the callback waitForCallback("packing") created (the JavaScript SDK
    leaves it unnamed, inside the `packing` context)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        history = client.history(arn)
        parents = {e["Id"] for e in history if e.get("Name") == "packing"}
        for event in history:
            if event["EventType"] == "CallbackStarted" and event.get("ParentId") in parents:
                return str(event["CallbackStartedDetails"]["CallbackId"])
        time.sleep(0.05)
    raise AssertionError(f"no packing callback in {history}")


@pytest.mark.usefixtures("handlers_dir")
def test_dev_runs_javascript_handlers_beside_perdure_functions(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = ["dev", "tests/cli/handlers.py", "--port", str(port), "--db", str(tmp_path / "d.db")]
    command += ["--lambda-node", f"{NODE_HANDLERS}/greeter.handler", "--no-reload"]
    with running(command, _env(tmp_path), tmp_path / "dev.log", "Ctrl-C") as log:
        assert healthy(url)
        banner = log.read_text()
        assert f"greeter  (AWS Node.js handler {NODE_HANDLERS}/greeter.handler" in banner
        with DurableClient.connect(url) as client:
            assert client.invoke("greeter", {"name": "Di"}, timeout=30) == "thank you, Di"
            assert client.invoke("greet", {"name": "Di"}, timeout=30) == "Hello, Di!"


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PERDURE_TOKEN", "PERDURE_ACCESS_KEY_ID", "PERDURE_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_credentials", "node")
@pytest.mark.parametrize(
    ("handler", "code", "said"),
    [
        ("handler", 2, "is not a Node.js Lambda handler: give it as file.function"),
        (f"{FIXTURES}/missing.handler", 2, "no tests/lambda_node/runtime_fixtures/missing.js"),
        (f"{FIXTURES}/only.absent", 2, "only.absent is undefined or not exported"),
        (f"{FIXTURES}/esm/report.notAFunction", 2, "report.notAFunction is not a function"),
        (f"{FIXTURES}/broken.handler", 3, "cannot start: Runtime.UserCodeSyntaxError"),
        (f"{FIXTURES}/throws-at-init.handler", 3, "cannot start: Error: no configuration"),
    ],
)
def test_a_worker_names_the_javascript_handler_that_cannot_run(
    handler: str, code: int, said: str
) -> None:
    run = _cli("worker", "--lambda-node", handler, "--endpoint", "http://127.0.0.1:9")
    assert run.code == code, run.err
    assert said in run.err
    assert "Traceback" not in run.err


@pytest.mark.usefixtures("no_credentials")
def test_without_node_on_the_path_the_error_says_what_is_missing_and_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    run = _cli("worker", "--lambda-node", f"{FIXTURES}/only.handler", "--endpoint", "http://x:9")
    assert run.code == 3, run.err
    assert "Node.js handlers need `node` on the PATH, and there is none" in run.err
    assert "install Node.js 18 or later" in run.err


@pytest.mark.usefixtures("no_credentials")
def test_a_node_too_old_for_the_runtime_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "node"
    fake.write_text("#!/bin/sh\necho v16.20.2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    run = _cli("worker", "--lambda-node", f"{FIXTURES}/only.handler", "--endpoint", "http://x:9")
    assert run.code == 3, run.err
    assert "is Node.js v16.20.2; Node.js handlers need Node.js 18 or later" in run.err


@pytest.mark.usefixtures("no_credentials")
def test_a_worker_needs_something_to_run_and_says_node_handlers_count() -> None:
    run = _cli("worker", "--endpoint", "http://127.0.0.1:9")
    assert run.code == 2
    assert "--lambda-node" in run.err


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.usefixtures("handlers_dir")
def test_the_node_processes_of_a_killed_worker_exit_with_it(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(tmp_path)
    server = ["server", "--port", str(port), "--db", str(tmp_path / "server.db")]
    with (tmp_path / "worker.log").open("w") as sink, ExitStack() as stack:
        stack.enter_context(running(server, env, tmp_path / "server.log", "Ctrl-C"))
        command = [sys.executable, "-m", "perdure._cli.main", "worker", "--endpoint", url]
        command += ["--lambda-node", f"{NODE_HANDLERS}/greeter.handler"]
        worker = subprocess.Popen(
            command,
            env=env,
            stdout=sink,
            stderr=sink,
        )
        try:
            deadline = time.monotonic() + 30
            while "serving" not in (tmp_path / "worker.log").read_text():
                assert worker.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            nodes = _children(worker.pid)
            assert nodes, "the worker started no node process"
        finally:
            worker.kill()
            worker.wait(10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in nodes):
            assert time.monotonic() < deadline, f"node processes {nodes} outlived the worker"
            time.sleep(0.05)
