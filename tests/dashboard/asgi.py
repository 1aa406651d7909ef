"""A browser without a screen for the ASGI tests: it sends requests straight to the
ASGI application (no sockets), keeps cookies as a browser does for one site, and reads
the CSRF token out of the page it was given, as a form would carry it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

Asgi = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[MutableMapping[str, Any]]],
        Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name.lower():
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    @property
    def location(self) -> str:
        value = self.header("location")
        assert value is not None, f"not a redirect: {self.status}"
        return value

    def csrf(self) -> str:
        found = _CSRF.search(self.text)
        assert found is not None, "the page has no form"
        return found.group(1)


@dataclass
class Browser:
    app: Asgi
    host: str = "127.0.0.1:9014"
    cookies: dict[str, str] = field(default_factory=dict)
    extra_headers: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        parts = urlsplit(target)
        sent = {"host": self.host, **self.extra_headers, **(headers or {})}
        if self.cookies:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body:
            sent["content-length"] = str(len(body))
        scope: dict[str, Any] = {
            "type": "http",
            "method": method,
            "scheme": "http",
            "path": parts.path,
            "raw_path": parts.path.encode("latin-1"),
            "query_string": parts.query.encode("latin-1"),
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in sent.items()
            ],
        }
        answer = asyncio.run(_call(self.app, scope, body))
        for value in answer.all("set-cookie"):
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";", 1)[0]
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie_value
        return answer

    def get(self, target: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", target, headers=headers)

    def post(
        self, target: str, form: dict[str, str], headers: dict[str, str] | None = None
    ) -> Answer:
        body = urlencode(form).encode("ascii")
        sent = {"content-type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", target, body, sent)

    def submit(self, page_url: str, action: str, form: dict[str, str]) -> Answer:
        """Open `page_url` and post `form` to `action` with the page's CSRF token."""
        token = self.get(page_url).csrf()
        return self.post(action, {**form, "csrf": token})


async def _call(app: Asgi, scope: dict[str, Any], body: bytes) -> Answer:
    sent_body = False
    status = 0
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent_body
        if sent_body:
            return {"type": "http.disconnect"}
        sent_body = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            headers.extend(
                (bytes(k).decode("latin-1").lower(), bytes(v).decode("latin-1"))
                for k, v in message["headers"]
            )
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    await app(scope, receive, send)
    return Answer(status, headers, b"".join(chunks))


class Structure(HTMLParser):
    """The tags of a page with their attributes, and its text, for structural checks
    (a page's shape, not its pixels)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def having(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag
            and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]


def structure(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser
