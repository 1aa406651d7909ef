"""Hostile payloads on every page: script tags, attribute breakers, a payload close to
the 1 MiB limit and deep nesting, in inputs, results, errors, operation names, callback
answers, filters, typed inputs and a worker's name. Every page must show them as text,
never as markup, and keep its own size bounded whatever it shows."""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote, urlencode

import pytest

from perdure._engine.lifecycle import start_execution as engine_start
from perdure._model import Execution, ExecutionStatus
from perdure._model.state import InvocationState, Transition
from perdure._service.start import start_execution
from perdure._store.store import StaleStateError
from tests.dashboard.asgi import structure
from tests.dashboard.conftest import Site
from tests.dashboard.waiting import open_callback, status

ATTACKS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(2)' x='",
    "</textarea><script>alert(3)</script>",
    "</title></pre></svg><script>alert(4)</script>",
    "javascript:alert(5)",
    "<!-- --><svg onload=alert(6)>",
]
HUGE = "A" * 900_000  # under the 1 MiB input limit
MAX_PAGE_BYTES = 600_000


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def detail_url(arn: str) -> str:
    return "/ui/execution?arn=" + quote(arn, safe="")


def assert_inert(html: str, where: str) -> None:
    """The page holds no markup but its own: its only scripts are its own file, no
    element has an event handler, no link runs script, no image or frame appears, and
    nothing of the attacks survives unescaped."""
    doc = structure(html)
    for tag, attrs in doc.tags:
        assert tag not in ("img", "iframe", "object", "embed", "style"), (where, tag)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/ui/static/dashboard.js"), where
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (where, tag, name)
        if tag == "svg":
            assert set(attrs) <= {
                "xmlns",
                "viewbox",
                "width",
                "height",
                "role",
                "aria-label",
                "class",
            }
    for attack in ATTACKS:
        if set(attack) & set("<>\"'"):  # plain text such as javascript:... is harmless
            assert attack not in html, (where, attack)
    assert len(html.encode("utf-8")) < MAX_PAGE_BYTES, (where, len(html))


@pytest.fixture
def hostile_site(site: Site) -> Site:
    ctx = site.app.ctx
    for i, attack in enumerate(ATTACKS):
        arn = start_execution(
            ctx,
            "hostile",
            json.dumps({"label": attack, "value": {attack: [attack] * 3}}),
            name=f"attack-{i}",
        ).arn
        status(ctx, arn, ExecutionStatus.FAILED)
    status(
        ctx,
        start_execution(ctx, "echo", json.dumps(HUGE), name="huge").arn,
        ExecutionStatus.SUCCEEDED,
    )
    # Deeper than a page indents (64), not too deep for a handler to read.
    status(ctx, start_execution(ctx, "echo", deep(100), name="deep").arn, ExecutionStatus.SUCCEEDED)
    start_execution(ctx, "greet", deep(20_000), name="deeper")  # no handler can read it
    answered = start_execution(ctx, "callback_only", "{}", name="answered").arn
    callback_id = open_callback(ctx, answered)
    site.browser().submit(
        detail_url(answered),
        "/ui/callback/succeed",
        {"callback_id": callback_id, "arn": answered, "result": json.dumps(ATTACKS)},
    )
    status(ctx, answered, ExecutionStatus.SUCCEEDED)
    refused = start_execution(ctx, "callback_only", "{}", name="refused").arn
    callback_id = open_callback(ctx, refused)
    site.browser().submit(
        detail_url(refused),
        "/ui/callback/fail",
        {
            "callback_id": callback_id,
            "arn": refused,
            "error_type": ATTACKS[1],
            "error_message": " ".join(ATTACKS),
        },
    )
    status(ctx, refused, ExecutionStatus.FAILED)
    _lease_to(site, ATTACKS[0].replace(" ", ""))
    return site


