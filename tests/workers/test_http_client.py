"""The SDK's stdlib HTTP client on its own: it reuses connections, repeats a
checkpoint that got no answer with the same ClientToken, and turns AWS error answers
into the errors the service raised, with code, message and status."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from perdure._model import OperationAction, OperationType, OperationUpdate
from perdure._sdk.transport.http_client import HttpDurableServiceClient
from perdure.errors import CheckpointError, InvalidParameterValueError, ResourceNotFoundError

ARN = "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/n/id-1"
UPDATE = OperationUpdate("op1", OperationType.STEP, OperationAction.START, name="s")


class Script:
    """What the fake service answers, request by request, and what it was sent."""

    def __init__(self, answers: list[tuple[int, dict[str, str], Any] | None]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, str, Any]] = []
        self.ports: set[int] = set()


@contextmanager
def fake_service(script: Script) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            script.requests.append((self.command, self.path, body))
            script.ports.add(self.client_address[1])
            answer = script.answers.pop(0)
            if answer is None:  # hang up without a word
                self.close_connection = True
                return
            status, headers, doc = answer
            data = json.dumps(doc).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


OK: tuple[int, dict[str, str], Any] = (
    200,
    {},
    {"CheckpointToken": "t2", "NewExecutionState": {"Operations": []}},
)


def test_a_checkpoint_without_an_answer_is_sent_again_with_the_same_client_token() -> None:
    script = Script([None, OK])
    with fake_service(script) as url:
        client = HttpDurableServiceClient(url, token="s3cret")
        resp = client.checkpoint(ARN, "t1", [UPDATE])
        client.close()
    assert resp.checkpoint_token == "t2"
    (m1, p1, b1), (m2, p2, b2) = script.requests
    assert m1 == m2 == "POST"
    assert (
        p1
        == p2
        == "/2025-12-01/durable-executions/"
        + ARN.replace("/", "%2F").replace(":", "%3A").replace("$", "%24")
        + "/checkpoint"
    )
    assert b1 == b2 and b1["ClientToken"] and b1["CheckpointToken"] == "t1"
    assert b1["Updates"][0]["Id"] == "op1"


def test_connections_are_kept_alive_and_reused() -> None:
    script = Script([OK, OK, OK])
    with fake_service(script) as url:
        client = HttpDurableServiceClient(url)
        for _ in range(3):
            client.checkpoint(ARN, "t1", [UPDATE])
        client.close()
    assert len(script.ports) == 1
    assert len({body["ClientToken"] for _, _, body in script.requests}) == 3


def test_refusals_carry_the_aws_code_message_and_status() -> None:
    stale = (
        400,
        {"x-amzn-errortype": "InvalidParameterValueException"},
        {"Type": "User", "message": "Invalid checkpoint token: t1"},
    )
    missing = (404, {"x-amzn-errortype": "ResourceNotFoundException:http://x/"}, {"Message": "no"})
    script = Script([stale, missing])
    with fake_service(script) as url:
        client = HttpDurableServiceClient(url)
        with pytest.raises(InvalidParameterValueError) as caught:
            client.checkpoint(ARN, "t1", [UPDATE])
        assert (caught.value.code, caught.value.status) == ("InvalidParameterValueException", 400)
        assert caught.value.message == "Invalid checkpoint token: t1"
        with pytest.raises(ResourceNotFoundError) as missed:
            client.get_execution_state(ARN, "t1", "", 10)
        assert (missed.value.code, missed.value.status) == ("ResourceNotFoundException", 404)
        assert missed.value.message == "no"
        client.close()
    method, path, _ = script.requests[1]
    assert method == "GET" and path.endswith("/state?CheckpointToken=t1&MaxItems=10")


def test_a_service_that_never_answers_is_a_retryable_checkpoint_error() -> None:
    script = Script([None, None, None, None])
    with fake_service(script) as url:
        client = HttpDurableServiceClient(url, retries=3)
        with pytest.raises(CheckpointError) as caught:
            client.checkpoint(ARN, "t1", [UPDATE])
        client.close()
    assert caught.value.is_retryable()
    assert len({body["ClientToken"] for _, _, body in script.requests}) == 1
