"""The dashboard as an ASGI application: read the request, let the gate decide, find
the page or action, run it on a worker thread (the service blocks on its store), and
answer with the headers that keep a browser safe.

Every answer carries a strict Content-Security-Policy (scripts, styles and everything
else from this server only, no inline script or style, no framing, forms posting only
here), `nosniff`, and `no-store`, so a page with payloads on it is not kept in a cache.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from perdure._dashboard import actions, security
from perdure._dashboard.catalog import Catalog, no_functions
from perdure._dashboard.execution_page import execution_page
from perdure._dashboard.executions_page import executions_page
from perdure._dashboard.functions_page import function_names, functions_page
from perdure._dashboard.health_page import health_page
from perdure._dashboard.layout import Frame, message_page
from perdure._dashboard.login_page import login_page, safe_next
from perdure._dashboard.requests import (
    BadRequest,
    NotFound,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    read_request,
    url,
)
from perdure._dashboard.static import TYPES, asset, asset_url
from perdure._service import browsing
from perdure._service.context import ServiceContext
from perdure._store.faults import StoreFaultError
from perdure.errors import ApiError

PREFIX = "/ui"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SAFE_HEADERS = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
]

log = logging.getLogger("perdure.dashboard")

EXECUTION_ACTIONS = frozenset({"stop", "pause", "resume", "delete", "rerun"})
CALLBACK_ACTIONS = frozenset({"succeed", "fail", "heartbeat"})


@dataclass
class _Answer:
    """A response and the cookies to set with it."""

    response: Response
    cookies: list[str]


class Dashboard:
    """`Dashboard(ctx, gate, catalog)` serves the pages under `/ui/` (mount it with
    `perdure._dashboard.mount.Mounted` beside the API)."""

    def __init__(
        self, ctx: ServiceContext, gate: security.Gate, catalog: Catalog = no_functions
    ) -> None:
        self.ctx = ctx
        self.gate = gate
        self.catalog = catalog

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        cookies: list[str] = []
        try:
            request = await read_request(scope, receive, PREFIX)
            answer = await asyncio.to_thread(self.answer, request)
            response, cookies = answer.response, answer.cookies
        except BadRequest as exc:
            response = Response.page(
                exc.status, message_page(_anonymous(), "Bad request", str(exc))
            )
        await _send(send, response, cookies, head=scope["method"] == "HEAD")

    # -- deciding --------------------------------------------------------------------

    def answer(self, req: Request) -> _Answer:
        gate = self.gate
        cookies: list[str] = []
        seed, fresh = security.csrf_seed(req)
        if fresh:
            cookies.append(security.cookie(security.CSRF_COOKIE, seed, secure=req.secure))
        signed_in = security.signed_in(gate, req)
        frame = Frame(
            csrf=security.csrf_token(gate, seed),
            signed_in=gate.required and signed_in,
            notice=req.arg("done", max_len=20) if req.method == "GET" else None,
        )
        method = "GET" if req.method == "HEAD" else req.method
        try:
            security.check_host(gate, req)
            if req.path.startswith("/static/") and method == "GET":
                return _Answer(_static(req.path.removeprefix("/static/")), cookies)
            if req.path in ("/login", "/logout"):
                return self._login(req, method, frame, cookies)
            if not signed_in:
                if method == "GET":
                    target = PREFIX + req.path + _query_text(req)
                    return _Answer(Response.redirect(url("/ui/login", next=target)), cookies)
                raise security.Refused("Log in first: this server requires credentials.")
            if method == "POST":
                security.check_post(gate, req)
                return _Answer(self._act(req, frame), cookies)
            if method == "GET":
                return _Answer(self._show(req, frame), cookies)
            return _Answer(
                Response.page(
                    405,
                    message_page(frame, "Not allowed", f"{req.method[:10]} is not served here."),
                ),
                cookies,
            )
        except security.Refused as exc:
            return _Answer(Response.page(403, message_page(frame, "Refused", str(exc))), cookies)
        except BadRequest as exc:
            return _Answer(
                Response.page(exc.status, message_page(frame, "Cannot do that", str(exc))), cookies
            )
        except ApiError as exc:
            return _Answer(
                Response.page(exc.status, message_page(frame, "Cannot do that", exc.message)),
                cookies,
            )
        except StoreFaultError as exc:
            log.warning("dashboard %s %s: %s", req.method, req.path, exc)
            return _Answer(
                Response.page(
                    503,
                    message_page(frame, "The database is unavailable", f"{exc} Try again shortly."),
                ),
                cookies,
            )
        except Exception:
            log.exception("dashboard: unexpected error answering %s %s", req.method, req.path)
            return _Answer(
                Response.page(
                    500,
                    message_page(
                        frame, "Something went wrong", "The error is in the server's log."
                    ),
                ),
                cookies,
            )

    def _show(self, req: Request, frame: Frame) -> Response:
        path = req.path
        if path in ("/", ""):
            return Response.redirect("/ui/executions")
        if path == "/executions":
            names = function_names(self.catalog(), browsing.registered_functions(self.ctx))
            status, html = executions_page(self.ctx, frame, req, names)
            return Response.page(status, html)
        if path == "/execution":
            arn = req.arg("arn", max_len=2048)
            if arn is None:
                raise BadRequest("Which execution? The link names none.")
            view = browsing.inspect(self.ctx, arn)
            return Response.page(200, execution_page(frame, view, self.ctx.now()))
        if path == "/functions":
            html = functions_page(
                self.ctx, frame, self.catalog(), browsing.registered_functions(self.ctx)
            )
            return Response.page(200, html)
        if path == "/health":
            return Response.page(200, health_page(self.ctx, frame))
        raise NotFound(f"There is no page at {PREFIX}{path[:200]}.")

    def _act(self, req: Request, frame: Frame) -> Response:
        path = req.path
        head, _, action = path.rpartition("/")
        if head == "/execution" and action in EXECUTION_ACTIONS:
            return Response.redirect(actions.execution_action(self.ctx, action, req))
        if head == "/callback" and action in CALLBACK_ACTIONS:
            return Response.redirect(actions.callback_action(self.ctx, action, req))
        if path == "/functions/start":
            try:
                return Response.redirect(actions.start_action(self.ctx, req))
            except ApiError as exc:
                html = functions_page(
                    self.ctx,
                    frame,
                    self.catalog(),
                    browsing.registered_functions(self.ctx),
                    chosen=req.field("function", max_len=64),
                    problem=exc.message,
                    typed_input=req.field("input", max_len=actions.MAX_PAYLOAD_CHARS),
                )
                return Response.page(exc.status, html)
        raise NotFound(f"There is no action at {PREFIX}{path[:200]}.")

    def _login(self, req: Request, method: str, frame: Frame, cookies: list[str]) -> _Answer:
        gate = self.gate
        if req.path == "/logout":
            if method != "POST":
                raise BadRequest("Log out with the button on the page.")
            security.check_post(gate, req)
            cookies.append(
                security.cookie(security.SESSION_COOKIE, "", secure=req.secure, max_age=0)
            )
            return _Answer(
                Response.redirect("/ui/login" if gate.required else "/ui/executions"), cookies
            )
        if not gate.required:
            return _Answer(Response.redirect("/ui/executions"), cookies)
        if method == "GET":
            return _Answer(
                Response.page(200, login_page(frame, req.arg("next", max_len=2048) or "")), cookies
            )
        if method != "POST":
            raise BadRequest("Log in with the form.")
        security.check_post(gate, req)
        target = safe_next(req.field("next", max_len=2048))
        token = req.field("token", max_len=4096)
        if token is None or not gate.accepts(token.strip()):
            log.warning("dashboard: a login with a token this server does not accept")
            html = login_page(frame, target, "That is not a token this server accepts.")
            return _Answer(Response.page(403, html), cookies)
        cookies.append(
            security.cookie(
                security.SESSION_COOKIE,
                security.new_session(gate),
                secure=req.secure,
                max_age=security.SESSION_SECONDS,
            )
        )
        return _Answer(Response.redirect(target), cookies)


def _anonymous() -> Frame:
    return Frame(csrf="", signed_in=False)


def _query_text(req: Request) -> str:
    pairs = [(k, v) for k, values in req.query.items() for v in values]
    if not pairs:
        return ""
    return "?" + urlencode(pairs)


def _static(name: str) -> Response:
    if name not in TYPES:
        raise NotFound("There is no such file.")
    response = Response(200, asset(name), [("content-type", TYPES[name])])
    response.headers.append(("cache-control", "public, max-age=31536000, immutable"))
    return response


async def _send(send: Send, response: Response, cookies: list[str], *, head: bool) -> None:
    headers = [*response.headers, *SAFE_HEADERS]
    if not any(name == "cache-control" for name, _ in headers):
        headers.append(("cache-control", "no-store"))
    headers.extend(("set-cookie", c) for c in cookies)
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    raw.append((b"content-length", str(len(response.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": response.status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else response.body})


__all__ = ["PREFIX", "Dashboard", "asset_url"]
