"""Serving the HTTP API with uvicorn in the foreground, for `perdure dev` and
`perdure server`.

The listening socket is bound here, before uvicorn starts, so a port in use is a clear
message and `--port 0` can report the port the system chose. SIGINT and SIGTERM both
end the server gracefully: uvicorn finishes the requests under way, then the caller
closes the runtime (in-flight invocations finish, the store closes).
"""

from __future__ import annotations

import errno
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from perdure._cli.errors import SERVICE, CliError
from perdure._clock import real_sleep


def require_uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:
        raise CliError(
            "serving the API needs uvicorn: pip install 'perdure[server]'", SERVICE
        ) from None
    return uvicorn


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when
    # the listening socket says so, and without it every response waits ~40 ms (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CliError(
                f"port {port} on {host} is already in use — is another `perdure dev` or "
                "`perdure server` running? Choose another with --port or PERDURE_PORT."
            ) from None
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    return f"http://{shown}:{port}"


def serve(
    app: Any,
    sock: socket.socket,
    on_started: Callable[[], None],
    on_stopping: Callable[[], None] | None = None,
) -> None:
    """Run `app` on `sock` until SIGINT or SIGTERM; `on_started` runs once it answers,
    `on_stopping` as soon as it begins to shut down: uvicorn waits for the requests under
    way before it stops, so long-polls must be told to answer then
    (`PerdureApi.end_long_polls`), or a worker's claim would hold the exit up."""
    uvicorn = require_uvicorn()
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", http=http_parser(), ws="none", access_log=False
    )

    class Server(uvicorn.Server):  # type: ignore[misc,name-defined]
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            if on_stopping is not None:
                on_stopping()
            await super().shutdown(sockets)

    server = Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            real_sleep(0.02)
        if server.started:
            on_started()

    watcher = threading.Thread(target=announce, name="perdure-announce", daemon=True)
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        watcher.start()
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn has shut down gracefully and re-raised the signal it caught
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()


def http_parser() -> str:
    """httptools, C bindings to llhttp, when installed (`perdure[server]` installs it):
    a checkpoint request is parsed in a fraction of the time h11, uvicorn's pure-Python
    parser, takes, and each remote step pays for one. h11 otherwise."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"
