"""Credentials for `perdure server` and `perdure dev` from the command line and the
environment, as users run them: separate processes, driven by boto3, the AWS CLI and
`perdure` itself. An access key configured from the environment admits boto3 and the
AWS CLI (which sign; they send no bearer token); no secret shows in `ps`, a log or a
banner; the refusal to listen beyond loopback names options that exist; `dev`'s banner
says how to pass its token; a worker whose credentials are refused exits 3 at once."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from perdure._api.auth import AuthConfig
from perdure._cli.main import build_parser, main
from perdure._config import Settings
from tests.api.test_auth import serve as serve_with_auth
from tests.cli.conftest import Run
from tests.cli.test_dev import EXAMPLE, HELLO, ROOT
from tests.perdure_processes import free_port, healthy

KEY_ID = "AKIDPERDURECLI"
SECRET = "cli/Secret+Access+Key/for-tests-0123456789"
TOKEN = "cli-bearer-token-for-tests"
PERDURE = [sys.executable, "-m", "perdure._cli.main"]
AWS = Path(sys.executable).parent / "aws"


def _cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def _env(**values: str) -> dict[str, str]:
    """The environment without the developer's own PERDURE_* and AWS_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERDURE_", "AWS_"))}
    env["NO_COLOR"] = "1"
    env.update(values)
    return env


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path, ready: str) -> Iterator[int]:
    """Run `argv` until `ready` appears in its output (stdout and stderr, into `log`);
    yield its pid; stop it with SIGTERM, which it must survive with exit code 0."""
    with log.open("w") as sink:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 30
        while ready not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield proc.pid
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@contextmanager
def perdure_server(tmp_path: Path, env: dict[str, str], *args: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [*PERDURE, "server", "--port", str(port), "--db", str(tmp_path / "s.db"), *args]
    with process(argv, env, tmp_path / "server.log", "Ctrl-C") as pid:
        assert healthy(url)
        yield url, pid


def _command_line(pid: int) -> str:
    """What `ps` shows of a process: its arguments."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _lambda(url: str, key_id: str = KEY_ID, secret: str = SECRET) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="eu-central-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def _aws(tmp_path: Path, url: str, profile: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The AWS CLI with a named profile from its own config files, nothing else."""
    (tmp_path / "aws-credentials").write_text(
        f"[perdure]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        f"[stranger]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}x\n"
    )
    (tmp_path / "aws-config").write_text(
        "[profile perdure]\nregion = us-west-2\n[profile stranger]\nregion = us-west-2\n"
    )
    env = _env(
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    assert AWS.exists(), "the AWS CLI is in the dev extra: pip install -e '.[dev]'"
    command = [str(AWS), "--profile", profile, "--endpoint-url", url, "--output", "json", *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


# -- an access key from the environment --------------------------------------------------


def test_boto3_and_the_aws_cli_work_against_a_server_given_an_access_key(tmp_path: Path) -> None:
    server_env = _env(
        PERDURE_ACCESS_KEY_ID=KEY_ID, PERDURE_SECRET_ACCESS_KEY=SECRET, PERDURE_TOKEN=TOKEN
    )
    with perdure_server(tmp_path, server_env) as (url, server_pid):
        worker_argv = [*PERDURE, "worker", str(HELLO), "--endpoint", url]
        worker_log = tmp_path / "worker.log"
        with process(worker_argv, _env(PERDURE_TOKEN=TOKEN), worker_log, "serving") as worker_pid:
            # boto3, signing with the key: a synchronous Invoke a worker runs, then reads.
            client = _lambda(url)
            resp = client.invoke(FunctionName="greet", Payload=json.dumps({"name": "boto"}))
            assert json.loads(resp["Payload"].read()) == "Hello, boto!"
            arn = resp["DurableExecutionArn"]
            assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"

            # The AWS CLI, with a profile holding the key.
            out = tmp_path / "out.json"
            invoked = _aws(
                tmp_path, url, "perdure", "lambda", "invoke", "--function-name", "greet",
                "--payload", '{"name": "cli"}', str(out),
            )  # fmt: skip
            assert invoked.returncode == 0, invoked.stderr
            assert json.loads(out.read_text()) == "Hello, cli!"
            cli_arn = json.loads(invoked.stdout)["DurableExecutionArn"]
            listed = _aws(
                tmp_path, url, "perdure", "lambda", "list-durable-executions-by-function",
                "--function-name", "greet",
            )  # fmt: skip
            assert listed.returncode == 0, listed.stderr
            found = json.loads(listed.stdout)["DurableExecutions"]
            arns = {e["DurableExecutionArn"] for e in found}
            assert {arn, cli_arn} <= arns
            history = _aws(
                tmp_path, url, "perdure", "lambda", "get-durable-execution-history",
                "--durable-execution-arn", cli_arn,
            )  # fmt: skip
            assert history.returncode == 0, history.stderr
            assert json.loads(history.stdout)["Events"][-1]["EventType"] == "ExecutionSucceeded"

            # A wrong secret is refused, by boto3 and by the AWS CLI.
            with pytest.raises(ClientError) as caught:
                _lambda(url, secret=SECRET + "x").get_durable_execution(DurableExecutionArn=arn)
            assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
            stranger = _aws(
                tmp_path, url, "stranger", "lambda", "get-durable-execution",
                "--durable-execution-arn", arn,
            )  # fmt: skip
            assert stranger.returncode != 0
            assert "InvalidSignatureException" in stranger.stderr

            # Neither `ps` nor a log shows a secret.
            for pid in (server_pid, worker_pid):
                shown = _command_line(pid)
                assert SECRET not in shown and TOKEN not in shown, shown
        for log in (tmp_path / "server.log", worker_log):
            text = log.read_text()
            assert SECRET not in text and TOKEN not in text, text
        assert KEY_ID in (tmp_path / "server.log").read_text()  # the banner names the key


def test_the_secret_may_come_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    args = ("--access-key-id", KEY_ID, "--secret-access-key-file", str(secret_file))
    with perdure_server(tmp_path, _env(), *args) as (url, pid):
        listed = _lambda(url).list_durable_executions_by_function(FunctionName="greet")
        assert listed["DurableExecutions"] == []
        with pytest.raises(ClientError) as caught:
            _lambda(url, key_id="AKIDOTHER").list_durable_executions_by_function(
                FunctionName="greet"
            )
        assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
        assert SECRET not in _command_line(pid)
    log = (tmp_path / "server.log").read_text()
    assert SECRET not in log
    assert "bearer token" in log  # workers present one: the banner says to configure it


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"PERDURE_ACCESS_KEY_ID": KEY_ID}, (), "PERDURE_SECRET_ACCESS_KEY"),
        ({}, ("--access-key-id", KEY_ID), "--secret-access-key-file"),
        ({"PERDURE_SECRET_ACCESS_KEY": SECRET}, (), "PERDURE_ACCESS_KEY_ID"),
        ({}, ("--secret-access-key-file", "/nonexistent/secret"), "cannot read"),
        ({"PERDURE_ACCESS_KEY_ID": "AKID/SLASH"}, ("--secret-access-key-file", "{file}"), "'/'"),
        ({"PERDURE_ACCESS_KEY_ID": KEY_ID}, ("--secret-access-key-file", "{two}"), "one line"),
    ],
)
def test_an_incomplete_or_unreadable_access_key_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: tuple[str, ...],
    message: str,
) -> None:
    (tmp_path / "secret").write_text(SECRET)
    (tmp_path / "two").write_text(f"{SECRET}\nmore\n")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    given = [a.format(file=tmp_path / "secret", two=tmp_path / "two") for a in args]
    for command in ("server", "dev"):
        targets = [str(EXAMPLE), "--no-reload"] if command == "dev" else []
        run = _cli(command, *targets, *given, "--port", "0", "--db", str(tmp_path / "x.db"))
        assert run.code == 2, run.err
        assert message in run.err
        assert SECRET not in run.err
    assert not (tmp_path / "x.db").exists()  # refused before anything was created


