"""Serve Perdure's HTTP API with uvicorn on a loopback port, in a background thread, over
an embedded app (SQLite file, in-process handlers), and point boto3 at it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from perdure._api import create_app
from perdure._app import EmbeddedApp, build_embedded
from perdure._runtime.registry import Handler
from tests.http_serving import serve_in_thread


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
    try:
        with serve_in_thread(api) as url:
            yield Served(app, url)
    finally:
        app.close()
