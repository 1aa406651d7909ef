"""pytest plugin: the `durable_runner` fixture and the `durable_execution` marker.

    @pytest.mark.durable_execution(handler=my_handler)
    def test_it(durable_runner):
        assert durable_runner.run(input={}).status == "SUCCEEDED"

Marker keywords are passed to `DurableTestRunner` (`functions`, `time`, `invoker`, ...).
Without a marker, use `durable_runner_factory(handler, **options)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from perdure.testing.local_runner import DurableTestRunner


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "durable_execution(handler, **options): the handler the durable_runner fixture runs",
    )


@pytest.fixture
def durable_runner_factory() -> Iterator[Callable[..., DurableTestRunner]]:
    runners: list[DurableTestRunner] = []

    def make(handler: Any, **options: Any) -> DurableTestRunner:
        runner = DurableTestRunner(handler, **options)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()


@pytest.fixture
def durable_runner(request: pytest.FixtureRequest) -> Iterator[DurableTestRunner]:
    marker = request.node.get_closest_marker("durable_execution")
    if marker is None:
        raise pytest.UsageError(
            "durable_runner needs @pytest.mark.durable_execution(handler=...) on the test; "
            "or use the durable_runner_factory fixture"
        )
    options = dict(marker.kwargs)
    handler = options.pop("handler", None) or (marker.args[0] if marker.args else None)
    if handler is None:
        raise pytest.UsageError("@pytest.mark.durable_execution needs handler=...")
    # AWS's marker keywords: the Lambda function name, and whether to skip time.
    if "lambda_function_name" in options:
        options["function_name"] = options.pop("lambda_function_name")
    if "skip_time" in options:
        options["time"] = "virtual" if options.pop("skip_time") else "real"
    with DurableTestRunner(handler, **options) as runner:
        yield runner
