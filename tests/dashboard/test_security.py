"""The dashboard admits whom the API admits and protects its forms: a login page on a
server with credentials (an HttpOnly, SameSite=Strict session cookie), CSRF tokens on
every form, loopback-only service without credentials, and safe headers everywhere."""

from __future__ import annotations

import re
from urllib.parse import quote

from perdure._dashboard import security
from perdure._dashboard.login_page import safe_next
from perdure._model import ExecutionStatus
from perdure._service import queries
from perdure._service.start import start_execution
from tests.dashboard.asgi import Browser
from tests.dashboard.conftest import TOKEN, Site


def detail_url(arn: str) -> str:
    return "/ui/execution?arn=" + quote(arn, safe="")


def logged_in(site: Site) -> Browser:
    browser = site.browser()
    login = browser.get("/ui/login")
    answer = browser.post("/ui/login", {"token": TOKEN, "csrf": login.csrf(), "next": "/ui/health"})
    assert answer.status == 303 and answer.location == "/ui/health"
    return browser


def test_every_answer_carries_a_strict_content_security_policy(site: Site) -> None:
    browser = site.browser()
    arn = start_execution(site.app.ctx, "sleeper", "{}").arn
    for target in ("/ui/executions", detail_url(arn), "/ui/functions", "/ui/health", "/ui/nope"):
        answer = browser.get(target)
        csp = answer.header("content-security-policy") or ""
        assert "default-src 'none'" in csp and "script-src 'self'" in csp, target
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert answer.header("x-content-type-options") == "nosniff"
        assert answer.header("cache-control") == "no-store"
        assert answer.header("x-frame-options") == "DENY"


def test_pages_have_no_inline_script_or_style(site: Site) -> None:
    arn = start_execution(site.app.ctx, "approval", "{}").arn
    for target in ("/ui/executions", detail_url(arn), "/ui/functions", "/ui/health"):
        html = site.browser().get(target).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), target
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)


