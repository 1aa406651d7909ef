"""`perdure server` with a token and `perdure worker` as separate processes, and how
`perdure dev` reports modules it cannot use."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from perdure._cli.main import main
from tests.cli.conftest import Run
from tests.cli.test_dev import HELLO, ROOT
from tests.perdure_processes import free_port, healthy


def _cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def _stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0, log.read_text()


def test_server_requires_its_token_and_a_worker_runs_the_functions(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}
    env["NO_COLOR"] = "1"
    cli = [sys.executable, "-m", "perdure._cli.main"]
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with server_log.open("w") as sink:
            server_args = ["server", "--port", str(port), "--db", str(tmp_path / "s.db")]
            server = subprocess.Popen(
                [*cli, *server_args, "--token", "s3cret"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=sink,
            )
        procs.append(server)
        deadline = time.monotonic() + 30
        while not healthy(url):
            assert server.poll() is None and time.monotonic() < deadline, server_log.read_text()
            time.sleep(0.05)
        with worker_log.open("w") as sink:
            worker = subprocess.Popen(
                [*cli, "worker", str(HELLO), "--endpoint", url, "--token", "s3cret"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=sink,
            )
        procs.append(worker)

        refused = _cli("invoke", "greet", "--endpoint", url)
        assert refused.code == 3
        assert "--token or PERDURE_TOKEN" in refused.err

        run = _cli("invoke", "greet", "--endpoint", url, "--token", "s3cret", "--timeout", "30")
        assert run.code == 0, run.err + worker_log.read_text()
        assert json.loads(run.out) == "Hello, world!"

        _stop(worker, worker_log)
        _stop(server, server_log)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def test_server_beyond_loopback_without_a_token_is_refused() -> None:
    run = _cli("server", "--host", "0.0.0.0", "--port", "0")
    assert run.code == 2
    assert "without credentials" in run.err


def test_dev_reports_a_module_without_functions(tmp_path: Path) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    run = _cli("dev", str(empty), "--no-reload", "--port", "0", "--db", str(tmp_path / "d.db"))
    assert run.code == 2
    assert "no durable functions" in run.err


def test_dev_shows_the_users_own_import_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken_workflow.py"
    broken.write_text("import json\n\nraise RuntimeError('boom at import')\n")
    run = _cli("dev", str(broken), "--no-reload", "--port", "0", "--db", str(tmp_path / "d.db"))
    assert run.code == 3
    assert "importing" in run.err and "boom at import" in run.err
    assert "broken_workflow.py" in run.err
    assert "perdure/_cli" not in run.err


def test_dev_reports_a_missing_file(tmp_path: Path) -> None:
    run = _cli("dev", str(tmp_path / "nope.py"), "--no-reload", "--port", "0")
    assert run.code == 2
    assert "no such file" in run.err
