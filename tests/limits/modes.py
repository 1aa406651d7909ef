"""Run one function in each mode Perdure has, the way users do: the test runner, the
embedded runtime `perdure dev` serves (handlers checkpoint in-process), and a server
with a remote worker (handlers checkpoint over HTTP). Each returns what
GetDurableExecution says once the execution has ended."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from perdure._app import build_embedded, build_server
from perdure._model.durable_config import DurableConfig
from perdure._runtime.registry import Handler, Registry
from perdure._runtime.worker import Worker
from perdure._service.context import ServiceSettings
from perdure._store.store import Store
from perdure.client import DurableClient
from perdure.testing import DurableTestRunner
from tests.http_serving import serve_in_thread

MODES = ("runner", "embedded", "server")


def registered(store: Store, name: str, timeout: float = 10.0) -> DurableConfig:
    """The config a worker registered for `name`, once its first claim arrived (an
    Invoke before that starts the function with the server's defaults)."""
    deadline = time.monotonic() + timeout
    while (config := store.function_config(name)) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"no worker registered {name} within {timeout} s")
        time.sleep(0.01)
    return config


Start = Callable[[Any], str]  # start the function with this input, return its ARN


@contextmanager
def running(
    mode: str, tmp_path: Path, name: str, handler: Handler, settings: ServiceSettings | None = None
) -> Iterator[tuple[Start, Callable[[str], dict[str, Any]]]]:
    """`(start, result)`: start an execution of `handler` (registered as `name`) in
    `mode`; wait for one to end and return its GetDurableExecution document."""
    if mode == "runner":
        with DurableTestRunner(handler, function_name=name) as runner:

            def ended(arn: str) -> dict[str, Any]:
                runner.wait_for_result(arn, timeout=30)
                return runner.get_execution(arn)

            yield runner.run_async, ended
        return
    if mode == "embedded":
        app = build_embedded(
            str(tmp_path / "embedded.db"), {name: handler}, synchronous="OFF", settings=settings
        )
        try:
            with DurableClient.embedded(app) as client:
                yield (
                    lambda value: client.start(name, value),
                    lambda arn: dict(client.wait(arn, timeout=30).wire),
                )
        finally:
            app.close()
        return
    server = build_server(str(tmp_path / "server.db"), synchronous="OFF", settings=settings)
    try:
        with serve_in_thread(server.api) as url:
            worker = Worker(url, Registry({name: handler}), isolation="thread", poll_seconds=1)
            thread = threading.Thread(target=worker.run, daemon=True)
            thread.start()
            try:
                registered(server.store, name)
                with DurableClient.connect(url, token="") as client:
                    yield (
                        lambda value: client.start(name, value),
                        lambda arn: dict(client.wait(arn, timeout=30).wire),
                    )
            finally:
                worker.stop()
                thread.join(timeout=30)
    finally:
        server.close()
