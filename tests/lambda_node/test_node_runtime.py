"""Perdure's Node.js runtime (lambda_node_bootstrap.mjs) in one environment: how it loads
handlers (ES modules, CommonJS, nested exports, callback style), the Lambda context and
environment a handler sees, errors as Lambda's runtime shapes them, console output as
Lambda formats it, and what becomes of an invocation that hangs, exits or throws from
nowhere. These handlers need no SDK: tests/lambda_node/runtime_fixtures."""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from perdure._clock import SystemClock
from perdure._model import ErrorObject
from perdure._runtime.lambda_function import HandlerAccess, LambdaFunction, invocation_context
from perdure._runtime.lambda_node import NodeEnvironment
from perdure._runtime.lambda_runtime_api import Reply
from tests.lambda_node.node_setup import RUNTIME_FIXTURES

ARN = (
    "arn:aws:lambda:us-east-1:000000000000:function:fixture:$LATEST"
    "/durable-execution/run-1/0d6f2c4e-0000-4000-8000-000000000001"
)
ENDPOINT = "http://127.0.0.1:9"


class Environment:
    def __init__(self, env: NodeEnvironment, lines: list[str]) -> None:
        self.env = env
        self.lines = lines
        self.calls = 0

    def call(self, event: Any = None) -> Reply | ErrorObject:
        self.calls += 1
        request_id = f"req-{self.calls}"
        fn = self.env.fn
        request = {
            "event": {} if event is None else event,
            "context": invocation_context(
                fn,
                durable_execution_arn=ARN,
                request_id=request_id,
                deadline_ms=SystemClock().now_ms() + int(fn.timeout_seconds * 1000),
                log_stream=self.env.log_stream,
            ),
        }
        return self.env.run(request, request_id, None)

    def result(self, event: Any = None) -> Any:
        reply = self.call(event)
        assert isinstance(reply, Reply) and reply.ok, reply
        return json.loads(reply.body)

    def error(self, event: Any = None) -> dict[str, Any]:
        reply = self.call(event)
        assert isinstance(reply, Reply) and not reply.ok, reply
        return reply.error()


@contextmanager
def environment(
    node: str, handler: str, *, timeout: float = 20, ready: bool = True, runtime: str = "nodejs20.x"
) -> Iterator[Environment]:
    fn = LambdaFunction(
        "fixture",
        handler,
        timeout_seconds=timeout,
        memory_mb=512,
        runtime=runtime,
        task_root=str(RUNTIME_FIXTURES),
    )
    lines: list[str] = []
    environ = {**os.environ, "PERDURE_TOKEN": "secret-of-the-server"}
    env = NodeEnvironment(fn, HandlerAccess(ENDPOINT), node, environ, lines.append)
    try:
        if ready:
            assert env.wait_ready(20, "init") is None, lines
        yield Environment(env, lines)
    finally:
        env.close()


def test_an_es_module_handler_gets_the_lambda_context_and_environment(node: str) -> None:
    with environment(node, "esm/report.handler") as env:
        report = env.result({"who": "Ann"})
        again = env.result({"who": "Bo"})

    assert report["event"] == {"who": "Ann"}
    context = report["context"]
    assert context["awsRequestId"] == "req-1"
    assert context["functionName"] == "fixture"
    assert context["functionVersion"] == "$LATEST"
    assert context["invokedFunctionArn"] == (
        "arn:aws:lambda:us-east-1:000000000000:function:fixture:$LATEST"
    )
    assert context["memoryLimitInMB"] == "512"
    assert context["logGroupName"] == "/aws/lambda/fixture"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", context["logStreamName"])
    assert 15_000 < context["remainingMs"] <= 20_000
    env_vars = report["env"]
    assert env_vars["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env_vars["AWS_ENDPOINT_URL_LAMBDA"] == ENDPOINT
    assert env_vars["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"
    assert env_vars["LAMBDA_TASK_ROOT"] == str(RUNTIME_FIXTURES.resolve())
    assert env_vars["_HANDLER"] == "esm/report.handler"
    assert env_vars["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert env_vars["PERDURE_LIFELINE_FD"] is None  # the runtime's own, hidden from handlers
    assert env_vars["PERDURE_TOKEN"] is None  # the server's secret never reaches a handler
    assert report["hasAccessKey"]
    assert report["cwd"] == str(RUNTIME_FIXTURES.resolve())
    # A warm environment: the second invocation ran in the same process.
    assert again["pid"] == report["pid"]
    assert again["context"]["awsRequestId"] == "req-2"


def test_a_bare_nodejs_runtime_is_named_after_the_node_that_runs_it(node: str) -> None:
    with environment(node, "esm/report.handler", runtime="nodejs") as env:
        execution_env = env.result({})["env"]["AWS_EXECUTION_ENV"]
    assert re.fullmatch(r"AWS_Lambda_nodejs\d+\.x", execution_env)


def test_console_output_is_formatted_as_lambda_formats_it(node: str) -> None:
    with environment(node, "esm/report.handler") as env:
        env.result({"who": "Ann"})
    reporting = [line for line in env.lines if "reporting for Ann" in line]
    assert len(reporting) == 1
    timestamp, request_id, level, message = reporting[0].split("\t")
    assert timestamp.endswith("Z") and request_id == "req-1" and level == "INFO"
    assert message == "reporting for Ann"
    # A multi-line message stays one line (one log record), as on Lambda.
    assert any(line.endswith("\tINFO\ttwo\rlines") for line in env.lines), env.lines


def test_json_log_format_writes_lambdas_json_lines(
    node: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_FORMAT", "JSON")
    with environment(node, "esm/report.handler") as env:
        env.result({"who": "Ann"})
    records = [json.loads(line) for line in env.lines if line.startswith("{")]
    reporting = [r for r in records if r.get("message") == "reporting for Ann"]
    assert len(reporting) == 1, env.lines
    assert reporting[0]["level"] == "INFO" and reporting[0]["requestId"] == "req-1"
    assert reporting[0]["timestamp"].endswith("Z")
    assert any(r.get("message") == "two\nlines" for r in records)


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("only.handler", {"loadedAs": "mjs", "echo": {"n": 1}}),
        ("plain-cjs/index.handler", {"loadedAs": "commonjs", "callback": True, "echo": {"n": 1}}),
        ("legacy.handler", {"loadedAs": "cjs"}),
        ("esm/report.nested.deeper.handler", "nested"),
    ],
)
def test_handlers_load_as_lambdas_node_runtime_loads_them(
    node: str, handler: str, expected: Any
) -> None:
    with environment(node, handler) as env:
        assert env.result({"n": 1}) == expected


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("missing.handler", "Runtime.ImportModuleError", "Cannot find module 'missing'"),
        ("broken.handler", "Runtime.UserCodeSyntaxError", "SyntaxError"),
        ("esm/report.absent", "Runtime.HandlerNotFound", "report.absent is undefined"),
        ("esm/report.notAFunction", "Runtime.HandlerNotFound", "is not a function"),
        ("throws-at-init.handler", "Error", "no configuration"),
    ],
)
def test_a_handler_that_cannot_load_is_an_init_error_in_lambdas_words(
    node: str, handler: str, error_type: str, message: str
) -> None:
    with environment(node, handler, ready=False) as env:
        problem = env.env.wait_ready(20, "init")
        assert problem is not None
        assert problem.type == error_type
        assert message in (problem.message or "")
        assert not env.env.alive


