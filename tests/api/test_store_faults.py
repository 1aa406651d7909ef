"""A database fault reaches API callers as a retryable AWS-shaped error that names the
cause, never as a 500 with a traceback, and the API answers normally once it passes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import Served, serve
from tests.api.test_malformed import send
from tests.integration.handlers import echo


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(str(tmp_path / "perdure.db"), {"echo": echo}) as running:
        yield running


def test_a_full_disk_is_a_retryable_503_naming_the_cause_then_requests_succeed(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    client = served.client()
    try:
        check_full_disk(served, client, caplog)
    finally:
        client.close()


def check_full_disk(served: Served, client: Any, caplog: pytest.LogCaptureFixture) -> None:
    db = served.app.store._db  # type: ignore[attr-defined]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")  # no room to grow: a full disk
    big = json.dumps({"blob": "x" * 300_000}).encode()
    invoke = "/2015-03-31/functions/echo/invocations"
    try:
        refused = send(served, "POST", invoke, big, {"X-Amz-Invocation-Type": "Event"})
        status, _, body = send(served, "GET", "/health")
    finally:
        db.execute("PRAGMA max_page_count=1073741823")
    code, error_headers, error_body = refused
    assert code == 503
    assert error_headers["x-amzn-errortype"] == "ServiceException"
    assert error_headers["retry-after"] == "1"
    message = json.loads(error_body)["Message"]
    assert "disk" in message and "full" in message
    assert "Traceback" not in caplog.text and b"Traceback" not in error_body
    assert status == 503 and json.loads(body)["store"]["reason"] == "disk_full"
    # Freed: the same request is accepted, and health recovers with the first write.
    accepted = client.invoke(FunctionName="echo", InvocationType="Event", Payload=big)
    assert accepted["StatusCode"] == 202
    status, _, body = send(served, "GET", "/health")
    assert status == 200, body
