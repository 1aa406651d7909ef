"""The Lambda Runtime API of one execution environment.

Lambda's runtimes for languages other than its built-in one talk to the service over
HTTP on a loopback address given in `AWS_LAMBDA_RUNTIME_API`: they long-poll
`GET /2018-06-01/runtime/invocation/next` for an event, and answer with
`POST .../invocation/{id}/response` or `.../invocation/{id}/error`, or, when the handler
cannot even be loaded, `POST .../init/error`. `RuntimeApi` serves exactly that, for one
environment (one process), on a loopback port of its own, as each Lambda sandbox has its
own: whoever drives the environment hands it one invocation at a time (`run`) and waits
for the runtime's answer, the process's end or the deadline, whichever comes first.

The event comes with Lambda's headers: `Lambda-Runtime-Aws-Request-Id`,
`Lambda-Runtime-Deadline-Ms`, `Lambda-Runtime-Invoked-Function-Arn`,
`Lambda-Runtime-Trace-Id`, and `Lambda-Runtime-Client-Context` /
`Lambda-Runtime-Cognito-Identity` when the invocation has them. Refusals are Lambda's
(`InvalidRequestID`, `InvalidStateTransition`, `RequestEntityTooLarge`), as JSON bodies
`{"errorMessage": ..., "errorType": ...}`.

The first `next` request is the runtime saying its init phase is over; an init error
ends it. Like Lambda's, this API has no authentication: it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from perdure._clock import monotonic

PREFIX = "/2018-06-01/runtime"
# Lambda's limit on a synchronous response.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
# A bound on any other body a runtime posts (an error, an init error).
_MAX_ERROR_BYTES = 1024 * 1024
# A body over its limit is read and dropped up to this size, so that the runtime reads
# the refusal and its connection stays usable; a larger one closes the connection.
_MAX_DRAINED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Invocation:
    """One event for the runtime, and the values of Lambda's headers for it."""

    request_id: str
    event: bytes
    deadline_ms: int
    invoked_function_arn: str
    trace_id: str
    client_context: str | None = None
    cognito_identity: str | None = None
    tenant_id: str | None = None

    def headers(self) -> dict[str, str]:
        out = {
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.invoked_function_arn,
            "Lambda-Runtime-Trace-Id": self.trace_id,
        }
        if self.client_context is not None:
            out["Lambda-Runtime-Client-Context"] = self.client_context
        if self.cognito_identity is not None:
            out["Lambda-Runtime-Cognito-Identity"] = self.cognito_identity
        if self.tenant_id is not None:
            out["Lambda-Runtime-Aws-Tenant-Id"] = self.tenant_id
        return out


@dataclass(frozen=True)
class Reply:
    """What the runtime posted: a response (the handler's JSON result) or an error."""

    ok: bool
    body: bytes
    error_type: str | None = None

    def error(self) -> dict[str, Any]:
        """The posted error as `{errorType, errorMessage, stackTrace}`; Node's runtimes
        post the stack as `trace`, Python's as `stackTrace`."""
        try:
            parsed = json.loads(self.body) if self.body else {}
        except ValueError:
            parsed = {"errorMessage": self.body.decode("utf-8", "replace")}
        if not isinstance(parsed, dict):
            parsed = {"errorMessage": json.dumps(parsed)}
        trace = parsed.get("stackTrace") or parsed.get("trace") or []
        return {
            "errorType": str(parsed.get("errorType") or self.error_type or "Unknown"),
            "errorMessage": str(parsed.get("errorMessage", "")),
            "stackTrace": [str(line) for line in trace] if isinstance(trace, list) else [],
        }


class Ended:
    """The result of waiting on an environment whose process has ended."""


class TimedOut:
    """The result of waiting past the deadline."""


ENDED, TIMED_OUT = Ended(), TimedOut()


@dataclass
class _State:
    ready: bool = False
    init_error: Reply | None = None
    ended: bool = False
    closed: bool = False
    pending: Invocation | None = None  # handed to the runtime by the next `next`
    current: Invocation | None = None  # under way: handed out, not answered yet
    reply: Reply | None = None
    answered: set[str] = field(default_factory=set)


