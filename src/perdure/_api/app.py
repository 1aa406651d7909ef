"""The ASGI application: read the request, find its route, run it, write the answer.

No web framework: the Lambda API is a fixed table of routes (`routes.ROUTES`) of plain
functions, and what a framework would add (decoding the path before routing, error
pages of its own) is what the wire format forbids. Route functions are synchronous and
call the service, which blocks on SQLite, so they run on worker threads; only Invoke,
which waits for an execution to end, is a coroutine.

Every route but `/health` is admitted by `auth.Authenticator` after the body is read (a
SigV4 signature covers it) and before the route runs: with an `AuthConfig` that requires
credentials it checks them; without, it admits only requests addressed to loopback and
sent by no web page but a loopback one (see `perdure._api.auth`).

Every refusal is an `ApiError` rendered by `errors.error_response` (an authentication
refusal by `auth.refusal_response`). Anything else that escapes a route is logged with
its traceback and answered with a generic 500 `ServiceException`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, cast
from urllib.parse import parse_qs

from perdure._api import routes
from perdure._api.auth import AuthConfig, AuthenticationError, Authenticator, refusal_response
from perdure._api.context import DEFAULT_INVOKE_TIMEOUT, ApiContext
from perdure._api.errors import error_response, internal_error_response
from perdure._api.http import Request, Response
from perdure._api.metrics import Metrics
from perdure._service.context import ServiceContext
from perdure._store.faults import StoreFaultError
from perdure.errors import (
    ApiError,
    InvalidParameterValueError,
    RequestTooLargeError,
    TemporarilyUnavailableError,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_QUERY_FIELDS = 64

log = logging.getLogger("perdure.api")


class PerdureApi:
    """`PerdureApi(ctx)` is an ASGI 3 application; serve it with uvicorn or any server
    that passes `raw_path`."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT,
        metrics: Metrics | None = None,
        auth: AuthConfig | None = None,
    ) -> None:
        self.api = ApiContext(ctx, metrics or Metrics(), invoke_timeout)
        self.auth = Authenticator(auth or AuthConfig(required=False))
        # Room for any request whose payloads are within their limits, so the service,
        # not the body reader, refuses an oversized payload, as it does in-process.
        self.max_body = ctx.settings.limits.request_body
        self._routes = routes.Resolver()

    def end_long_polls(self) -> None:
        """Answer every request that is waiting (a worker's claim, a long-polled
        GetDurableExecution, a synchronous Invoke) now, and later ones without waiting:
        the server is stopping, and it waits for the requests under way to finish."""
        assert self.api.waiter is not None
        self.api.waiter.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        operation = "Unknown"
        try:
            raw_path = _raw_path(scope)
            route, params = self._routes.resolve(scope["method"], raw_path)
            operation = route.operation
            body = await _read_body(scope, receive, self.max_body)
            request = Request(
                method=scope["method"],
                path=scope.get("path", ""),
                params=params,
                query=_query(scope),
                headers=_headers(scope),
                body=body,
            )
            self.auth.admit(request, operation, raw_path=raw_path, raw_query=_raw_query(scope))
            response = await self._run(route, request, scope.get("client"))
        except AuthenticationError as exc:
            response = refusal_response(exc)
        except ApiError as exc:
            response = error_response(exc)
        except StoreFaultError as exc:
            # A database fault passes (a lock is released, a disk freed, a connection
            # re-made): a retryable 503 naming the cause, and one log line, no traceback.
            log.warning("%s %s: %s", scope["method"], scope.get("path"), exc)
            response = error_response(TemporarilyUnavailableError(str(exc)))
        except Exception:
            log.exception("unexpected error answering %s %s", scope["method"], scope.get("path"))
            response = internal_error_response()
        self.api.metrics.request(operation, response.status)
        response.headers.append(("x-amzn-requestid", self.api.ctx.new_request_id()))
        await _send(send, response)

    async def _run(self, route: routes.Route, request: Request, client: object) -> Response:
        if route.is_async:
            handler = cast(routes.AsyncHandler, route.handler)
            return await handler(self.api, request)
        sync = cast(routes.SyncHandler, route.handler)
        if route.brief and self.api.ctx.store.refuses_to_wait:
            caller = tuple(client) if isinstance(client, (list, tuple)) else None
            return await self.api.threads.run_brief(caller, sync, self.api, request)
        return await self.api.threads.run(sync, self.api, request)


def create_app(
    ctx: ServiceContext,
    *,
    invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT,
    auth: AuthConfig | None = None,
) -> PerdureApi:
    """The API over `ctx`. `auth=None` checks no credentials (a loopback server: it
    admits only loopback `Host` and `Origin` values); see `perdure._api.auth` for when a
    server must pass a required `AuthConfig`."""
    return PerdureApi(ctx, invoke_timeout=invoke_timeout, auth=auth)


# -- ASGI plumbing -----------------------------------------------------------------------


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if raw is None:
        # Without raw_path the server has already decoded %2F; the ARN routes cannot work,
        # but the others can.
        return str(scope.get("path", ""))
    path = bytes(raw).split(b"?", 1)[0]
    return path.decode("latin-1")


def _raw_query(scope: Scope) -> str:
    return bytes(scope.get("query_string", b"")).decode("latin-1")


def _query(scope: Scope) -> dict[str, list[str]]:
    raw = _raw_query(scope)
    if not raw:
        return {}  # most requests (a checkpoint's among them) have no query
    try:
        return parse_qs(
            raw,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_QUERY_FIELDS,
        )
    except UnicodeDecodeError:
        raise InvalidParameterValueError(
            "The query string must be percent-encoded UTF-8."
        ) from None
    except ValueError:
        raise InvalidParameterValueError(
            f"The query string has more than {MAX_QUERY_FIELDS} parameters."
        ) from None


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        out[bytes(name).decode("latin-1").lower()] = bytes(value).decode("latin-1")
    return out


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    for name, value in scope.get("headers", []):
        if bytes(name).lower() == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise InvalidParameterValueError("Content-Length must be a number.") from None
            if declared > limit:
                raise RequestTooLargeError(
                    f"The request body is {declared} bytes; the limit is {limit}."
                )
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise RequestTooLargeError(f"The request body exceeds {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, response: Response) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
