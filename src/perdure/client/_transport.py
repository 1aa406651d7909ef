"""The one port the client talks through, and its implementation over HTTP.

A transport moves the Lambda API's JSON shapes (PascalCase, epoch seconds) and raises
`perdure.errors.ApiError` subclasses; it knows nothing about waiting, paging or
decoding. `RemoteTransport` speaks the wire API through the SDK's connection layer
(`perdure._sdk.transport.http_transport`, the standard library only), so a client process needs no
server code and no third-party package, and decodes refusals with the same table the
API encodes them with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import quote

from perdure._sdk.transport.http_transport import Answer, HttpTransport, Query, TransportError
from perdure._wire.api_errors import UnexpectedResponseError
from perdure.client._types import ServiceUnavailableError

Doc = dict[str, Any]
Page = tuple[list[Doc], str | None]

_EXECUTIONS = "/2025-12-01/durable-executions/"
_CALLBACKS = "/2025-12-01/durable-execution-callbacks/"


class Transport(Protocol):
    """Where a `DurableClient` sends its calls. `where` names it in messages."""

    where: str

    def start(
        self, function_name: str, payload: str | None, name: str | None, qualifier: str | None
    ) -> str: ...

    def get_execution(self, arn: str) -> Doc: ...

    def wait_execution(self, arn: str, seconds: float) -> Doc:
        """The execution once it has ended or after `seconds`, whichever is first."""
        ...

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


class RemoteTransport:
    """Lambda-API calls to a Perdure server over kept-alive connections. A call is
    never repeated once the server may have run it (Invoke is not idempotent), so
    refusals and faults reach the caller as they came."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.where = url.rstrip("/")
        self._timeout = timeout
        self._http = HttpTransport(
            url, token=token, timeout=timeout, retries=0, user_agent="perdure-client"
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query = (),
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        try:
            return self._http.request(
                method, path, query=query, body=body, headers=headers, timeout=timeout, retry=False
            )
        except TransportError as exc:
            raise ServiceUnavailableError(self.where, exc.reason) from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Doc:
        doc = self.request(method, path, **kwargs).json()
        return doc if isinstance(doc, dict) else {}

    # -- operations -------------------------------------------------------------------

    def start(
        self, function_name: str, payload: str | None, name: str | None, qualifier: str | None
    ) -> str:
        headers = {"X-Amz-Invocation-Type": "Event"}
        if name is not None:
            headers["X-Amz-Durable-Execution-Name"] = name
        query = [("Qualifier", qualifier)] if qualifier else []
        answer = self.request(
            "POST",
            f"/2015-03-31/functions/{_seg(function_name)}/invocations",
            query=query,
            body=(payload or "").encode("utf-8"),
            headers=headers,
        )
        arn = answer.header("x-amz-durable-execution-arn")
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

    def wait_execution(self, arn: str, seconds: float) -> Doc:
        # Perdure's long-poll (`WaitSeconds`): the server answers the moment the
        # execution ends, so the wait costs one request, not a poll every few ms.
        if seconds <= 0:
            return self.get_execution(arn)
        return self._json(
            "GET",
            _EXECUTIONS + _seg(arn),
            query=[("WaitSeconds", f"{seconds:.3f}")],
            timeout=self._timeout + seconds,
        )

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