class RuntimeApi:
    """The Runtime API of one environment, served on 127.0.0.1 at `address`."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._state = _State()
        api = self

        class Handler(_RuntimeHandler):
            runtime_api = api

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.5},
            name="perdure-runtime-api",
            daemon=True,
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """`host:port`, the value of `AWS_LAMBDA_RUNTIME_API`."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    # -- the side that drives the environment --------------------------------------------

    def wait_ready(self, timeout: float) -> Reply | Ended | TimedOut | None:
        """None once the runtime asks for its first event (its init phase is over); its
        init error, ENDED if its process ended first, or TIMED_OUT."""
        deadline = monotonic() + timeout
        with self._cond:
            while True:
                state = self._state
                if state.init_error is not None:
                    return state.init_error
                if state.ready:
                    return None
                if state.ended or state.closed:
                    return ENDED
                left = deadline - monotonic()
                if left <= 0:
                    return TIMED_OUT
                self._cond.wait(left)

    def run(self, invocation: Invocation, timeout: float) -> Reply | Ended | TimedOut:
        """Hand `invocation` to the runtime and wait for its reply, the process's end or
        `timeout` seconds, whichever comes first."""
        deadline = monotonic() + timeout
        with self._cond:
            state = self._state
            state.pending, state.current, state.reply = invocation, None, None
            self._cond.notify_all()
            try:
                while True:
                    if state.reply is not None:
                        return state.reply
                    if state.ended or state.closed:
                        return ENDED
                    left = deadline - monotonic()
                    if left <= 0:
                        return TIMED_OUT
                    self._cond.wait(left)
            finally:
                state.pending = state.current = None
                state.reply = None

    def process_ended(self) -> None:
        """Tell waiters that the environment's process is gone."""
        with self._cond:
            self._state.ended = True
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._state.closed = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- the runtime's side (called by the request handler) ------------------------------

    def next_invocation(self) -> Invocation | None:
        """The next event, once there is one; None when the environment is closing."""
        with self._cond:
            state = self._state
            if not state.ready:
                state.ready = True
                self._cond.notify_all()
            while state.pending is None:
                if state.closed or state.ended:
                    return None
                self._cond.wait()
            invocation, state.pending = state.pending, None
            state.current = invocation
            return invocation

    def answer(self, request_id: str, reply: Reply) -> tuple[HTTPStatus, str, str] | None:
        """Record the runtime's reply to `request_id`; None, or the refusal."""
        with self._cond:
            state = self._state
            if state.current is None or state.current.request_id != request_id:
                if request_id in state.answered:
                    return (
                        HTTPStatus.BAD_REQUEST,
                        "InvalidStateTransition",
                        f"Invocation {request_id} has already been answered",
                    )
                return (HTTPStatus.BAD_REQUEST, "InvalidRequestID", "Invalid request ID")
            state.answered.add(request_id)
            state.current = None
            state.reply = reply
            self._cond.notify_all()
            return None

    def init_failed(self, reply: Reply) -> tuple[HTTPStatus, str, str] | None:
        with self._cond:
            state = self._state
            if state.ready:
                return (
                    HTTPStatus.FORBIDDEN,
                    "InvalidStateTransition",
                    "The runtime has already finished initialising",
                )
            state.init_error = reply
            self._cond.notify_all()
            return None


