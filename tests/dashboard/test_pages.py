"""The dashboard's pages through its ASGI app, over a real SQLite store with real
executions run by the embedded dispatcher."""

from __future__ import annotations

import datetime as dt
import re
import time
from urllib.parse import quote

from perdure._model import ExecutionStatus
from perdure._service.start import start_execution
from tests.dashboard.asgi import structure
from tests.dashboard.conftest import Site
from tests.dashboard.waiting import open_callback, status


def detail_url(arn: str) -> str:
    return "/ui/execution?arn=" + quote(arn, safe="")


def names_listed(html: str) -> list[str]:
    """The execution names in the list's table, top to bottom."""
    return re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>', html)


def test_the_root_leads_to_the_executions_list(site: Site) -> None:
    browser = site.browser()
    assert browser.get("/ui").location == "/ui/executions"
    assert browser.get("/ui/").location == "/ui/executions"


def test_the_list_shows_each_execution_with_status_function_start_and_duration(
    site: Site,
) -> None:
    ctx = site.app.ctx
    done = start_execution(ctx, "greet", '"Ada"', name="first-greet").arn
    time.sleep(0.002)  # a later start: listed first
    waiting = start_execution(ctx, "sleeper", "{}", name="napping").arn
    status(ctx, done, ExecutionStatus.SUCCEEDED)
    page = site.browser().get("/ui/executions")
    assert page.status == 200
    assert names_listed(page.text) == ["napping", "first-greet"]
    doc = structure(page.text)
    assert doc.having("a", href=f"/ui/execution?arn={quote(waiting, safe='')}")
    assert "so far" in doc.text  # the running one's duration is still growing
    counts = re.findall(r'data-status="(\w+)"><span[^>]*>\w+</span> ([\d,]+)', page.text)
    assert dict(counts) == {"RUNNING": "1", "SUCCEEDED": "1"}
    assert "All 2" in doc.text
    assert doc.having("body", **{"data-refresh": "3000"}), "the list refreshes itself"


def test_filters_narrow_the_list_and_keep_the_counts_of_the_other_statuses(site: Site) -> None:
    ctx = site.app.ctx
    for i in range(3):
        status(
            ctx, start_execution(ctx, "greet", "{}", name=f"g-{i}").arn, ExecutionStatus.SUCCEEDED
        )
    time.sleep(0.002)
    start_execution(ctx, "sleeper", "{}", name="s-0")
    browser = site.browser()
    assert names_listed(browser.get("/ui/executions?function=sleeper").text) == ["s-0"]
    assert names_listed(browser.get("/ui/executions?name=g-").text) == ["g-2", "g-1", "g-0"]
    running = browser.get("/ui/executions?status=RUNNING")
    assert names_listed(running.text) == ["s-0"]
    assert "All 4" in structure(running.text).text  # counts ignore the status filter
    assert names_listed(browser.get("/ui/executions?status=FAILED").text) == []
    assert "No execution matches." in browser.get("/ui/executions?status=FAILED").text


