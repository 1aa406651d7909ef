"""The conformance handlers under AWS's own Python SDK, run through the Lambda-style
invoker, as the issue asks: the same requirements, the same handlers, and AWS's SDK
3.0.0 as the client side.

The handlers are Perdure's (tests/conformance/handlers), written against Perdure's
public modules, which mirror AWS's. Porting them is the package rename of
docs/porting.md run backwards: each import of `perdure...` becomes one of
`aws_durable_execution_sdk_python...` (`perdure.errors`, Perdure's older name for the
error classes, becomes AWS's `exceptions`), and the package itself is renamed so that
both sets can be imported side by side. The plugin suite's records are printed to stdout
instead of logged (see `_PLUGIN_EMIT`). The copy is written to a temporary folder once
per process and put on `sys.path`, which the invoker lends to the handler processes;
nothing is written into the repository.

Each requirement then runs on the same engine and SQLite store as the Perdure run, on a
manual clock the harness's driver moves, but its handler runs as Lambda runs it: in a
process of its own, called with the invocation envelope and a Lambda context, and
checkpointing over HTTP to the API served here. Its logs are Lambda's JSON log format
read from the process's output.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import uvicorn

from perdure._app import EmbeddedApp, build_embedded, embedded_api
from perdure._clock import ManualClock
from perdure._config import RetryPolicy
from perdure._model import ErrorObject
from perdure._runtime.lambda_function import HandlerAccess, LambdaFunction
from perdure._service import callbacks, queries, start
from perdure._service.context import ServiceSettings
from perdure._wire.events import event_to_json
from perdure._wire.executions import execution_to_json
from tests.conformance import harness, matcher
from tests.conformance.harness import Verdict, _Driver
from tests.conformance.matcher import Bindings
from tests.conformance.requirements import Requirement

PACKAGE = "aws_conformance_handlers"
SOURCE = Path(__file__).parent / "handlers"
# Import lines only: a `perdure` elsewhere (a file name in a docstring) stays as it is.
_IMPORT = re.compile(r"^(\s*)(from|import) perdure(\.errors)?\b", re.MULTILINE)
TARGETS = {
    "TargetEcho": "targets.target_echo",
    "TargetError": "targets.target_error",
    "TargetEchoTenant": "targets.target_echo_tenant",
}
# A Lambda-style invocation may run this long (real seconds) before it is killed.
INVOCATION_TIMEOUT_S = 120

_lock = threading.Lock()
_installed: Path | None = None


# The plugin suite's records are logged in Perdure's run, where several executions share
# one process and its stdout; a Lambda-style process runs one invocation at a time, so
# there they are printed to stdout, as the requirements say plugins write them. Each is
# written whole, newline included, in one call: hooks run on the branches' threads, and
# print's separate write of the newline lets two records share a line.
_PLUGIN_EMIT = (
    "        _LOG.info(json.dumps(record))\n",
    '        print(json.dumps(record) + "\\n", end="", flush=True)\n',
)


def _port(name: str, text: str) -> str:
    def rename(match: re.Match[str]) -> str:
        module = "aws_durable_execution_sdk_python" + (".exceptions" if match[3] else "")
        return f"{match[1]}{match[2]} {module}"

    ported = _IMPORT.sub(rename, text).replace("tests.conformance.handlers", PACKAGE)
    if name == "_plugin_support.py":
        old, new = _PLUGIN_EMIT
        if old not in ported:
            raise RuntimeError(f"{name}: the plugin's emit line changed; update _PLUGIN_EMIT")
        ported = ported.replace(old, new)
    return ported


def install_handlers() -> Path:
    """Write the ported handler package once per process; its folder is on sys.path."""
    global _installed
    with _lock:
        if _installed is None:
            folder = Path(tempfile.mkdtemp(prefix="perdure-aws-handlers-"))
            package = folder / PACKAGE
            package.mkdir()
            for source in SOURCE.glob("*.py"):
                (package / source.name).write_text(_port(source.name, source.read_text()))
            sys.path.insert(0, str(folder))
            _installed = folder
        return _installed


def handler_setting(requirement: Requirement) -> str:
    return f"{PACKAGE}.{requirement.suite}.handler_{requirement.id.replace('-', '_')}"


class LambdaRunner:
    """The part of `DurableTestRunner` the harness's driver uses, over an app whose
    functions are Lambda handlers and whose API is served on a loopback port."""

    def __init__(self, functions: list[LambdaFunction], function_name: str, db: str | None):
        self.function_name = function_name
        self._tmp = None if db else tempfile.mkdtemp(prefix="perdure-aws-conformance-")
        self._clock = ManualClock()
        self._logs: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        self._log_lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.app: EmbeddedApp = build_embedded(
            db or str(Path(self._tmp or ".") / "perdure.db"),
            {},
            clock=self._clock,
            synchronous="NORMAL",
            settings=ServiceSettings(retry=RetryPolicy(max_consecutive_failures=5)),
            log_sink=self._sink_for,
            real_time=False,
            lambda_functions=functions,
            lambda_access=HandlerAccess(url),
            prewarm=False,
        )
        self._server = uvicorn.Server(
            uvicorn.Config(
                embedded_api(self.app),
                log_level="warning",
                lifespan="on",
                http="h11",
                ws="none",
                access_log=False,
            )
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.005)

    def __enter__(self) -> LambdaRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.app.close()
        self._sock.close()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def run_async(self, input: Any = None, *, execution_timeout: int | None = None) -> str:
        payload = None if input is None else json.dumps(input)
        ctx = self.app.ctx
        return start.start_execution(
            ctx, self.function_name, payload, execution_timeout=execution_timeout
        ).arn

    def get_execution(self, arn: str) -> dict[str, Any]:
        return execution_to_json(queries.get_execution(self.app.ctx, arn))

    def get_execution_history(self, arn: str) -> list[dict[str, Any]]:
        return [event_to_json(e) for e in queries.all_events(self.app.ctx, arn)]

    def get_logs(self, arn: str) -> list[Mapping[str, Any]]:
        with self._log_lock:
            return list(self._logs.get(arn, ()))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.app.dispatcher.wait_idle(timeout)

    def now_ms(self) -> int:
        return self._clock.now_ms()

    def next_timer_at(self) -> int | None:
        return self.app.store.next_wakeup()

    def advance_to(self, when_ms: int) -> None:
        self._clock.advance_to(when_ms)
        self.app.dispatcher.kick()

    def send_callback_success(self, callback_id: str, result: bytes | None = None) -> None:
        callbacks.send_success(self.app.ctx, callback_id, result)

    def send_callback_failure(self, callback_id: str, error: ErrorObject | None = None) -> None:
        callbacks.send_failure(self.app.ctx, callback_id, error)

    def send_callback_heartbeat(self, callback_id: str) -> None:
        callbacks.send_heartbeat(self.app.ctx, callback_id)

    def _sink_for(self, arn: str) -> Any:
        def sink(record: Mapping[str, Any]) -> None:
            with self._log_lock:
                self._logs[arn].append(dict(record))

        return sink


def _function(name: str, handler: str) -> LambdaFunction:
    return LambdaFunction(
        name,
        handler,
        timeout_seconds=INVOCATION_TIMEOUT_S,
        environment={"AWS_LAMBDA_LOG_FORMAT": "JSON"},
    )


def run(requirement: Requirement, bindings: Bindings, verdict: Verdict, db: str | None) -> None:
    """`harness.run_requirement`'s `run` for AWS's SDK: drive and judge as the Perdure
    run does, with the handlers ported and run through the Lambda-style invoker."""
    install_handlers()
    function_name = f"conformance-{requirement.id}"
    functions = [_function(function_name, handler_setting(requirement))]
    functions += [_function(name, f"{PACKAGE}.{target}") for name, target in TARGETS.items()]
    with LambdaRunner(functions, function_name, db) as runner:
        arn = runner.run_async(
            matcher.substitute(requirement.input, bindings),
            execution_timeout=harness.EXECUTION_TIMEOUT_S.get(
                requirement.id, harness.DEFAULT_EXECUTION_TIMEOUT_S
            ),
        )
        driver = _Driver(runner, requirement, bindings)
        try:
            verdict.history, verdict.status = driver.drive(arn)
        finally:
            verdict.notes.extend(driver.notes)
        execution = runner.get_execution(arn)
        verdict.raw_result = execution.get("Result")
        verdict.status = str(execution.get("Status")) if execution.get("Status") else None
        if requirement.expected_logs:
            verdict.logs = [dict(record) for record in runner.get_logs(arn)]
    harness.judge(requirement, bindings, verdict)
