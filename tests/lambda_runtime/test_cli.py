"""`perdure server` with `perdure worker --lambda`, and `perdure dev --lambda`, as a user
runs them: separate processes, AWS handlers named on the command line, driven from
outside through the API; and the errors for handlers that cannot run."""

from __future__ import annotations

import io
from contextlib import ExitStack
from pathlib import Path

import pytest

from perdure._cli.main import main
from perdure.client import DurableClient
from tests.cli.conftest import Run
from tests.perdure_processes import ROOT, callback_id, clean_env, free_port, healthy, running

HANDLERS = "tests.lambda_runtime.aws_handlers"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return clean_env(ATTEMPTS_DIR=str(tmp_path / "attempts"), **extra)


def test_a_worker_runs_unmodified_aws_handlers_for_a_server_that_requires_credentials(
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
    worker = ["worker", "--endpoint", url, "--lambda", f"order={HANDLERS}.order"]
    worker += ["--lambda", f"greeter={HANDLERS}.greeter"]
    with ExitStack() as stack:
        stack.enter_context(running(server, env, tmp_path / "server.log", "Ctrl-C"))
        stack.enter_context(running(worker, env, tmp_path / "worker.log", "serving"))
        with DurableClient.connect(url, "worker-token") as client:
            arn = client.start("order", {"items": ["tea"], "customer": "Cy"})
            client.send_callback_success(callback_id(client, arn, "approval"), b'"ok"')
            packing = callback_id(client, arn, "packing create callback id")
            client.send_callback_success(packing, b'"packed"')
            done = client.wait(arn, timeout=60)
            history = client.history(arn)
    assert done.status == "SUCCEEDED", history
    assert done.result["greeting"] == "thank you, Cy"
    assert done.result["total"] == 30
    kinds = {(e["EventType"], e.get("Name")) for e in history}
    assert ("ChainedInvokeSucceeded", "thank") in kinds
    assert ("ContextSucceeded", "prices") in kinds


def test_dev_runs_aws_handlers_beside_perdure_functions(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = ["dev", str(ROOT / "tests" / "cli" / "handlers.py"), "--port", str(port)]
    command += ["--db", str(tmp_path / "dev.db"), "--lambda", f"greeter={HANDLERS}.greeter"]
    with running(command, _env(tmp_path), tmp_path / "dev.log", "Ctrl-C") as log:
        assert healthy(url)
        banner = log.read_text()
        assert f"greeter  (AWS handler {HANDLERS}.greeter" in banner
        with DurableClient.connect(url) as client:
            assert client.invoke("greeter", {"name": "Di"}, timeout=30) == "thank you, Di"
            assert client.invoke("greet", {"name": "Di"}, timeout=30) == "Hello, Di!"


def _cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PERDURE_TOKEN", "PERDURE_ACCESS_KEY_ID", "PERDURE_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize(
    ("handler", "code", "said"),
    [
        ("handler", 2, "is not a Lambda handler: give it as module.function"),
        ("no_such_module_here.handler", 2, "No module named 'no_such_module_here'"),
        (f"{HANDLERS}.missing", 2, "Handler 'missing' missing on module"),
        (f"{HANDLERS}.not_callable", 2, "is not callable (it is int)"),
        ("tests.lambda_runtime.broken_handler.handler", 3, "the configuration this module needs"),
    ],
)
def test_a_worker_names_the_handler_that_cannot_run(handler: str, code: int, said: str) -> None:
    run = _cli("worker", "--lambda", handler, "--endpoint", "http://127.0.0.1:9")
    assert run.code == code, run.err
    assert said in run.err
    assert "Traceback" not in run.err.splitlines()[0]


@pytest.mark.usefixtures("no_credentials")
def test_a_worker_with_a_bearer_token_needs_an_access_key_for_its_aws_handlers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PERDURE_TOKEN", "t")
    run = _cli("worker", "--lambda", f"{HANDLERS}.greeter", "--endpoint", "http://127.0.0.1:9")
    assert run.code == 2
    assert "PERDURE_ACCESS_KEY_ID" in run.err


@pytest.mark.usefixtures("no_credentials")
def test_a_worker_needs_something_to_run() -> None:
    run = _cli("worker", "--endpoint", "http://127.0.0.1:9")
    assert run.code == 2
    assert "--lambda" in run.err
