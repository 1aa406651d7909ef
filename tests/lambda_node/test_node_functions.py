"""What a Node.js Lambda function is: its handler setting as Lambda's Node.js runtime
splits it, the name it is served under, and the runtimes a function may name."""

from __future__ import annotations

import pytest

from perdure._runtime.lambda_bootstrap import END_MARKER
from perdure._runtime.lambda_function import (
    NODEJS,
    PYTHON,
    HandlerNameError,
    LambdaFunction,
    lambda_function,
    parse_node_handler,
    runtime_family,
)
from perdure._runtime.lambda_node import BOOTSTRAP


@pytest.mark.parametrize(
    ("handler", "parts"),
    [
        ("index.handler", ("index", "handler")),
        ("src/orders/app.handler", ("src/orders/app", "handler")),
        (
            "workflows/durable-function-example/index.handler",
            ("workflows/durable-function-example/index", "handler"),
        ),
        ("app.handlers.create", ("app", "handlers.create")),
        ("lib/v1.2/app.$handler", ("lib/v1.2/app", "$handler")),
    ],
)
def test_a_node_handler_splits_on_the_first_dot_of_its_last_segment(
    handler: str, parts: tuple[str, str]
) -> None:
    assert parse_node_handler(handler) == parts


@pytest.mark.parametrize("handler", ["handler", "index.", ".handler", "a b.handler", "app.1x"])
def test_a_setting_that_names_no_file_and_function_is_refused(handler: str) -> None:
    with pytest.raises(HandlerNameError, match=r"is not a Node\.js Lambda handler"):
        parse_node_handler(handler)


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("orders.handler", "orders"),
        ("functions/hello-world/index.handler", "hello-world"),
        ("index.handler", "index"),
        ("checkout=src/app.handler", "checkout"),
    ],
)
def test_a_node_function_is_named_after_its_file_or_its_folder_for_index(
    spec: str, name: str
) -> None:
    fn = lambda_function(spec, runtime=NODEJS)
    assert (fn.name, fn.family) == (name, NODEJS)


@pytest.mark.parametrize(
    ("runtime", "family"),
    [("python", PYTHON), ("python3.13", PYTHON), ("nodejs", NODEJS), ("nodejs22.x", NODEJS)],
)
def test_lambdas_runtime_identifiers_name_a_family(runtime: str, family: str) -> None:
    assert runtime_family(runtime) == family


@pytest.mark.parametrize("runtime", ["java21", "nodejs", "provided.al2023"])
def test_a_handler_is_checked_against_its_runtime(runtime: str) -> None:
    if runtime == "nodejs":
        # A Node.js path with a hyphenated folder is no Python module.
        with pytest.raises(HandlerNameError, match="is not a Lambda handler"):
            LambdaFunction("f", "hello-world/index.handler")
        assert LambdaFunction("f", "hello-world/index.handler", runtime=runtime).family == NODEJS
        return
    with pytest.raises(HandlerNameError, match="is not supported"):
        LambdaFunction("f", "index.handler", runtime=runtime)


def test_the_node_runtime_ends_an_invocations_output_with_the_invokers_marker() -> None:
    text = BOOTSTRAP.read_text()
    marker = END_MARKER.replace("\x1e", "\\x1e")
    assert f'const OUTPUT_END = "{marker}";' in text
