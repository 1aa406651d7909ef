"""AWS's `WebRunner`, as a thin face over what `perdure dev` serves.

AWS's web runner is an HTTP emulator of the durable-execution API that invokes handlers
at a Lambda endpoint (SAM's local Lambda). Perdure runs the handlers itself, so this
runner serves what `perdure dev` serves (the Lambda durable-execution API and Invoke,
the scheduler and the workers, over SQLite) for the functions in `config.functions`:
boto3's `lambda` client, the AWS CLI and `DurableFunctionCloudTestRunner` pointed at
`runner.url` start and drive executions of them.

    config = WebRunnerConfig(WebServiceConfig(port=0), functions={"orders": handler})
    with WebRunner(config) as runner:          # start(): the server is built, not serving
        threading.Thread(target=runner.serve_forever, daemon=True).start()
        ...                                     # talk to runner.url

`skip_time` is not offered: a served API runs on the wall clock, as `perdure dev` does;
virtual time belongs to the in-process runners. `lambda_endpoint` and the other
`local_runner_*` settings name AWS's Lambda emulator and are not used.
"""

from __future__ import annotations

import contextlib
import ipaddress
import shutil
import socket
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from perdure._api import create_app
from perdure._app import EmbeddedApp, build_embedded
from perdure._model.durable_config import DurableConfig
from perdure._runtime.registry import Handler
from perdure.testing.exceptions import DurableFunctionsLocalRunnerError
from perdure.testing.stores.base import StoreType
from perdure.testing.web.server import WebServiceConfig

STOP_GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class WebRunnerConfig:
    """AWS's web runner settings, and the functions to serve (`functions`: name →
    `@durable_execution` handler or `"module:attribute"`). `isolation="process"` runs
    each invocation in a child process, as `perdure dev` does; its handlers must then be
    importable by module and attribute."""

    web_service: WebServiceConfig
    lambda_endpoint: str = "http://127.0.0.1:3001"
    local_runner_endpoint: str = "http://0.0.0.0:5000"
    local_runner_region: str = "us-west-2"
    local_runner_mode: str = "local"
    store_type: StoreType = StoreType.MEMORY
    store_path: str | None = None
    invocation_timeout_seconds: int = 900
    skip_time: bool = False
    max_invocation_page_bytes: int | None = None
    function_configs: Any = None
    functions: Mapping[str, Handler | str] = field(default_factory=dict)
    isolation: Literal["process", "thread"] = "thread"


class WebRunner:
    """Serve durable functions over the Lambda API until stopped."""

    def __init__(self, config: WebRunnerConfig) -> None:
        self._config = config
        self._app: EmbeddedApp | None = None
        self._socket: socket.socket | None = None
        self._server: Any = None
        self._tmp: str | None = None
        self._finished = threading.Event()
        self._finished.set()

    def __enter__(self) -> WebRunner:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The address the API answers at (the port chosen, when the config said 0)."""
        if self._socket is None:
            raise DurableFunctionsLocalRunnerError("Server not started")
        host, port = self._socket.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def start(self) -> None:
        """Open the store, start the workers and bind the port; `serve_forever` then
        answers requests."""
        if self._app is not None:
            raise DurableFunctionsLocalRunnerError("Server is already running")
        config = self._config
        if config.skip_time:
            raise DurableFunctionsLocalRunnerError(
                "skip_time is not available in the web runner: a served API runs on the wall "
                "clock. Use DurableFunctionTestRunner (skip_time=True) for virtual time."
            )
        service = config.web_service
        _require_loopback(service.host)
        _require_uvicorn()
        self._socket = _bind(service.host, service.port)
        try:
            self._app = build_embedded(
                self._database(),
                dict(config.functions),
                invoker=config.isolation,
                configs=_durable_configs(config.function_configs),
            )
        except BaseException:
            self._socket.close()
            self._socket = None
            self._remove_tmp()
            raise

    def serve_forever(self) -> None:
        """Answer requests until `stop` (or Ctrl-C). Blocks."""
        if self._app is None or self._socket is None:
            raise DurableFunctionsLocalRunnerError("Server not started")
        uvicorn = _require_uvicorn()
        api = create_app(self._app.ctx)
        server = uvicorn.Server(
            uvicorn.Config(
                api,
                log_level="warning",
                lifespan="on",
                http="h11",
                ws="none",
                access_log=False,
            )
        )
        self._server = server
        self._finished.clear()
        try:
            with contextlib.suppress(KeyboardInterrupt):
                server.run(sockets=[self._socket])
        finally:
            self._finished.set()

    def stop(self) -> None:
        """Stop serving, let running invocations finish, close the store. Safe to call
        twice."""
        if self._server is not None:
            self._server.should_exit = True
            self._server = None
            self._finished.wait(STOP_GRACE_SECONDS)  # serve_forever, in another thread
        if self._app is not None:
            self._app.close()
            self._app = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._remove_tmp()

    def _database(self) -> str:
        config = self._config
        if config.store_type is StoreType.SQLITE:
            return config.store_path or str(Path(".durable_executions.db"))
        if config.store_type is StoreType.FILESYSTEM:
            folder = Path(config.store_path or ".durable_executions")
            folder.mkdir(parents=True, exist_ok=True)
            return str(folder / "perdure.db")
        self._tmp = tempfile.mkdtemp(prefix="perdure-web-")
        return str(Path(self._tmp) / "perdure.db")

    def _remove_tmp(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _durable_configs(function_configs: Any) -> dict[str, DurableConfig] | None:
    """AWS's `FunctionConfigs` (targets by name, each durable with a timeout and a
    retention, or plain) as the DurableConfigs of the served functions."""
    by_name = getattr(function_configs, "by_name", function_configs)
    if not isinstance(by_name, Mapping):
        return None
    out: dict[str, DurableConfig] = {}
    for name, entry in by_name.items():
        if getattr(entry, "is_durable", False):
            out[str(name)] = DurableConfig(
                execution_timeout=getattr(entry, "execution_timeout_seconds", None),
                retention_period_in_days=getattr(entry, "retention_period_days", None),
            )
    return out or None


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise DurableFunctionsLocalRunnerError(
            f"The web runner serves only on loopback (localhost, 127.0.0.1, ::1), not {host!r}: "
            "it checks no credentials. To serve beyond this machine, run `perdure server` "
            "with an access token."
        )


def _require_uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:
        raise DurableFunctionsLocalRunnerError(
            "The web runner needs uvicorn: pip install 'perdure[server]'"
        ) from None
    return uvicorn


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # connections made before serve_forever wait for it
    except OSError as exc:
        sock.close()
        raise DurableFunctionsLocalRunnerError(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another port in "
            "WebServiceConfig (0 picks a free one)."
        ) from None
    return sock
