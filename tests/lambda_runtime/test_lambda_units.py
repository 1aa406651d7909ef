"""The pieces of the Lambda-style invoker that need no server: handler settings and
names, the handler's environment, and the runtime that runs in the handler's process."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from perdure._runtime import lambda_bootstrap
from perdure._runtime.lambda_function import (
    HandlerAccess,
    HandlerNameError,
    LambdaFunction,
    default_function_name,
    handler_environment,
    invocation_context,
    lambda_function,
    parse_handler,
)
from perdure._runtime.lambda_invoker import LambdaInitError, LambdaInvoker

HANDLERS = "tests.lambda_runtime"


@pytest.mark.parametrize(
    ("setting", "parsed"),
    [
        ("app.handler", ("app", "handler")),
        ("orders.app.lambda_handler", ("orders.app", "lambda_handler")),
        ("src/orders/app.handler", ("src.orders.app", "handler")),
    ],
)
def test_a_handler_setting_names_a_module_and_a_function(
    setting: str, parsed: tuple[str, str]
) -> None:
    assert parse_handler(setting) == parsed


@pytest.mark.parametrize("setting", ["handler", "app.", ".handler", "app:handler", "a b.c", ""])
def test_a_malformed_handler_setting_is_refused(setting: str) -> None:
    with pytest.raises(HandlerNameError, match=r"module\.function"):
        parse_handler(setting)


def test_a_handler_is_named_after_its_module_unless_named() -> None:
    assert default_function_name("orders.app.handler") == "app"
    assert lambda_function("checkout.handler").name == "checkout"
    assert lambda_function("pay=checkout.handler").name == "pay"
    with pytest.raises(ValueError, match="valid function name"):
        lambda_function("pay me=checkout.handler")
    with pytest.raises(ValueError, match="timeout"):
        lambda_function("checkout.handler", timeout_seconds=901)


def test_the_environment_withholds_perdure_secrets_and_other_aws_credentials() -> None:
    fn = LambdaFunction("orders", "app.handler", environment={"TABLE": "t1"})
    inherited = {
        "PATH": "/bin",
        "PERDURE_TOKEN": "t",
        "PERDURE_SECRET_ACCESS_KEY": "s",
        "PERDURE_DATABASE_URL": "postgresql://u:p@h/db",
        "AWS_PROFILE": "prod",
        "AWS_SESSION_TOKEN": "st",
        "AWS_ACCESS_KEY_ID": "AKIAREAL",
    }
    env = handler_environment(
        fn,
        HandlerAccess("http://127.0.0.1:9", "AKID", "SECRET"),
        log_stream="s",
        inherited=inherited,
    )
    assert env["PATH"] == "/bin" and env["TABLE"] == "t1"
    assert env["AWS_ACCESS_KEY_ID"] == "AKID" and env["AWS_SECRET_ACCESS_KEY"] == "SECRET"
    assert env["AWS_ENDPOINT_URL_LAMBDA"] == "http://127.0.0.1:9"
    assert env["_HANDLER"] == "app.handler"
    for withheld in (
        "PERDURE_TOKEN",
        "PERDURE_SECRET_ACCESS_KEY",
        "PERDURE_DATABASE_URL",
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
    ):
        assert withheld not in env


def test_the_context_names_the_version_the_execution_runs_on() -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders:7/durable-execution/run-1/0a1b"
    context = invocation_context(
        LambdaFunction("orders", "app.handler"),
        durable_execution_arn=arn,
        request_id="r",
        deadline_ms=5,
        log_stream="s",
    )
    assert (
        context["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:orders:7"
    )
    assert context["function_version"] == "7"
    assert context["deadline_ms"] == 5


def test_the_handler_process_runtime_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(lambda_bootstrap.__file__).read_text())
    imported = {
        (node.module or "").split(".")[0]
        if isinstance(node, ast.ImportFrom)
        else alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= sys.stdlib_module_names | {"__future__"}, imported


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        (
            "tests.lambda_runtime.no_such_module.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'tests.lambda_runtime.no_such_module'",
        ),
        (
            f"{HANDLERS}.broken_handler.handler",
            "Runtime.ImportModuleError",
            "the configuration this module needs is missing",
        ),
        (
            f"{HANDLERS}.aws_handlers.no_such_handler",
            "Runtime.HandlerNotFound",
            "Handler 'no_such_handler' missing",
        ),
        (f"{HANDLERS}.aws_handlers.not_callable", "Runtime.HandlerNotFound", "not callable"),
    ],
)
def test_a_handler_that_cannot_start_is_an_init_error_at_start(
    handler: str, error_type: str, message: str
) -> None:
    invoker = LambdaInvoker(
        {"f": LambdaFunction("f", handler, timeout_seconds=30)}, HandlerAccess("http://127.0.0.1:9")
    )
    try:
        with pytest.raises(LambdaInitError) as raised:
            invoker.start()
    finally:
        invoker.close()
    assert raised.value.error.type == error_type
    assert message in (raised.value.error.message or "")