# -- the refusal to listen beyond loopback -----------------------------------------------


def test_the_refusal_beyond_loopback_names_options_and_variables_that_exist() -> None:
    run = _cli("server", "--host", "0.0.0.0", "--port", "0")
    assert run.code == 2
    assert "without credentials" in run.err
    options = set(re.findall(r"--[a-z][a-z-]+", run.err))
    variables = set(re.findall(r"PERDURE_[A-Z_]+", run.err))
    # Both kinds of credential are named, each with a way to set it.
    assert {"--token", "--access-key-id", "--secret-access-key-file"} <= options
    assert {"PERDURE_TOKEN", "PERDURE_ACCESS_KEY_ID", "PERDURE_SECRET_ACCESS_KEY"} <= variables
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    server_parser = commands.choices["server"]
    known = {s for action in server_parser._actions for s in action.option_strings}
    assert options <= known, options - known
    for name in variables:
        assert Settings.from_env({name: "a-value"}) != Settings(), name


# -- perdure dev's banner ----------------------------------------------------------------


@pytest.mark.parametrize("source", ["PERDURE_TOKEN", "--token"])
def test_dev_banner_says_how_to_pass_its_token_without_showing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [*PERDURE, "dev", str(HELLO), "--no-reload", "--port", str(port)]
    argv += ["--db", str(tmp_path / "dev.db")]
    env = _env(PERDURE_ACCESS_KEY_ID=KEY_ID, PERDURE_SECRET_ACCESS_KEY=SECRET)
    if source == "--token":
        argv += ["--token", TOKEN]
    else:
        env["PERDURE_TOKEN"] = TOKEN
    log = tmp_path / "dev.log"
    with process(argv, env, log, "Ctrl-C"):
        banner = log.read_text()
        assert TOKEN not in banner and SECRET not in banner, banner
        assert "credentials required" in banner
        tries = banner.split("Try, in another terminal:")[1].splitlines()
        assert tries[1].strip().startswith("export PERDURE_TOKEN="), banner
        assert source in tries[1]
        assert KEY_ID in banner and "aws lambda" in banner
        # The suggested commands, run as suggested, work; without the token they do not.
        commands = [shlex.split(line) for line in tries[2:5]]
        assert [c[:2] for c in commands] == [
            ["perdure", "invoke"],
            ["perdure", "executions"],
            ["perdure", "executions"],
        ]
        invoke = commands[0][1:]
        assert "--endpoint" in invoke and url in invoke
        assert _cli(*invoke).code == 3
        monkeypatch.setenv("PERDURE_TOKEN", TOKEN)
        run = _cli(*invoke)
        assert run.code == 0, run.err
        assert json.loads(run.out) == "Hello, world!"


# -- a worker whose credentials are refused ----------------------------------------------


@pytest.mark.parametrize("token", ["wrong-token", None])
def test_a_refused_worker_exits_3_with_one_line(tmp_path: Path, token: str | None) -> None:
    config = AuthConfig(tokens=frozenset({TOKEN}), required=True)
    with serve_with_auth(str(tmp_path / "perdure.sqlite"), config) as url:
        env = _env(**({"PERDURE_TOKEN": token} if token else {}))
        argv = [*PERDURE, "worker", str(EXAMPLE), "--endpoint", url]
        started = time.monotonic()
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        took = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert f"{url} refused the worker's credentials" in errors[0]
    assert "AccessDeniedException" in errors[0] or "MissingAuthentication" in errors[0]
    assert "PERDURE_TOKEN" in errors[0]
    assert "Traceback" not in done.stderr and "retrying" not in done.stderr
    assert took < 20
