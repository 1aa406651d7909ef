"""Serving Perdure's API with AWS Lambda handlers behind it, for the tests of the
Lambda-style invoker: the app is built knowing the URL its handlers will call, so the
socket is bound first and served once the app exists."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from perdure._api.auth import AuthConfig
from perdure._app import EmbeddedApp, build_embedded, embedded_api, lambda_handler_access
from perdure._config import RetryPolicy
from perdure._model import TERMINAL_EXECUTION_STATUSES
from perdure._runtime.lambda_function import HandlerAccess, LambdaFunction
from perdure._service import queries, start
from perdure._service.context import ServiceSettings
from perdure._wire.events import event_to_json

HANDLERS = "tests.lambda_runtime.aws_handlers"
# Failed invocations are retried after 0.2 s, 0.4 s, ...: a test sees the retry soon.
QUICK_RETRIES = ServiceSettings(
    retry=RetryPolicy(max_consecutive_failures=5, first_backoff_seconds=0.2)
)


def function(name: str, attribute: str, timeout: float = 60) -> LambdaFunction:
    return LambdaFunction(name, f"{HANDLERS}.{attribute}", timeout_seconds=timeout)


@dataclass
class Served:
    app: EmbeddedApp
    url: str
    access: HandlerAccess

    def start(self, function_name: str, payload: Any) -> str:
        return start.start_execution(self.app.ctx, function_name, json.dumps(payload)).arn

    def history(self, arn: str) -> list[dict[str, Any]]:
        return [event_to_json(e) for e in queries.all_events(self.app.ctx, arn)]

    def wait_until(self, arn: str, done: Any, timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            events = self.history(arn)
            if done(events):
                return events
            assert time.monotonic() < deadline, json.dumps(events, indent=1)[-4000:]
            time.sleep(0.05)

    def wait_for_end(self, arn: str, timeout: float = 60) -> list[dict[str, Any]]:
        def ended(_: Any) -> bool:
            status = queries.get_execution(self.app.ctx, arn).status
            return status in TERMINAL_EXECUTION_STATUSES

        return self.wait_until(arn, ended, timeout)


@contextmanager
def serving(
    tmp_path: Path,
    functions: Sequence[LambdaFunction],
    *,
    auth: AuthConfig | None = None,
    access_key: tuple[str, str] | None = None,
    settings: ServiceSettings = QUICK_RETRIES,
) -> Iterator[Served]:
    """The API on a loopback port, over an embedded app that runs `functions` as Lambda
    handlers. With `auth`, the API requires it, and the handlers get a key minted for
    them, or `access_key` (id, secret) when given."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    auth, minted = lambda_handler_access(url, auth, settings.region)
    chosen = HandlerAccess(url, *access_key) if access_key else minted
    app = build_embedded(
        str(tmp_path / "perdure.db"),
        {},
        settings=settings,
        lambda_functions=functions,
        lambda_access=chosen,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            embedded_api(app, auth=auth),
            log_level="warning",
            lifespan="on",
            http="h11",
            ws="none",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.005)
        yield Served(app, url, chosen)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.close()
        sock.close()


def event_types(events: Sequence[dict[str, Any]]) -> list[str]:
    return [str(e["EventType"]) for e in events]
