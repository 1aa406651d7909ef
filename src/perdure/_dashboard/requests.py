"""The dashboard's requests and responses as plain values, read from ASGI.

A page asks the request for its query parameters and form fields one name at a time;
a name given twice, a field that is too long or a body that is not a form is a
`BadRequest` (a 400 page), never an exception from deep inside a page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 2 * 1024 * 1024  # a callback result or an input of up to 1 MiB, form-encoded
MAX_FIELDS = 64
FORM_TYPE = "application/x-www-form-urlencoded"


class BadRequest(Exception):
    """The request cannot be served as asked; the message says why, to the person."""

    status = 400


class NotFound(BadRequest):
    status = 404


class BodyTooLarge(BadRequest):
    status = 413


def _parse(raw: str, what: str) -> dict[str, list[str]]:
    try:
        return parse_qs(
            raw,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise BadRequest(f"The {what} is not UTF-8.") from None
    except ValueError:
        raise BadRequest(f"The {what} has more than {MAX_FIELDS} fields.") from None


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # below the dashboard's prefix: "/executions"
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # names in lower case
    cookies: Mapping[str, str]
    form: Mapping[str, list[str]] = field(default_factory=dict)
    secure: bool = False  # https: cookies are marked Secure

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def arg(self, name: str, *, max_len: int = 2048) -> str | None:
        """A query parameter given once, or None; empty counts as not given."""
        return _one(self.query, name, max_len, "query parameter")

    def args(self, name: str, *, max_items: int = 16) -> list[str]:
        values = [v for v in self.query.get(name, []) if v]
        if len(values) > max_items:
            raise BadRequest(f"{name} may be given at most {max_items} times.")
        return values

    def field(self, name: str, *, max_len: int = 2048) -> str | None:
        """A form field given once, or None; empty counts as not given."""
        return _one(self.form, name, max_len, "form field")


def _one(source: Mapping[str, list[str]], name: str, max_len: int, what: str) -> str | None:
    values = source.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f"The {what} {name} is given more than once.")
    value = values[0]
    if len(value) > max_len:
        raise BadRequest(f"The {what} {name} is longer than {max_len:,} characters.")
    return value or None


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        out[bytes(name).decode("latin-1").lower()] = bytes(value).decode("latin-1")
    return out


def _cookies(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


async def read_request(scope: Scope, receive: Receive, prefix: str) -> Request:
    headers = _headers(scope)
    path = str(scope.get("path", ""))[len(prefix) :] or "/"
    query = _parse(bytes(scope.get("query_string", b"")).decode("latin-1"), "query string")
    form: dict[str, list[str]] = {}
    if scope["method"] == "POST":
        body = await _read_body(receive, headers)
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != FORM_TYPE:
            raise BadRequest("The dashboard's forms are sent as application/x-www-form-urlencoded.")
        try:
            text = body.decode("ascii")
        except UnicodeDecodeError:
            raise BadRequest("A form body is percent-encoded ASCII.") from None
        form = _parse(text, "form")
    return Request(
        method=str(scope["method"]),
        path=path,
        query=query,
        headers=headers,
        cookies=_cookies(headers.get("cookie")),
        form=form,
        secure=scope.get("scheme") == "https",
    )


async def _read_body(receive: Receive, headers: Mapping[str, str]) -> bytes:
    declared = headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > MAX_BODY:
                raise BodyTooLarge(f"The form is larger than {MAX_BODY:,} bytes.")
        except ValueError:
            raise BadRequest("Content-Length must be a number.") from None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge(f"The form is larger than {MAX_BODY:,} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def page(cls, status: int, html: str) -> Response:
        return cls(
            status,
            html.encode("utf-8", "replace"),
            [("content-type", "text/html; charset=utf-8")],
        )

    @classmethod
    def redirect(cls, location: str) -> Response:
        """303 See Other: after a form is posted, the browser GETs `location`."""
        return cls(303, b"", [("location", location)])


def url(path: str, **params: str | int | list[str] | None) -> str:
    """A dashboard URL with its query; parameters that are None or empty are left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None or value == "":
            continue
        if isinstance(value, list):
            pairs.extend((name, v) for v in value)
        else:
            pairs.append((name, str(value)))
    return path + ("?" + urlencode(pairs) if pairs else "")