def _lease_to(site: Site, owner: str) -> None:
    """A running invocation of a function nobody here runs, leased to a worker whose
    name is an attack (a remote worker names itself)."""
    store = site.app.ctx.store
    execution = Execution(
        arn="arn:aws:lambda:us-east-1:000000000000:function:remote:$LATEST/durable-execution/r/r",
        execution_id="r",
        name="r",
        function_name="remote",
        version="$LATEST",
        status=ExecutionStatus.RUNNING,
        start_timestamp=site.app.ctx.now(),
    )
    state, transition = engine_start(execution, execution.start_timestamp)
    assert store.create_execution(state, transition)
    state.apply(transition)
    running = dataclasses.replace(
        state.record, invocation=InvocationState.RUNNING, request_id="q", token="t"
    )
    # The site's dispatcher may touch the new row first (its own passes write too): take
    # the version the row has now and try again if it moved.
    for _ in range(20):
        version = store.row_version(execution.arn)
        assert version is not None
        try:
            store.commit(
                execution.arn,
                version,
                Transition(record=running),
                lease=(owner, execution.start_timestamp + 3_600_000),
            )
            return
        except StaleStateError:
            continue
    raise AssertionError("the invocation could not be leased")


def test_every_page_shows_hostile_values_as_text(hostile_site: Site) -> None:
    browser = hostile_site.browser()
    listing = browser.get("/ui/executions?size=200")
    assert listing.status == 200
    assert_inert(listing.text, "list")
    arns = [
        a
        for a in structure(listing.text).having("a")
        if (a.get("href") or "").startswith("/ui/execution?arn=")
    ]
    assert len(arns) >= len(ATTACKS) + 5
    for link in arns:
        page = browser.get(str(link["href"]))
        assert page.status == 200, link
        assert_inert(page.text, str(link["href"]))
    for target in ("/ui/functions", "/ui/health"):
        page = browser.get(target)
        assert_inert(page.text, target)
    health = browser.get("/ui/health").text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in health  # the worker's name


def test_attacks_are_readable_as_text(hostile_site: Site) -> None:
    listing = hostile_site.browser().get("/ui/executions?name=attack-1")
    links = structure(listing.text).having("a")
    target = next(a["href"] for a in links if (a.get("href") or "").startswith("/ui/execution?"))
    page = hostile_site.browser().get(str(target))
    text = structure(page.text).text
    assert ATTACKS[1] in text  # as the operation's name, the error, the input


def test_huge_and_deep_payloads_are_capped_and_shown_raw(hostile_site: Site) -> None:
    browser = hostile_site.browser()

    def page_of(name: str) -> str:
        listing = browser.get(f"/ui/executions?name={name}")
        hrefs = [
            a["href"]
            for a in structure(listing.text).having("a")
            if (a.get("href") or "").startswith("/ui/execution?")
        ]
        return browser.get(str(hrefs[0])).text

    huge = page_of("huge")
    assert "900,002 bytes; the first 16,384 characters shown" in huge
    assert len(huge) < MAX_PAGE_BYTES
    deep_page = page_of("deep")
    assert "[[[[[[[[" in deep_page  # too deep to indent: shown as it came
    assert page_of("deeper").count("[") >= 16_384


def test_hostile_query_and_form_values_are_escaped(hostile_site: Site) -> None:
    browser = hostile_site.browser()
    for params in (
        {"name": ATTACKS[1]},
        {"function": ATTACKS[0]},
        {"from": ATTACKS[2]},
        {"status": ATTACKS[3]},
        {"older": ATTACKS[4]},
    ):
        page = browser.get("/ui/executions?" + urlencode(params))
        assert page.status in (200, 400), params
        assert_inert(page.text, str(params))
    missing = browser.get(detail_url(ATTACKS[0] + "x" * 3000))
    assert missing.status in (400, 404)
    assert_inert(missing.text, "missing")
    typed = browser.submit(
        "/ui/functions", "/ui/functions/start", {"function": "greet", "input": ATTACKS[3]}
    )
    assert typed.status == 400
    assert_inert(typed.text, "typed input")
    assert "&lt;/textarea&gt;&lt;script&gt;" in typed.text
    login = browser.get("/ui/login?next=" + quote(ATTACKS[1]))
    assert_inert(login.text, "login")
