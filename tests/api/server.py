"""Serve Perdure's HTTP API with uvicorn on a loopback port, in a background thread, over
an embedded app (SQLite file, in-process handlers), and point boto3 at it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import uvicorn
from botocore.config import Config

from perdure._api import create_app
from perdure._app import EmbeddedApp, build_embedded
from perdure._runtime.registry import Handler


@dataclass
class Served:
    app: EmbeddedApp
    base_url: str

    def client(self, **config: Any) -> Any:
        return boto3.client(
            "lambda",
            endpoint_url=self.base_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, **config),
        )


@contextmanager
def serve(
    db_path: str, functions: Mapping[str, Handler | str], *, invoke_timeout: float = 30.0
) -> Iterator[Served]:
    app = build_embedded(db_path, functions, synchronous="OFF")
    api = create_app(app.ctx, invoke_timeout=invoke_timeout)
    # Workers' long-polls answer within this here, so fuzzing the claim route stays fast.
    api.api.max_claim_wait = 0.2
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when
    # the listening socket says so, and without it every response waits ~40 ms (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        api, log_level="warning", lifespan="on", http="h11", ws="none", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.005)
    try:
        yield Served(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.close()