def test_a_time_range_bounds_the_start(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "sleeper", "{}", name="ranged").arn
    started = site.app.ctx.store.get_execution(arn)
    assert started is not None
    moment = dt.datetime.fromtimestamp(started.start_timestamp / 1000, dt.UTC)
    before = (moment - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    after = (moment + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    browser = site.browser()
    assert names_listed(browser.get(f"/ui/executions?from={before}&to={after}").text) == ["ranged"]
    assert names_listed(browser.get(f"/ui/executions?from={after}").text) == []
    assert names_listed(browser.get(f"/ui/executions?to={before}").text) == []


def test_pages_go_older_and_newer_by_key(site: Site) -> None:
    ctx = site.app.ctx
    for i in range(7):
        start_execution(ctx, "sleeper", "{}", name=f"e-{i}")
        time.sleep(0.002)  # each starts later than the one before
    browser = site.browser()
    first = browser.get("/ui/executions?size=3")
    assert names_listed(first.text) == ["e-6", "e-5", "e-4"]
    older = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert older is not None and 'rel="prev"' not in first.text
    second = browser.get(older.group(1).replace("&amp;", "&"))
    assert names_listed(second.text) == ["e-3", "e-2", "e-1"]
    third_link = re.search(r'<a href="([^"]+)" rel="next">', second.text)
    assert third_link is not None
    third = browser.get(third_link.group(1).replace("&amp;", "&"))
    assert names_listed(third.text) == ["e-0"]
    assert 'rel="next"' not in third.text
    newer = re.search(r'<a href="([^"]+)" rel="prev">', third.text)
    assert newer is not None
    assert names_listed(browser.get(newer.group(1).replace("&amp;", "&")).text) == [
        "e-3",
        "e-2",
        "e-1",
    ]


def test_a_malformed_filter_is_explained_not_a_crash(site: Site) -> None:
    browser = site.browser()
    for query in ("status=NOPE", "from=yesterday", "older=12", "size=0", "size=x"):
        page = browser.get(f"/ui/executions?{query}")
        assert page.status == 400, query
        assert 'class="problem"' in page.text


def test_the_detail_shows_input_result_timing_and_durable_config(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "greet", '{"who": "Ada"}', name="detailed").arn
    status(ctx, arn, ExecutionStatus.SUCCEEDED)
    page = site.browser().get(detail_url(arn))
    assert page.status == 200
    doc = structure(page.text)
    text = doc.text
    assert "detailed" in text and "SUCCEEDED" in text and arn in text
    assert '"who": "Ada"' in text  # the input, pretty-printed
    assert '"hello"' in text  # the result
    assert "Execution timeout" in text and "31,622,400 s" in text
    assert "14 days after it ends" in text
    assert not doc.having("body", **{"data-refresh": "3000"}), "an ended execution stays still"
    assert doc.having("form", action="/ui/execution/rerun")
    assert doc.having("form", action="/ui/execution/delete")
    assert not doc.having("form", action="/ui/execution/stop")


def test_the_detail_shows_attempts_waits_callbacks_and_batches(site: Site) -> None:
    ctx = site.app.ctx
    flaky = start_execution(ctx, "flaky", '{"key": "detail"}', name="flaky-one").arn
    fan = start_execution(ctx, "fan_out", "{}", name="fanned").arn
    asking = start_execution(ctx, "approval", '{"order": "o-7"}', name="asking").arn
    callback_id = open_callback(ctx, asking)
    status(ctx, flaky, ExecutionStatus.SUCCEEDED)
    status(ctx, fan, ExecutionStatus.SUCCEEDED)
    browser = site.browser()

    attempts = structure(browser.get(detail_url(flaky)).text).text
    assert "attempt 1 failed" in attempts and "attempt 2 failed" in attempts
    assert "retry in 1 s" in attempts and "succeeded" in attempts

    fanned = browser.get(detail_url(fan)).text
    fan_text = structure(fanned).text
    assert "doubles" in fan_text and "sides" in fan_text
    # How the map and the parallel completed, read from their results.
    assert re.findall(r"<dt>Completion</dt><dd>(\w+)</dd>", fanned) == ["ALL_COMPLETED"] * 2
    assert "double-0" in fan_text and "left-step" in fan_text and "right-step" in fan_text
    child = re.search(r'href="(/ui/execution\?arn=[^"]*function%3Agreet[^"]*)"', fanned)
    assert child is not None, "the invoke links to the child execution"
    child_page = browser.get(child.group(1))
    assert child_page.status == 200 and "Started by" in child_page.text

    waiting = browser.get(detail_url(asking))
    waiting_doc = structure(waiting.text)
    assert callback_id in waiting_doc.text
    assert "86400 s" in waiting_doc.text and "7200 s" in waiting_doc.text  # the timeouts
    assert waiting_doc.having("form", action="/ui/callback/succeed")
    assert waiting_doc.having("body", **{"data-refresh": "3000"})


def test_the_timeline_draws_invocations_sleeps_and_operations(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "flaky", '{"key": "timeline"}', name="timed").arn
    status(ctx, arn, ExecutionStatus.SUCCEEDED)
    page = site.browser().get(detail_url(arn))
    doc = structure(page.text)
    assert doc.having("svg", class_="timeline-chart")
    invocations = doc.having("rect", class_="bar invocation")
    assert len(invocations) == 3  # one per attempt: each retry is a new invocation
    assert len(doc.having("rect", class_="bar sleep")) >= 2  # asleep between them
    assert doc.having("rect", class_="bar SUCCEEDED")  # the step
    assert "invocation 1 (ended)" in doc.text


def test_the_history_lists_every_event(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "greet", "{}", name="historic").arn
    status(ctx, arn, ExecutionStatus.SUCCEEDED)
    text = structure(site.browser().get(detail_url(arn)).text).text
    for event in (
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ):
        assert event in text


def test_an_unknown_execution_is_a_404_page(site: Site) -> None:
    page = site.browser().get(
        detail_url("arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/x/y")
    )
    assert page.status == 404
    assert "does not exist" in page.text
    assert site.browser().get("/ui/execution").status == 400
    assert site.browser().get("/ui/nothing-here").status == 404


def test_the_functions_page_lists_functions_with_how_they_run_and_their_config(site: Site) -> None:
    page = site.browser().get("/ui/functions")
    assert page.status == 200
    doc = structure(page.text)
    rows = doc.having("tr", **{"data-function": "approval"})
    assert rows
    assert "Python, in threads of this server" in doc.text
    assert "14 days" in doc.text
    assert doc.having("form", action="/ui/functions/start")
    assert doc.having("option", value="fan_out")


def test_the_health_page_reports_the_store_loops_and_leases(site: Site) -> None:
    page = site.browser().get("/ui/health")
    assert page.status == 200
    text = structure(page.text).text
    assert "healthy" in text
    assert "Due timers" in text and "Running invocations" in text
    assert "dispatcher" in text or "scheduler" in text


def test_the_stylesheet_and_script_are_served_from_the_package(site: Site) -> None:
    browser = site.browser()
    page = browser.get("/ui/executions")
    css = re.search(r'href="(/ui/static/dashboard\.css\?v=\w+)"', page.text)
    js = re.search(r'src="(/ui/static/dashboard\.js\?v=\w+)"', page.text)
    assert css is not None and js is not None
    sheet = browser.get(css.group(1))
    assert sheet.status == 200 and sheet.header("content-type") == "text/css; charset=utf-8"
    script = browser.get(js.group(1))
    assert script.status == 200 and b"data-live" in script.body
    assert "immutable" in (script.header("cache-control") or "")
    assert browser.get("/ui/static/../app.py").status == 404
    assert browser.get("/ui/static/other.js").status == 404


def test_the_api_still_answers_beside_the_dashboard(site: Site) -> None:
    health = site.browser().get("/health")
    assert health.status == 200 and health.header("content-type") == "application/json"