class _BodyTooLarge(Exception):
    def __init__(self, drained: bool) -> None:
        super().__init__("body too large")
        self.drained = drained


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A runtime that went away mid-request (killed at a timeout, or closing) is no
        error of the server's; anything else is logged as socketserver logs it."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _RuntimeHandler(BaseHTTPRequestHandler):
    runtime_api: RuntimeApi
    protocol_version = "HTTP/1.1"
    # Each answer is one small write the runtime waits for: no Nagle delay on top.
    disable_nagle_algorithm = True
    server_version = "PerdureRuntimeAPI"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the runtime polls all the time: nothing worth a line

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._refuse(HTTPStatus.NOT_FOUND, "NotFound", f"No route for GET {self.path}")
            return
        invocation = self.runtime_api.next_invocation()
        if invocation is None:
            self._refuse(
                HTTPStatus.INTERNAL_SERVER_ERROR, "Runtime.Closed", "The environment is closing"
            )
            self.close_connection = True
            return
        self._send(HTTPStatus.OK, invocation.event, invocation.headers())

    def do_POST(self) -> None:
        route = self.path.removeprefix(PREFIX)
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        if route == "/init/error":
            self._take_body(_MAX_ERROR_BYTES, lambda body: self._init_error(body, error_type))
            return
        parts = route.split("/")
        if (
            len(parts) == 4
            and parts[:2] == ["", "invocation"]
            and parts[3]
            in (
                "response",
                "error",
            )
        ):
            request_id = unquote(parts[2])
            if parts[3] == "response":
                self._take_body(
                    MAX_RESPONSE_BYTES,
                    lambda body: self._answer(request_id, Reply(True, body)),
                    too_large=lambda: self._answer(
                        request_id,
                        Reply(
                            False,
                            json.dumps(
                                {
                                    "errorType": "Function.ResponseSizeTooLarge",
                                    "errorMessage": "Response payload size exceeded maximum "
                                    f"allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
                                }
                            ).encode(),
                            "Function.ResponseSizeTooLarge",
                        ),
                        refuse=True,
                    ),
                )
            else:
                self._take_body(
                    _MAX_ERROR_BYTES,
                    lambda body: self._answer(request_id, Reply(False, body, error_type)),
                )
            return
        self._refuse(HTTPStatus.NOT_FOUND, "NotFound", f"No route for POST {self.path}")

    # -- replies -------------------------------------------------------------------------

    def _answer(self, request_id: str, reply: Reply, *, refuse: bool = False) -> None:
        refusal = self.runtime_api.answer(request_id, reply)
        if refusal is not None:
            self._refuse(*refusal)
        elif refuse:
            self._refuse(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "RequestEntityTooLarge",
                f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
            )
        else:
            self._send(HTTPStatus.ACCEPTED, b'{"status":"OK"}')

    def _init_error(self, body: bytes, error_type: str | None) -> None:
        refusal = self.runtime_api.init_failed(Reply(False, body, error_type))
        if refusal is not None:
            self._refuse(*refusal)
        else:
            self._send(HTTPStatus.ACCEPTED, b'{"status":"OK"}')

    def _refuse(self, status: HTTPStatus, error_type: str, message: str) -> None:
        body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
        self._send(status, body)

    def _send(
        self, status: HTTPStatus, body: bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    # -- bodies --------------------------------------------------------------------------

    def _take_body(
        self,
        limit: int,
        use: Callable[[bytes], None],
        too_large: Callable[[], None] | None = None,
    ) -> None:
        try:
            body = self._read_body(limit)
        except _BodyTooLarge as exc:
            # A body not read to its end leaves the connection unusable.
            self.close_connection = not exc.drained
            if too_large is not None:
                too_large()
            else:
                self._refuse(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    "RequestEntityTooLarge",
                    f"Exceeded maximum allowed payload size ({limit} bytes).",
                )
            return
        except ValueError as exc:
            self.close_connection = True
            self._refuse(HTTPStatus.BAD_REQUEST, "InvalidRequest", str(exc))
            return
        use(body)

    def _read_body(self, limit: int) -> bytes:
        """The request body, sent with a Content-Length or chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024).split(b";")[0].strip()
                length = int(line, 16)
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    if size > limit:
                        raise _BodyTooLarge(drained=True)
                    return b"".join(chunks)
                size += length
                if size > _MAX_DRAINED_BYTES:
                    raise _BodyTooLarge(drained=False)
                chunk = self.rfile.read(length)
                if size <= limit:
                    chunks.append(chunk)
                self.rfile.readline(8)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            if length > _MAX_DRAINED_BYTES:
                raise _BodyTooLarge(drained=False)
            while length > 0:
                dropped = self.rfile.read(min(length, 1 << 16))
                if not dropped:
                    break
                length -= len(dropped)
            raise _BodyTooLarge(drained=True)
        return self.rfile.read(length)
