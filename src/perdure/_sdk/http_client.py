"""DurableServiceClient over HTTP with the standard library, for handlers in remote
workers.

It speaks exactly the Lambda wire that `perdure._api` serves and boto3 sends
(`POST /2025-12-01/durable-executions/{arn}/checkpoint`, `GET .../state`, epoch seconds,
the ARN percent-encoded as one path segment), with the shapes of `perdure._wire`, so a
worker needs neither boto3 nor any server code.

Speed is the reason for the connection pool: a step is one checkpoint, and opening a TCP
connection per checkpoint would cost more than the commit it carries. Connections are
kept alive and reused, one request at a time each (`http.client` connections are not
thread-safe), because the SDK's batcher and map/parallel branches checkpoint from
several threads.

Failures: refusals become `HttpApiError`s carrying the AWS code, message and status, so
the SDK classifies them as AWS's does (a stale checkpoint token or a 5xx is worth
another invocation, any other 4xx fails the execution). A request that got no answer is
retried with the same `ClientToken`, so the service applies a checkpoint at most once
however often it is sent; after the retries it is reported as a retryable
CheckpointError / GetExecutionStateError.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from perdure import _ids
from perdure._clock import real_sleep
from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._wire.checkpoint import (
    checkpoint_request_to_json,
    checkpoint_response_from_json,
    state_response_from_json,
)
from perdure.errors import (
    ApiError,
    CheckpointError,
    DurableApiErrorCategory,
    GetExecutionStateError,
)

__all__ = ["HttpApiError", "HttpDurableServiceClient", "HttpTransport", "TransportError"]

EXECUTIONS = "/2025-12-01/durable-executions/"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Errors that mean "the server closed a kept-alive connection before answering".
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class HttpApiError(ApiError):
    """A refusal from the service, with the code, message and status it answered with."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]
        self.status = status  # type: ignore[misc]

    def __str__(self) -> str:
        return f"{self.code} ({self.status}): {self.message}"


class TransportError(ConnectionError):
    """The request got no answer (refused, reset, timed out), retries included."""


class HttpTransport:
    """JSON requests to one Perdure endpoint over a pool of kept-alive connections."""

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Expected an http:// or https:// endpoint, got {endpoint!r}")
        self.endpoint = endpoint.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._retries = retries
        self._headers = {"Content-Type": "application/json", "User-Agent": "perdure"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._lock = threading.Lock()
        self._idle: list[http.client.HTTPConnection] = []
        self._closed = False

    # -- connections ------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=self._timeout)

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < 64:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- requests ---------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        body: object | None = None,
        *,
        query: Mapping[str, str] | None = None,
        timeout: float | None = None,
        retry: bool = True,
    ) -> tuple[int, Any]:
        """(status, parsed JSON body or None) of a 2xx answer. Raises HttpApiError for
        an error answer and TransportError when there was none. With `retry`, the
        request is repeated on transport errors, throttling and server faults, so pass
        it only for requests that are safe to repeat."""
        url = self._prefix + path
        if query:
            url += "?" + urlencode(query)
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        attempts = self._retries + 1 if retry else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                status, headers, data = self._once(method, url, payload, timeout)
            except (OSError, http.client.HTTPException) as exc:
                if last:
                    raise TransportError(f"{method} {path} failed: {exc!r}") from exc
            else:
                if status < 400:
                    return status, _json(data) if data else None
                if last or status not in _RETRY_STATUSES:
                    raise _api_error(status, headers, data)
            real_sleep(0.05 * 2**attempt * (1 + _ids.jitter()))
        raise AssertionError("unreachable")

    def _once(
        self, method: str, url: str, payload: bytes | None, timeout: float | None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn, reused = self._take()
        try:
            try:
                return self._exchange(conn, method, url, payload, timeout)
            except _STALE:
                if not reused:
                    raise
            # The server closed a kept-alive connection before answering: the request
            # never ran, so sending it again on a fresh connection is always safe.
            conn.close()
            conn = self._connect()
            return self._exchange(conn, method, url, payload, timeout)
        except BaseException:
            conn.close()
            raise

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        url: str,
        payload: bytes | None,
        timeout: float | None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        wait = self._timeout if timeout is None else timeout
        if conn.sock is not None:
            conn.sock.settimeout(wait)
        else:
            conn.timeout = wait
        conn.request(method, url, body=payload, headers=self._headers)
        response = conn.getresponse()
        data = response.read()
        if response.will_close:
            conn.close()
        else:
            self._give_back(conn)
        return response.status, response.msg, data


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise HttpApiError(
            "ServiceException", f"The service answered with invalid JSON: {data[:200]!r}", 502
        ) from None


def _api_error(status: int, headers: http.client.HTTPMessage, data: bytes) -> HttpApiError:
    """The error as botocore reads it: the code from `X-Amzn-ErrorType` (minus any
    `:`-suffix), else the body's `__type`/`Type`; the message from `message`/`Message`."""
    doc: Any = None
    try:
        doc = json.loads(data) if data else None
    except ValueError:
        doc = None
    body: dict[str, Any] = doc if isinstance(doc, dict) else {}
    code = headers.get("x-amzn-errortype") or body.get("__type") or body.get("Type") or ""
    code = str(code).split(":", 1)[0] or f"Http{status}"
    message = body.get("message") or body.get("Message") or data[:200].decode("utf-8", "replace")
    return HttpApiError(code, str(message), status)


class HttpDurableServiceClient:
    """The SDK's service port (`DurableServiceClient`) over Perdure's HTTP API."""

    def __init__(
        self,
        endpoint: str | HttpTransport,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
    ) -> None:
        self.transport = (
            endpoint
            if isinstance(endpoint, HttpTransport)
            else HttpTransport(endpoint, token=token, timeout=timeout, retries=retries)
        )

    def close(self) -> None:
        self.transport.close()

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        # One ClientToken for every attempt of this call: the service answers a repeat
        # with the reply it saved, instead of applying the batch twice.
        body = checkpoint_request_to_json(
            checkpoint_token, updates, client_token or _ids.request_id()
        )
        path = f"{EXECUTIONS}{quote(durable_execution_arn, safe='')}/checkpoint"
        try:
            _, doc = self.transport.call("POST", path, body)
        except TransportError as exc:
            raise CheckpointError(str(exc), DurableApiErrorCategory.INVOCATION) from exc
        return checkpoint_response_from_json(doc or {}, time_unit="s")

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> StateResponse:
        query = {"CheckpointToken": checkpoint_token, "MaxItems": str(max_items)}
        if marker:
            query["Marker"] = marker
        path = f"{EXECUTIONS}{quote(durable_execution_arn, safe='')}/state"
        try:
            _, doc = self.transport.call("GET", path, query=query)
        except TransportError as exc:
            raise GetExecutionStateError(str(exc), DurableApiErrorCategory.INVOCATION) from exc
        return state_response_from_json(doc or {}, time_unit="s")
