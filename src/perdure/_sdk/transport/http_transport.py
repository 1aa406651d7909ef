"""Perdure's one HTTP connection layer: requests to one endpoint over a pool of
kept-alive connections, with AWS error answers decoded into `ApiError`s.

The SDK's service client checkpoints through it, a remote worker claims through it, and
`perdure.client` drives executions through it, with the standard library only, so none
of them needs a third-party package or any server code.

Speed is the reason for the pool: a step is one checkpoint, and opening a TCP
connection per checkpoint would cost more than the commit it carries. Connections are
kept alive and reused, one request at a time each, because the SDK's batcher and
map/parallel branches checkpoint from several threads. Each is an `HttpConnection`
(`http_connection`), which costs a fraction of `http.client`'s CPU per request.

Failures: an error answer raises the `ApiError` its code names
(`perdure._wire.api_errors`), with the message and the status it came with. A request
that got no answer raises `TransportError`. A kept-alive connection the server closed
before answering is replaced and the request sent again at once (it never ran); beyond
that, a call made with `retry=True` is repeated with backoff on no answer, throttling
and server faults, so pass it only for requests that are safe to repeat.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from perdure import _ids
from perdure._clock import real_sleep
from perdure._sdk.transport.http_connection import (
    ConnectionClosedError,
    HttpConnection,
    ProtocolError,
)
from perdure._wire.api_errors import ERROR_TYPE_HEADER, decode_error, unreadable_answer

__all__ = ["Answer", "HttpTransport", "TransportError"]

Query = Mapping[str, str] | Sequence[tuple[str, str]]

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Errors that mean "the server closed a kept-alive connection before answering".
_STALE = (ConnectionClosedError,)
_MAX_IDLE = 64
# What a request line's target may not hold (it would end the line or split it).
_NOT_IN_TARGET = re.compile(r"[\x00-\x20\x7f]")


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
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

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
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._host_header = host if self._port is None else f"{host}:{self._port}"
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._retries = retries
        fixed = {"Accept": "application/json", "User-Agent": user_agent}
        if token:
            fixed["Authorization"] = f"Bearer {token}"
        # The headers every request sends, encoded once.
        self._fixed = _header_lines(fixed)
        self._json_type = _header_lines({"Content-Type": "application/json"})
        self._lock = threading.Lock()
        self._idle: list[HttpConnection] = []
        self._closed = False

    # -- connections ------------------------------------------------------------------

    def _connect(self) -> HttpConnection:
        return HttpConnection(
            self._host,
            self._port,
            https=self._https,
            timeout=self._timeout,
            host_header=self._host_header,
        )

    def _take(self) -> tuple[HttpConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _give_back(self, conn: HttpConnection) -> None:
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
        if _NOT_IN_TARGET.search(url):
            raise ValueError(f"The request target may not hold spaces or controls: {url!r}")
        sent = self._fixed
        has_type = headers is not None and any(k.lower() == "content-type" for k in headers)
        if body is not None and not has_type:
            sent += self._json_type
        if headers:
            sent += _header_lines(headers)
        attempts = self._retries + 1 if retry else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                answer = self._once(method, url, body, sent, timeout)
            except OSError as exc:
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
        headers: bytes,
        timeout: float | None,
    ) -> Answer:
        conn, reused = self._take()
        wait = self._timeout if timeout is None else timeout
        try:
            try:
                reply = conn.exchange(method, url, headers, body, wait)
            except _STALE:
                if not reused:
                    raise
                # The server closed a kept-alive connection before answering: the
                # request never ran, so sending it again on a fresh connection is safe.
                conn.close()
                conn = self._connect()
                reply = conn.exchange(method, url, headers, body, wait)
        except BaseException:
            conn.close()
            raise
        if reply.will_close:
            conn.close()
        else:
            self._give_back(conn)
        return Answer(reply.status, reply.headers, reply.body)


def _header_lines(headers: Mapping[str, str]) -> bytes:
    """`Name: value` lines, each ending in CRLF; a value with a line break (which would
    smuggle in a header of its own) is refused."""
    lines = []
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise ValueError(f"Invalid header {name!r}: names and values are one line each")
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("latin-1")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, _STALE):
        return "the connection was closed"
    if isinstance(exc, ProtocolError):
        return f"unreadable answer ({exc})"
    return str(exc) or type(exc).__name__