def test_the_csrf_cookie_is_httponly_and_strict(site: Site) -> None:
    answer = site.browser().get("/ui/executions")
    cookie = next(c for c in answer.all("set-cookie") if c.startswith(security.CSRF_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ui" in cookie


def test_a_form_without_its_csrf_token_does_nothing(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "sleeper", "{}").arn
    browser = site.browser()
    browser.get("/ui/executions")  # has its CSRF cookie
    for token in (None, "", "0" * 64):
        form = {"arn": arn} if token is None else {"arn": arn, "csrf": token}
        answer = browser.post("/ui/execution/stop", form)
        assert answer.status == 403, token
        assert "expired or did not come from this dashboard" in answer.text
    other = site.browser()
    stolen = other.get("/ui/functions").csrf()  # a token for another browser's cookie
    assert browser.post("/ui/execution/stop", {"arn": arn, "csrf": stolen}).status == 403
    assert queries.get_execution(ctx, arn).status is ExecutionStatus.RUNNING


def test_a_post_from_another_site_is_refused_even_with_a_token(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "sleeper", "{}").arn
    browser = site.browser()
    token = browser.get("/ui/functions").csrf()
    for headers in (
        {"origin": "https://evil.example"},
        {"origin": "http://127.0.0.1:1"},
        {"sec-fetch-site": "cross-site"},
    ):
        answer = browser.post("/ui/execution/stop", {"arn": arn, "csrf": token}, headers)
        assert answer.status == 403, headers
    assert queries.get_execution(ctx, arn).status is ExecutionStatus.RUNNING
    same = browser.post(
        "/ui/execution/stop",
        {"arn": arn, "csrf": token},
        {"origin": "http://127.0.0.1:9014", "sec-fetch-site": "same-origin"},
    )
    assert same.status == 303


def test_without_credentials_only_loopback_hosts_are_served(site: Site) -> None:
    for host in ("evil.example", "evil.example:9014", "10.0.0.5:9014"):
        answer = Browser(site.asgi, host=host).get("/ui/executions")
        assert answer.status == 403, host
        assert "127.0.0.1" in answer.text
    for host in ("localhost:9014", "[::1]:9014", "127.0.0.2"):
        assert Browser(site.asgi, host=host).get("/ui/executions").status == 200, host
    from_page = site.browser().get("/ui/executions", {"origin": "https://evil.example"})
    assert from_page.status == 403


def test_a_protected_server_sends_people_to_log_in(protected: Site) -> None:
    browser = protected.browser()
    answer = browser.get("/ui/executions?status=RUNNING")
    assert answer.status == 303
    assert answer.location == "/ui/login?next=%2Fui%2Fexecutions%3Fstatus%3DRUNNING"
    login = browser.get(answer.location)
    assert login.status == 200 and 'type="password"' in login.text
    assert 'value="/ui/executions?status=RUNNING"' in login.text
    assert browser.post("/ui/execution/stop", {"arn": "x"}).status == 403
    assert browser.get("/ui/static/dashboard.css").status == 200  # the login page's style


def test_logging_in_sets_an_httponly_strict_session_and_logging_out_ends_it(
    protected: Site,
) -> None:
    browser = protected.browser()
    login = browser.get("/ui/login")
    wrong = browser.post("/ui/login", {"token": "guess", "csrf": login.csrf()})
    assert wrong.status == 403 and "not a token this server accepts" in wrong.text
    assert security.SESSION_COOKIE not in browser.cookies
    no_csrf = browser.post("/ui/login", {"token": TOKEN})
    assert no_csrf.status == 403 and security.SESSION_COOKIE not in browser.cookies
    answer = browser.post(
        "/ui/login", {"token": TOKEN, "csrf": login.csrf(), "next": "/ui/functions"}
    )
    assert answer.status == 303 and answer.location == "/ui/functions"
    cookie = next(c for c in answer.all("set-cookie") if c.startswith(security.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    assert TOKEN not in cookie
    page = browser.get("/ui/executions")
    assert page.status == 200 and 'action="/ui/logout"' in page.text
    out = browser.post("/ui/logout", {"csrf": page.csrf()})
    assert out.status == 303 and out.location == "/ui/login"
    assert browser.get("/ui/executions").status == 303


def test_a_logged_in_person_can_act(protected: Site) -> None:
    ctx = protected.app.ctx
    arn = start_execution(ctx, "sleeper", "{}").arn
    browser = logged_in(protected)
    answer = browser.submit(detail_url(arn), "/ui/execution/stop", {"arn": arn})
    assert answer.status == 303
    assert queries.get_execution(ctx, arn).status is ExecutionStatus.STOPPED


def test_a_forged_or_expired_session_is_refused(protected: Site) -> None:
    browser = protected.browser()
    for forged in ("9999999999.abc", "1.0", "garbage", ""):
        browser.cookies[security.SESSION_COOKIE] = forged
        assert browser.get("/ui/executions").status == 303, forged
    gate = protected.asgi.dashboard.gate
    expired = security.Gate(gate.required, gate.accepts, gate.key, gate.is_loopback, lambda: 0.0)
    old = security.new_session(expired)  # valid when made, long expired by now
    browser.cookies[security.SESSION_COOKIE] = old
    assert browser.get("/ui/executions").status == 303
    browser.cookies[security.SESSION_COOKIE] = security.new_session(gate)
    assert browser.get("/ui/executions").status == 200


def test_a_bearer_token_is_admitted_like_on_the_api(protected: Site) -> None:
    ctx = protected.app.ctx
    arn = start_execution(ctx, "sleeper", "{}").arn
    browser = protected.browser(headers={"authorization": f"Bearer {TOKEN}"})
    assert browser.get("/ui/health").status == 200
    assert browser.post("/ui/execution/stop", {"arn": arn}).status == 303  # no browser sends it
    stranger = protected.browser(headers={"authorization": "Bearer nope"})
    assert stranger.get("/ui/health").status == 303


def test_a_protected_server_serves_any_host(protected: Site) -> None:
    browser = Browser(protected.asgi, host="perdure.internal:9014")
    assert browser.get("/ui/login").status == 200


def test_after_login_only_dashboard_paths_are_followed() -> None:
    assert safe_next("/ui/execution?arn=x") == "/ui/execution?arn=x"
    for target in ("https://evil.example/", "//evil.example/ui/", "/ui/../api", "/ui\\x", "", None):
        assert safe_next(target) == "/ui/executions", target
