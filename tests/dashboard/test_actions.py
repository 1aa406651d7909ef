"""The dashboard's forms act through the service: answering callbacks, stopping,
pausing and resuming, deleting, running again and starting executions."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlsplit

from perdure._model import ExecutionStatus
from perdure._service import queries
from perdure._service.start import start_execution
from perdure.errors import ResourceNotFoundError
from tests.dashboard.conftest import Site
from tests.dashboard.waiting import open_callback, status


def detail_url(arn: str) -> str:
    return "/ui/execution?arn=" + quote(arn, safe="")


def redirected_arn(location: str) -> str:
    return parse_qs(urlsplit(location).query)["arn"][0]


def test_answering_a_callback_with_success_completes_the_execution(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "approval", '{"order": "o-1"}').arn
    callback_id = open_callback(ctx, arn)
    browser = site.browser()
    answer = browser.submit(
        detail_url(arn),
        "/ui/callback/succeed",
        {"callback_id": callback_id, "arn": arn, "result": '"approved"'},
    )
    assert answer.status == 303
    assert redirected_arn(answer.location) == arn and "done=succeeded" in answer.location
    done = status(ctx, arn, ExecutionStatus.SUCCEEDED)
    assert done.result is not None and json.loads(done.result)["answer"] == '"approved"'
    page = browser.get(answer.location)
    assert "Callback answered with success." in page.text


def test_answering_a_callback_with_failure_fails_it_with_the_error_given(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "callback_only", "{}").arn
    callback_id = open_callback(ctx, arn)
    answer = site.browser().submit(
        detail_url(arn),
        "/ui/callback/fail",
        {"callback_id": callback_id, "arn": arn, "error_type": "Rejected", "error_message": "no"},
    )
    assert answer.status == 303
    failed = status(ctx, arn, ExecutionStatus.FAILED)
    assert failed.error is not None and failed.error.message == "no"


def test_a_heartbeat_keeps_the_callback_open(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "callback_only", "{}").arn
    callback_id = open_callback(ctx, arn)
    answer = site.browser().submit(
        detail_url(arn), "/ui/callback/heartbeat", {"callback_id": callback_id, "arn": arn}
    )
    assert answer.status == 303 and "done=heartbeat" in answer.location
    assert queries.get_execution(ctx, arn).status is ExecutionStatus.RUNNING


def test_a_result_that_is_not_json_is_refused_with_the_reason(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "callback_only", "{}").arn
    callback_id = open_callback(ctx, arn)
    answer = site.browser().submit(
        detail_url(arn),
        "/ui/callback/succeed",
        {"callback_id": callback_id, "arn": arn, "result": "approved"},
    )
    assert answer.status == 400
    assert "not valid JSON" in answer.text
    assert queries.get_execution(ctx, arn).status is ExecutionStatus.RUNNING


def test_stopping_an_execution_from_its_page(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "sleeper", "{}").arn
    browser = site.browser()
    answer = browser.submit(detail_url(arn), "/ui/execution/stop", {"arn": arn})
    assert answer.status == 303 and "done=stopped" in answer.location
    assert queries.get_execution(ctx, arn).status is ExecutionStatus.STOPPED
    again = browser.submit(detail_url(arn), "/ui/execution/stop", {"arn": arn})
    assert "done=unchanged" in again.location


def test_pausing_and_resuming_an_execution(site: Site) -> None:
    ctx = site.app.ctx
    arn = start_execution(ctx, "sleeper", "{}").arn
    browser = site.browser()
    assert (
        "done=paused"
        in browser.submit(detail_url(arn), "/ui/execution/pause", {"arn": arn}).location
    )
    held = queries.get_execution(ctx, arn).status
    assert held in (ExecutionStatus.PAUSED, ExecutionStatus.PAUSING)
    page = browser.get(detail_url(arn))
    assert 'action="/ui/execution/resume"' in page.text
    assert (
        "done=resumed"
        in browser.submit(detail_url(arn), "/ui/execution/resume", {"arn": arn}).location
    )
    status(ctx, arn, ExecutionStatus.RUNNING)


def test_deleting_an_ended_execution_and_refusing_to_delete_a_running_one(site: Site) -> None:
    ctx = site.app.ctx
    ended = start_execution(ctx, "greet", "{}").arn
    running = start_execution(ctx, "sleeper", "{}").arn
    status(ctx, ended, ExecutionStatus.SUCCEEDED)
    browser = site.browser()
    answer = browser.submit(detail_url(ended), "/ui/execution/delete", {"arn": ended})
    assert answer.status == 303 and answer.location.startswith("/ui/executions?function=greet")
    try:
        queries.get_execution(ctx, ended)
        raise AssertionError("still there")
    except ResourceNotFoundError:
        pass
    refused = browser.submit(detail_url(running), "/ui/execution/delete", {"arn": running})
    assert refused.status == 409
    assert queries.get_execution(ctx, running).status is ExecutionStatus.RUNNING


def test_running_an_ended_execution_again_with_its_input(site: Site) -> None:
    ctx = site.app.ctx
    first = start_execution(ctx, "greet", '{"again": true}').arn
    status(ctx, first, ExecutionStatus.SUCCEEDED)
    answer = site.browser().submit(detail_url(first), "/ui/execution/rerun", {"arn": first})
    assert answer.status == 303 and "done=rerun" in answer.location
    second = redirected_arn(answer.location)
    assert second != first
    rerun = status(ctx, second, ExecutionStatus.SUCCEEDED)
    assert rerun.input_payload == '{"again": true}' and rerun.function_name == "greet"


def test_starting_a_function_with_a_json_input(site: Site) -> None:
    ctx = site.app.ctx
    answer = site.browser().submit(
        "/ui/functions",
        "/ui/functions/start",
        {"function": "greet", "input": '{"name": "Grace"}', "name": "from-the-page"},
    )
    assert answer.status == 303 and "done=started" in answer.location
    started = status(ctx, redirected_arn(answer.location), ExecutionStatus.SUCCEEDED)
    assert started.name == "from-the-page" and started.input_payload == '{"name": "Grace"}'


def test_a_start_with_bad_json_shows_the_form_again_with_the_reason(site: Site) -> None:
    page = site.browser().submit(
        "/ui/functions", "/ui/functions/start", {"function": "greet", "input": "{oops"}
    )
    assert page.status == 400
    assert "not valid JSON" in page.text
    assert "{oops</textarea>" in page.text  # what was typed is kept


def test_starting_an_unknown_function_is_refused(site: Site) -> None:
    page = site.browser().submit(
        "/ui/functions", "/ui/functions/start", {"function": "nope", "input": "{}"}
    )
    assert page.status == 404 and "Function not found: nope" in page.text