def test_a_thrown_error_is_posted_with_its_type_message_and_trace(node: str) -> None:
    with environment(node, "esm/report.throws") as env:
        error = env.error()
        assert env.env.alive  # a function error leaves the environment warm
    assert error["errorType"] == "InventoryError"
    assert error["errorMessage"] == "out of stock"
    assert error["stackTrace"][0] == "InventoryError: out of stock"


def test_errors_that_are_not_error_objects_and_callback_errors(node: str) -> None:
    with environment(node, "esm/report.throwsString") as env:
        assert env.error() == {
            "errorType": "string",
            "errorMessage": "plain words",
            "stackTrace": [],
        }
    with environment(node, "plain-cjs/index.fails") as env:
        error = env.error()
    assert (error["errorType"], error["errorMessage"]) == ("Error", "callback error")


def test_a_result_json_cannot_hold_is_a_marshal_error(node: str) -> None:
    with environment(node, "esm/report.bigint") as env:
        assert env.error()["errorType"] == "Runtime.MarshalError"


def test_a_response_over_six_megabytes_fails_the_invocation(node: str) -> None:
    with environment(node, "esm/report.large") as env:
        error = env.error()
        # The runtime read the refusal and goes on: the same process serves the next.
        assert env.error() == error
        assert env.env.alive
    assert error["errorType"] == "Function.ResponseSizeTooLarge"


def test_a_hung_invocation_is_killed_at_its_deadline(node: str) -> None:
    with environment(node, "esm/report.hangs", timeout=1.5) as env:
        failure = env.call()
        assert isinstance(failure, ErrorObject)
        assert failure.type == "Sandbox.Timedout"
        assert "Task timed out after 1.50 seconds" in (failure.message or "")
        assert not env.env.alive


def test_a_process_that_exits_mid_invocation_is_a_runtime_exit_error(node: str) -> None:
    with environment(node, "esm/report.exits") as env:
        failure = env.call()
        assert isinstance(failure, ErrorObject)
        assert failure.type == "Runtime.ExitError"
        assert "exit status 7" in (failure.message or "")
        assert not env.env.alive
    assert any("about to exit" in line for line in env.lines)


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("esm/report.uncaught", "TypeError", "thrown from a timer"),
        ("esm/report.rejects", "Runtime.UnhandledPromiseRejection", "nobody caught me"),
    ],
)
def test_an_error_nobody_catches_fails_the_invocation_and_ends_the_process(
    node: str, handler: str, error_type: str, message: str
) -> None:
    with environment(node, handler) as env:
        error = env.error()
        assert (error["errorType"], error["errorMessage"]) == (error_type, message)
        env.env.kill()  # it was exiting already
        assert not env.env.alive


def test_a_warm_invocation_takes_milliseconds_not_a_delayed_ack(node: str) -> None:
    """Each Runtime API answer is one small write the runtime waits for; with Nagle's
    algorithm on, every one waited for the runtime's delayed ACK (about 40 ms)."""
    with environment(node, "only.handler") as env:
        env.result({"n": 0})
        timings = []
        for n in range(30):
            started = time.perf_counter()
            env.result({"n": n})
            timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.03, timings
