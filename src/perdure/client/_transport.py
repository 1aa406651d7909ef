"""The one port the client talks through, and its HTTP implementation.

A transport moves the Lambda API's JSON shapes (PascalCase, epoch seconds) and raises
`perdure.errors.ApiError` subclasses; it knows nothing about waiting, paging or
decoding. `HttpTransport` speaks the wire API with the standard library, so a client
process needs no server code and no third-party package.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

from perdure.client._types import (
    InvalidRequestContentError,
    ServiceUnavailableError,
    UnexpectedResponseError,
)
from perdure.errors import (
    ApiError,
    CallbackTimeoutApiError,
    ExecutionAlreadyStartedError,
    InvalidParameterValueError,
    RequestTooLargeError,
    ResourceConflictError,
    ResourceNotFoundError,
    ServiceError,
    TooManyRequestsError,
)

Doc = dict[str, Any]
Page = tuple[list[Doc], str | None]

API_ERRORS: dict[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        InvalidParameterValueError,
        CallbackTimeoutApiError,
        ResourceNotFoundError,
        ResourceConflictError,
        ExecutionAlreadyStartedError,
        TooManyRequestsError,
        ServiceError,
        InvalidRequestContentError,
        RequestTooLargeError,
    )
}

_EXECUTIONS = "/2025-12-01/durable-executions/"
_CALLBACKS = "/2025-12-01/durable-execution-callbacks/"


class Transport(Protocol):
    """Where a `DurableClient` sends its calls. `where` names it in messages."""

    where: str

    def start(
        self, function_name: str, payload: str | None, name: str | None, qualifier: str | None
    ) -> str: ...

    def get_execution(self, arn: str) -> Doc: ...

    def history_page(self, arn: str, marker: str | None, max_items: int, reverse: bool) -> Page: ...

    def list_page(
        self,
        function_name: str,
        statuses: Sequence[str],
        name: str | None,
        qualifier: str | None,
        marker: str | None,
        max_items: int,
    ) -> Page: ...

    def stop(self, arn: str, error: Doc | None) -> Doc: ...

    def pause(self, arn: str, reason: str | None) -> None: ...

    def resume(self, arn: str, reason: str | None) -> None: ...

    def delete(self, arn: str) -> Doc: ...

    def callback_success(self, callback_id: str, result: bytes | None) -> None: ...

    def callback_failure(self, callback_id: str, error: Doc | None) -> None: ...

    def callback_heartbeat(self, callback_id: str) -> None: ...

    def close(self) -> None: ...


def _seg(value: str) -> str:
    # One path segment, everything but -._~ encoded (what botocore does for URI labels):
    # the ARN's slashes must stay inside its segment.
    return quote(value, safe="")


class HttpTransport:
    """Lambda-API calls over one kept-alive HTTP connection (re-opened when the server
    closed it). Calls are serialized: a client is cheap, make one per thread if needed."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
        self.where = url.rstrip("/")
        self._parts = parts
        self._prefix = parts.path.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            host, port = self._parts.hostname or "", self._parts.port
            if self._parts.scheme == "https":
                self._conn = http.client.HTTPSConnection(host, port, timeout=self._timeout)
            else:
                self._conn = http.client.HTTPConnection(host, port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        target = self._prefix + path + (f"?{urlencode(query)}" if query else "")
        sent = {"Accept": "application/json", "User-Agent": "perdure-client"}
        if self._token:
            sent["Authorization"] = f"Bearer {self._token}"
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        sent.update(headers or {})
        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    conn.request(method, target, body=body, headers=sent)
                    resp = conn.getresponse()
                    data = resp.read()
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    # A kept-alive connection the server has since closed: retry once on
                    # a new one (every call here is safe to repeat or idempotent).
                    self._drop()
                    if attempt == 1:
                        continue
                    raise ServiceUnavailableError(self.where, "the connection was closed") from None
                except (OSError, http.client.HTTPException) as exc:
                    self._drop()
                    raise ServiceUnavailableError(self.where, _reason(exc)) from None
                got = {k.lower(): v for k, v in resp.getheaders()}
                if resp.status >= 400:
                    raise _api_error(resp.status, got, data)
                return resp.status, got, data
        raise AssertionError("unreachable")

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _json(self, method: str, path: str, **kwargs: Any) -> Doc:
        _, _, data = self.request(method, path, **kwargs)
        if not data.strip():
            return {}
        doc = json.loads(data)
        return doc if isinstance(doc, dict) else {}

    # -- operations -------------------------------------------------------------------

    def start(
        self, function_name: str, payload: str | None, name: str | None, qualifier: str | None
    ) -> str:
        headers = {"X-Amz-Invocation-Type": "Event"}
        if name is not None:
            headers["X-Amz-Durable-Execution-Name"] = name
        query = [("Qualifier", qualifier)] if qualifier else []
        _, got, _ = self.request(
            "POST",
            f"/2015-03-31/functions/{_seg(function_name)}/invocations",
            query=query,
            body=(payload or "").encode("utf-8"),
            headers=headers,
        )
        arn = got.get("x-amz-durable-execution-arn")
        if not arn:
            raise UnexpectedResponseError(
                f"{self.where} started no durable execution (no X-Amz-Durable-Execution-Arn "
                "in the answer); is it a Perdure server?",
                error_code=None,
                http_status=200,
            )
        return arn

    def get_execution(self, arn: str) -> Doc:
        return self._json("GET", _EXECUTIONS + _seg(arn))

    def history_page(self, arn: str, marker: str | None, max_items: int, reverse: bool) -> Page:
        query = [("MaxItems", str(max_items))]
        if marker:
            query.append(("Marker", marker))
        if reverse:
            query.append(("ReverseOrder", "true"))
        doc = self._json("GET", _EXECUTIONS + _seg(arn) + "/history", query=query)
        return list(doc.get("Events", [])), doc.get("NextMarker")

    def list_page(
        self,
        function_name: str,
        statuses: Sequence[str],
        name: str | None,
        qualifier: str | None,
        marker: str | None,
        max_items: int,
    ) -> Page:
        query = [("Statuses", s) for s in statuses]
        query.append(("MaxItems", str(max_items)))
        if name:
            query.append(("DurableExecutionName", name))
        if qualifier:
            query.append(("Qualifier", qualifier))
        if marker:
            query.append(("Marker", marker))
        path = f"/2025-12-01/functions/{_seg(function_name)}/durable-executions"
        doc = self._json("GET", path, query=query)
        return list(doc.get("DurableExecutions", [])), doc.get("NextMarker")

    def stop(self, arn: str, error: Doc | None) -> Doc:
        body = json.dumps(error).encode("utf-8") if error is not None else b""
        return self._json("POST", _EXECUTIONS + _seg(arn) + "/stop", body=body)

    def pause(self, arn: str, reason: str | None) -> None:
        doc = {"Reason": reason} if reason else {}
        self._json("POST", _EXECUTIONS + _seg(arn) + "/pause", body=json.dumps(doc).encode())

    def resume(self, arn: str, reason: str | None) -> None:
        doc = {"Reason": reason} if reason else {}
        self._json("POST", _EXECUTIONS + _seg(arn) + "/resume", body=json.dumps(doc).encode())

    def delete(self, arn: str) -> Doc:
        return self._json("DELETE", _EXECUTIONS + _seg(arn))

    def callback_success(self, callback_id: str, result: bytes | None) -> None:
        # The body is the raw result blob, not JSON-wrapped (reference §4.0).
        self.request(
            "POST",
            _CALLBACKS + _seg(callback_id) + "/succeed",
            body=result or b"",
            headers={"Content-Type": "application/octet-stream"},
        )

    def callback_failure(self, callback_id: str, error: Doc | None) -> None:
        body = json.dumps(error).encode("utf-8") if error is not None else b""
        self.request("POST", _CALLBACKS + _seg(callback_id) + "/fail", body=body)

    def callback_heartbeat(self, callback_id: str) -> None:
        self.request("POST", _CALLBACKS + _seg(callback_id) + "/heartbeat", body=b"")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def _api_error(status: int, headers: Mapping[str, str], data: bytes) -> ApiError:
    """The `ApiError` subclass the AWS error header names (botocore's rule: text before
    `:`, `#` prefix stripped), with the body's `message`/`Message`."""
    code = headers.get("x-amzn-errortype", "").split(":", 1)[0].lstrip("#") or None
    message = ""
    try:
        doc = json.loads(data) if data.strip() else {}
        if isinstance(doc, dict):
            message = str(doc.get("message") or doc.get("Message") or "")
    except ValueError:
        pass
    cls = API_ERRORS.get(code or "")
    if cls is not None:
        return cls(message or f"HTTP {status}")
    text = message or data[:200].decode("utf-8", "replace").strip() or f"HTTP {status}"
    return UnexpectedResponseError(text, error_code=code, http_status=status)
