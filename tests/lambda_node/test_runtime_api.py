"""The Lambda Runtime API Perdure serves each Node.js environment, on the wire, as any
runtime client sees it: the event with Lambda's headers from `next`, answers accepted
once for the invocation under way, and Lambda's refusals otherwise."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from perdure._runtime.lambda_runtime_api import (
    ENDED,
    MAX_RESPONSE_BYTES,
    TIMED_OUT,
    Invocation,
    Reply,
    RuntimeApi,
)

PREFIX = "/2018-06-01/runtime"


@pytest.fixture
def api() -> Iterator[RuntimeApi]:
    served = RuntimeApi()
    yield served
    served.close()


def _connect(api: RuntimeApi) -> http.client.HTTPConnection:
    host, port = api.address.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def _request(
    api: RuntimeApi,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = _connect(api)
    try:
        conn.request(method, PREFIX + path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _invocation(request_id: str = "req-1", **extra: Any) -> Invocation:
    return Invocation(
        request_id=request_id,
        event=b'{"DurableExecutionArn": "arn"}',
        deadline_ms=1_900_000_000_000,
        invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",
        trace_id="Root=1-5f84c7a1-0123456789abcdef01234567;Sampled=0",
        **extra,
    )


def _serve_one(
    api: RuntimeApi, invocation: Invocation, timeout: float = 10
) -> tuple[threading.Thread, list[Any]]:
    """Run `invocation` on a thread, as the invoker does; its outcome lands in the list."""
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(api.run(invocation, timeout)))
    thread.start()
    return thread, outcome


def test_next_hands_over_the_event_with_lambdas_headers(api: RuntimeApi) -> None:
    invocation = _invocation(client_context='{"custom": 1}', cognito_identity='{"id": "x"}')
    thread, outcome = _serve_one(api, invocation)
    status, headers, body = _request(api, "GET", "/invocation/next")
    assert status == 200
    assert body == invocation.event
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
    assert headers["Lambda-Runtime-Deadline-Ms"] == "1900000000000"
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == invocation.invoked_function_arn
    assert headers["Lambda-Runtime-Trace-Id"] == invocation.trace_id
    assert headers["Lambda-Runtime-Client-Context"] == '{"custom": 1}'
    assert headers["Lambda-Runtime-Cognito-Identity"] == '{"id": "x"}'
    assert headers["Content-Type"] == "application/json"

    status, _, body = _request(api, "POST", "/invocation/req-1/response", b'{"Status": "PENDING"}')
    thread.join(10)
    assert status == 202 and json.loads(body) == {"status": "OK"}
    assert outcome == [Reply(True, b'{"Status": "PENDING"}')]


def test_the_first_next_ends_the_init_phase(api: RuntimeApi) -> None:
    assert api.wait_ready(0.05) is TIMED_OUT
    poller = threading.Thread(target=lambda: _request(api, "GET", "/invocation/next"))
    poller.start()
    assert api.wait_ready(10) is None
    thread, _ = _serve_one(api, _invocation())
    poller.join(10)
    api.process_ended()
    thread.join(10)


def test_an_error_is_read_with_its_type_and_trace_from_either_runtime_shape(
    api: RuntimeApi,
) -> None:
    thread, outcome = _serve_one(api, _invocation())
    _request(api, "GET", "/invocation/next")
    node_style = {"errorType": "TypeError", "errorMessage": "bad", "trace": ["TypeError: bad"]}
    status, _, _ = _request(
        api,
        "POST",
        "/invocation/req-1/error",
        json.dumps(node_style).encode(),
        {"Lambda-Runtime-Function-Error-Type": "TypeError"},
    )
    thread.join(10)
    assert status == 202
    reply = outcome[0]
    assert isinstance(reply, Reply) and not reply.ok and reply.error_type == "TypeError"
    assert reply.error() == {
        "errorType": "TypeError",
        "errorMessage": "bad",
        "stackTrace": ["TypeError: bad"],
    }
    # Python's runtime posts `stackTrace`; a body that is no JSON is the message.
    assert Reply(False, b'{"errorMessage": "m", "stackTrace": ["a"]}', "X").error() == {
        "errorType": "X",
        "errorMessage": "m",
        "stackTrace": ["a"],
    }
    assert Reply(False, b"not json").error()["errorMessage"] == "not json"


def test_answers_for_another_invocation_or_a_second_answer_are_refused(api: RuntimeApi) -> None:
    thread, outcome = _serve_one(api, _invocation())
    _request(api, "GET", "/invocation/next")
    status, _, body = _request(api, "POST", "/invocation/someone-else/response", b"1")
    assert status == 400 and json.loads(body)["errorType"] == "InvalidRequestID"
    assert _request(api, "POST", "/invocation/req-1/response", b"2")[0] == 202
    thread.join(10)
    status, _, body = _request(api, "POST", "/invocation/req-1/response", b"3")
    assert status == 400 and json.loads(body)["errorType"] == "InvalidStateTransition"
    assert outcome == [Reply(True, b"2")]


def test_a_response_over_six_megabytes_is_refused_and_fails_the_invocation(
    api: RuntimeApi,
) -> None:
    thread, outcome = _serve_one(api, _invocation())
    _request(api, "GET", "/invocation/next")
    status, _, body = _request(
        api, "POST", "/invocation/req-1/response", b"x" * (MAX_RESPONSE_BYTES + 1)
    )
    thread.join(10)
    assert status == 413 and json.loads(body)["errorType"] == "RequestEntityTooLarge"
    assert outcome[0].error()["errorType"] == "Function.ResponseSizeTooLarge"


def test_a_chunked_response_is_read_whole(api: RuntimeApi) -> None:
    thread, outcome = _serve_one(api, _invocation())
    _request(api, "GET", "/invocation/next")
    conn = _connect(api)
    conn.putrequest("POST", f"{PREFIX}/invocation/req-1/response")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for chunk in (b'{"Status": ', b'"SUCCEEDED"}'):
        conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    conn.send(b"0\r\n\r\n")
    assert conn.getresponse().status == 202
    conn.close()
    thread.join(10)
    assert outcome == [Reply(True, b'{"Status": "SUCCEEDED"}')]


def test_an_init_error_is_taken_before_the_first_next_only(api: RuntimeApi) -> None:
    error = {"errorType": "Runtime.ImportModuleError", "errorMessage": "Cannot find module"}
    status, _, _ = _request(api, "POST", "/init/error", json.dumps(error).encode())
    assert status == 202
    problem = api.wait_ready(1)
    assert isinstance(problem, Reply) and problem.error()["errorType"] == error["errorType"]


def test_an_init_error_after_init_is_an_invalid_state_transition(api: RuntimeApi) -> None:
    thread, _ = _serve_one(api, _invocation())
    _request(api, "GET", "/invocation/next")
    status, _, body = _request(api, "POST", "/init/error", b"{}")
    assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"
    api.process_ended()
    thread.join(10)


def test_unknown_routes_are_not_found(api: RuntimeApi) -> None:
    assert _request(api, "GET", "/invocation/req-1/response")[0] == 404
    assert _request(api, "POST", "/invocation/next")[0] == 404


def test_waiting_ends_with_the_process_or_the_deadline(api: RuntimeApi) -> None:
    assert api.run(_invocation(), 0.05) is TIMED_OUT
    thread, outcome = _serve_one(api, _invocation("req-2"))
    api.process_ended()
    thread.join(10)
    assert outcome == [ENDED]
