"""Perdure's one HTTP connection layer: requests to one endpoint over a pool of
kept-alive connections, with AWS error answers decoded into `ApiError`s.

The SDK's service client checkpoints through it, a remote worker claims through it, and
`perdure.client` drives executions through it, with the standard library only, so none
of them needs a third-party package or any server code.

Speed is the reason for the pool: a step is one checkpoint, and opening a TCP
connection per checkpoint would cost more than the commit it carries. Connections are
kept alive and reused, one request at a time each (`http.client` connections are not
thread-safe), because the SDK's batcher and map/parallel branches checkpoint from
several threads.

Failures: an error answer raises the `ApiError` its code names
(`perdure._wire.api_errors`), with the message and the status it came with. A request
that got no answer raises `TransportError`. A kept-alive connection the server closed
before answering is replaced and the request sent again at once (it never ran); beyond
that, a call made with `retry=True` is repeated with backoff on no answer, throttling
and server faults, so pass it only for requests that are safe to repeat.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from perdure import _ids
from perdure._clock import real_sleep
from perdure._wire.api_errors import ERROR_TYPE_HEADER, decode_error, unreadable_answer

__all__ = ["Answer", "HttpTransport", "TransportError"]

Query = Mapping[str, str] | Sequence[tuple[str, str]]

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Errors that mean "the server closed a kept-alive connection before answering".
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
_MAX_IDLE = 64


class TransportError(ConnectionError):
    """The request got no answer (refused, reset, timed out), retries included.
    `reason` says why in a few words ("connection refused")."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    """A success answer: status, headers (looked up case-insensitively) and body."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        """The body as JSON; None when it is empty."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise unreadable_answer(self.body) from None


class HttpTransport:
    """Requests to one Perdure endpoint (`http://` or `https://`, with an optional path
    prefix) over a pool of kept-alive connections. `retries` is how often a call made
    with `retry=True` is repeated; `token` is sent as `Authorization: Bearer`."""

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
        user_agent: str = "perdure",
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
        self._headers = {"Accept": "application/json", "User-Agent": user_agent}
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
            if not self._closed and len(self._idle) < _MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections; requests made afterwards use fresh ones that
        are not kept."""
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
        query: Query | None = None,
        timeout: float | None = None,
        retry: bool = True,
    ) -> tuple[int, Any]:
        """A JSON request: `body` is sent as JSON; returns the status and the parsed
        body (None when empty) of a 2xx answer."""
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        answer = self.request(method, path, query=query, body=payload, timeout=timeout, retry=retry)
        return answer.status, answer.json()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        retry: bool = True,
    ) -> Answer:
        """Send a request and return its success answer. `body` goes as it is, typed
        `application/json` unless `headers` say otherwise. Raises the decoded ApiError
        for an error answer and TransportError when there was none."""
        url = self._prefix + path
        if query:
            url += "?" + urlencode(query)
        sent = dict(self._headers)
        if body is not None:
            sent["Content-Type"] = "application/json"
        if headers:
            sent.update(headers)
        attempts = self._retries + 1 if retry else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                answer = self._once(method, url, body, sent, timeout)
            except (OSError, http.client.HTTPException) as exc:
                if last:
                    raise TransportError(f"{method} {path} failed: {exc!r}", _reason(exc)) from exc
            else:
                if answer.status < 400:
                    return answer
                if last or answer.status not in _RETRY_STATUSES:
                    error_type = answer.header(ERROR_TYPE_HEADER)
                    raise decode_error(answer.status, error_type, answer.body)
            real_sleep(0.05 * 2**attempt * (1 + _ids.jitter()))
        raise AssertionError("unreachable")

    def _once(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float | None,
    ) -> Answer:
        conn, reused = self._take()
        try:
            try:
                return self._exchange(conn, method, url, body, headers, timeout)
            except _STALE:
                if not reused:
                    raise
            # The server closed a kept-alive connection before answering: the request
            # never ran, so sending it again on a fresh connection is always safe.
            conn.close()
            conn = self._connect()
            return self._exchange(conn, method, url, body, headers, timeout)
        except BaseException:
            conn.close()
            raise

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float | None,
    ) -> Answer:
        wait = self._timeout if timeout is None else timeout
        if conn.sock is not None:
            conn.sock.settimeout(wait)
        else:
            conn.timeout = wait
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.will_close:
            conn.close()
        else:
            self._give_back(conn)
        return Answer(response.status, response.msg, data)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, _STALE):
        return "the connection was closed"
    return str(exc) or type(exc).__name__
