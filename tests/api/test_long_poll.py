"""GetDurableExecution's long-poll (`WaitSeconds`, Perdure's own): the answer comes the
moment the execution ends, or when the wait is up, never before; bad values are refused
in the AWS shape; a server that stops answers the requests it holds instead of waiting
them out; and `perdure.client` waits through it."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from perdure._api import create_app
from perdure._api.context import POLL_SECONDS
from perdure._app import build_embedded
from perdure.client import DurableClient
from tests.api import handlers
from tests.api.server import Served
from tests.http_serving import serve_in_thread
from tests.perdure_processes import PERDURE, clean_env, free_port, healthy

EXECUTIONS = "/2025-12-01/durable-executions/"


def get(base_url: str, path: str, timeout: float = 60) -> tuple[int, dict[str, str], Any]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, json.loads(body) if body else None
    finally:
        conn.close()


def waiting_get(base_url: str, arn: str, seconds: str) -> tuple[int, dict[str, str], Any]:
    return get(base_url, f"{EXECUTIONS}{quote(arn, safe='')}?WaitSeconds={seconds}")


def start_awaiting_callback(client: DurableClient) -> tuple[str, str]:
    """An execution waiting for a callback (so it stays RUNNING), and the callback's id."""
    arn = client.start("awaits-callback", {})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for event in client.history(arn):
            if event["EventType"] == "CallbackStarted":
                return arn, str(event["CallbackStartedDetails"]["CallbackId"])
        time.sleep(0.02)
    raise AssertionError(f"no callback started: {client.history(arn)}")


@pytest.fixture
def client(served: Served) -> Iterator[DurableClient]:
    with DurableClient.connect(served.base_url, token="") as c:
        yield c


def test_a_long_poll_is_answered_when_the_execution_ends(
    served: Served, client: DurableClient
) -> None:
    arn, callback = start_awaiting_callback(client)
    answers: list[tuple[int, dict[str, str], Any]] = []
    poll = threading.Thread(target=lambda: answers.append(waiting_get(served.base_url, arn, "15")))
    poll.start()
    time.sleep(0.3)
    assert not answers, "answered while the execution was still running"
    sent = time.monotonic()
    client.send_callback_success(callback, "yes")
    poll.join(10)
    assert answers, "the long-poll was not answered when the execution ended"
    assert time.monotonic() - sent < 5
    status, _, doc = answers[0]
    assert status == 200
    assert doc["Status"] == "SUCCEEDED"
    assert json.loads(doc["Result"]) == "approved: yes"


