"""A server without credentials answers only what cannot have come from a web page
elsewhere: requests addressed to a loopback `Host` (a DNS-rebound name is refused), and
with no `Origin` or a loopback one (a cross-site request is refused), each refusal a
403 shaped as AWS shapes it, saying how to fix it. `/health` stays open, and a server
with credentials admits any `Host` and `Origin` that come with them."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from perdure._api.auth import AuthConfig
from tests.api import handlers
from tests.api.server import Served, serve
from tests.api.test_auth import serve as serve_with_auth

INVOKE = "/2015-03-31/functions/greet/invocations"
LIST = "/2025-12-01/functions/greet/durable-executions"
TOKEN = "loopback-admission-token"


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = Path(tmp_path_factory.mktemp("admission")) / "perdure.sqlite"
    with serve(str(db), {"greet": handlers.greet}) as running:
        yield running


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """Send one request with exactly the `Host` given (as a browser on a rebound name,
    or a proxy, would send it); (status, lower-cased headers, parsed JSON body)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body or b"")
        resp = conn.getresponse()
        data = resp.read()
        found = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    parsed = json.loads(data) if data and "json" in found.get("content-type", "") else data
    return resp.status, found, parsed


def executions(base_url: str) -> int:
    status, _, body = request(base_url, "GET", LIST)
    assert status == 200, body
    return len(body["DurableExecutions"])


def assert_refused_for(status: int, headers: dict[str, str], body: Any, *words: str) -> None:
    assert status == 403
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert body["Type"] == "User"
    for word in (*words, "PERDURE_TOKEN", "PERDURE_ACCESS_KEY_ID"):
        assert word in body["message"], body["message"]


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:{port}", "127.0.0.1", "localhost:{port}", "LOCALHOST", "[::1]:{port}", "[::1]"],
)
def test_loopback_hosts_are_admitted(open_server: Served, host: str) -> None:
    port = urlsplit(open_server.base_url).port
    status, _, body = request(
        open_server.base_url, "POST", INVOKE, host=host.format(port=port), body=b'"ada"'
    )
    assert (status, body) == (200, {"hello": "ada"})


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example:{port}",  # a name re-pointed at 127.0.0.1 (DNS rebinding)
        "attacker.example",
        "localhost.attacker.example:{port}",
        "127.0.0.1.attacker.example",
        "192.168.1.20:{port}",
        "[::1]x",
        "127.0.0.1:{port}:1",
        "127.0.0.1%25eth0:{port}",
        "",
    ],
)
def test_a_foreign_host_is_refused_and_starts_nothing(open_server: Served, host: str) -> None:
    port = urlsplit(open_server.base_url).port
    before = executions(open_server.base_url)
    status, headers, body = request(
        open_server.base_url, "POST", INVOKE, host=host.format(port=port), body=b'"eve"'
    )
    assert_refused_for(status, headers, body, "not a loopback address", "http://127.0.0.1")
    assert executions(open_server.base_url) == before


def test_reads_through_a_rebound_name_are_refused(open_server: Served) -> None:
    """What DNS rebinding is for: reading answers, which CORS would otherwise hide."""
    for path in (LIST, "/metrics", "/openapi.json"):
        status, headers, body = request(
            open_server.base_url, "GET", path, host="rebind.attacker.example"
        )
        assert_refused_for(status, headers, body, "DNS rebinding")


@pytest.mark.parametrize(
    "origin",
    [
        "https://attacker.example",
        "http://attacker.example:9014",
        "null",  # a sandboxed frame or a file:// page
        "http://127.0.0.1.attacker.example",
        "chrome-extension://abcdefghijklmnop",
        "http://localhost:99999",
        "",
    ],
)
def test_a_page_elsewhere_cannot_start_an_execution(open_server: Served, origin: str) -> None:
    """A text/plain POST is a CORS simple request: the browser sends it without asking
    first, with the page's Origin, to the server's own loopback Host."""
    before = executions(open_server.base_url)
    status, headers, body = request(
        open_server.base_url,
        "POST",
        INVOKE,
        headers={"Origin": origin, "Content-Type": "text/plain"},
        body=b'"eve"',
    )
    assert_refused_for(status, headers, body, "Origin", "web pages")
    assert executions(open_server.base_url) == before


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:3000", "http://127.0.0.1:5173", "https://[::1]", "http://LOCALHOST"],
)
def test_pages_served_from_loopback_are_admitted(open_server: Served, origin: str) -> None:
    status, _, body = request(
        open_server.base_url, "POST", INVOKE, headers={"Origin": origin}, body=b'"lin"'
    )
    assert (status, body) == (200, {"hello": "lin"})


def test_health_answers_any_host_and_origin(open_server: Served) -> None:
    status, _, body = request(
        open_server.base_url,
        "GET",
        "/health",
        host="attacker.example",
        headers={"Origin": "https://attacker.example"},
    )
    assert status == 200
    assert body["status"] == "ok"


def test_with_credentials_any_host_and_origin_is_admitted(tmp_path: Path) -> None:
    """Behind a proxy the Host is the proxy's name; credentials are what a page cannot
    send, so they alone decide."""
    config = AuthConfig(tokens=frozenset({TOKEN}), required=True)
    with serve_with_auth(str(tmp_path / "perdure.sqlite"), config) as url:
        headers = {"Origin": "https://app.example"}
        status, found, body = request(
            url, "POST", INVOKE, host="perdure.example", headers=headers, body=b'"x"'
        )
        assert (status, found["x-amzn-errortype"]) == (403, "MissingAuthenticationTokenException")
        headers["Authorization"] = f"Bearer {TOKEN}"
        status, _, body = request(
            url, "POST", INVOKE, host="perdure.example", headers=headers, body=b'"bo"'
        )
        assert (status, body) == (200, {"hello": "bo"})