def test_a_long_poll_reads_the_row_once_and_is_handed_the_end_by_its_commit(
    served: Served, client: DurableClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn, callback = start_awaiting_callback(client)
    served.app.ctx.forget(arn)  # as if this process had not seen it: one read to start
    reads: list[str] = []
    real = served.app.store.get_execution

    def counted(read_arn: str) -> Any:
        reads.append(read_arn)
        return real(read_arn)

    monkeypatch.setattr(served.app.store, "get_execution", counted)
    answers: list[tuple[int, dict[str, str], Any]] = []
    poll = threading.Thread(target=lambda: answers.append(waiting_get(served.base_url, arn, "15")))
    began = time.monotonic()
    poll.start()
    time.sleep(0.1)
    # Other executions' commits do not make it look again.
    for name in ("ada", "grace", "alan"):
        client.wait(client.start("greet", name), timeout=30)
    client.send_callback_success(callback, "yes")
    poll.join(10)
    assert answers and answers[0][2]["Status"] == "SUCCEEDED"
    # One read to start, and one per fallback interval gone by (ends committed by other
    # processes); none for the commits of this process, however many.
    fallbacks = int((time.monotonic() - began) / POLL_SECONDS)
    assert 1 <= reads.count(arn) <= 1 + fallbacks


def test_a_long_poll_of_a_running_execution_answers_when_the_wait_is_up(
    served: Served, client: DurableClient
) -> None:
    arn, _ = start_awaiting_callback(client)
    started = time.monotonic()
    status, _, doc = waiting_get(served.base_url, arn, "0.4")
    assert time.monotonic() - started >= 0.4
    assert status == 200
    assert doc["Status"] == "RUNNING"
    assert doc["DurableExecutionArn"] == arn


def test_an_ended_execution_is_answered_at_once(served: Served, client: DurableClient) -> None:
    arn = client.start("greet", "ada")
    client.wait(arn, timeout=30)
    started = time.monotonic()
    status, _, doc = waiting_get(served.base_url, arn, "20")
    assert time.monotonic() - started < 5
    assert (status, doc["Status"]) == (200, "SUCCEEDED")


@pytest.mark.parametrize("value", ["-1", "20.5", "21", "abc", "nan", "inf", "", "1e400"])
def test_a_wait_out_of_bounds_is_refused(served: Served, client: DurableClient, value: str) -> None:
    arn = client.start("greet", "ada")
    status, headers, doc = waiting_get(served.base_url, arn, quote(value))
    assert status == 400
    assert headers["x-amzn-errortype"] == "InvalidParameterValueException"
    assert "WaitSeconds must be a number of seconds from 0 to 20" in doc["message"]


def test_a_long_poll_of_a_missing_execution_is_refused_at_once(served: Served) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:greet:$LATEST/durable-execution/no/such"
    started = time.monotonic()
    status, headers, _ = waiting_get(served.base_url, arn, "20")
    assert time.monotonic() - started < 5
    assert status == 404
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException"


def test_ending_long_polls_answers_the_waiting_requests_at_once(tmp_path: Path) -> None:
    app = build_embedded(str(tmp_path / "db.sqlite"), {"awaits-callback": handlers.awaits_callback})
    api = create_app(app.ctx)
    try:
        with serve_in_thread(api) as url, DurableClient.connect(url, token="") as client:
            arn, _ = start_awaiting_callback(client)
            answers: list[tuple[int, dict[str, str], Any]] = []
            poll = threading.Thread(target=lambda: answers.append(waiting_get(url, arn, "20")))
            poll.start()
            time.sleep(0.3)
            api.end_long_polls()
            poll.join(5)
            assert answers, "the long-poll was still held after end_long_polls"
            assert answers[0][2]["Status"] == "RUNNING"
    finally:
        app.close()


def test_a_stopping_server_answers_its_long_polls_instead_of_waiting_them_out(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    command = [*PERDURE, "server", "--db", str(tmp_path / "db.sqlite"), "--port", str(port)]
    server = subprocess.Popen(command, env=clean_env(), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while not healthy(url):
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        with DurableClient.connect(url, token="") as client:
            arn = client.start("nobody-runs-this", {})  # no worker: it stays RUNNING
        answers: list[tuple[int, dict[str, str], Any]] = []
        poll = threading.Thread(target=lambda: answers.append(waiting_get(url, arn, "20")))
        poll.start()
        time.sleep(0.3)
        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(15) == 0
        poll.join(5)
        assert time.monotonic() - stopping < 10, "the stop waited for the long-poll"
        assert answers and answers[0][2]["Status"] == "RUNNING"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
        log.close()


def test_the_client_waits_through_the_long_poll(served: Served, client: DurableClient) -> None:
    arn, callback = start_awaiting_callback(client)
    threading.Timer(0.3, client.send_callback_success, (callback, "ok")).start()
    execution = client.wait(arn, timeout=30)
    assert execution.status == "SUCCEEDED"
    assert execution.result == "approved: ok"


def test_the_client_raises_timeout_when_the_execution_outlasts_its_wait(
    served: Served, client: DurableClient
) -> None:
    arn, _ = start_awaiting_callback(client)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"still RUNNING after 0\.5 s"):
        client.wait(arn, timeout=0.5)
    assert 0.5 <= time.monotonic() - started < 10


def test_the_client_reports_progress_while_it_waits(served: Served, client: DurableClient) -> None:
    arn, callback = start_awaiting_callback(client)
    seen: list[str] = []

    def progress(p: Any) -> None:
        seen.append(p.execution.status)
        if len(seen) == 2:
            client.send_callback_success(callback, "go")

    execution = client.wait(arn, timeout=30, on_progress=progress)
    assert execution.status == "SUCCEEDED"
    assert seen[:2] == ["RUNNING", "RUNNING"]
