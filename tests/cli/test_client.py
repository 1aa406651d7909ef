"""`perdure.client.DurableClient` over HTTP (`connect`) and in-process (`embedded`): the
same calls, the same values, the same errors."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

import perdure.client as client_module
from perdure._api import create_app
from perdure._api.auth import AuthConfig
from perdure._app import build_embedded
from perdure.client import (
    DurableClient,
    ErrorDetails,
    ExecutionFailedError,
    Progress,
    ServiceUnavailableError,
    UnexpectedResponseError,
)
from perdure.errors import (
    ExecutionAlreadyStartedError,
    InvalidParameterValueError,
    ResourceConflictError,
    ResourceNotFoundError,
)
from tests.api.server import Served
from tests.cli.handlers import FUNCTIONS


@pytest.fixture(params=["connect", "embedded"])
def client(request: pytest.FixtureRequest, served: Served) -> Iterator[DurableClient]:
    if request.param == "connect":
        made = DurableClient.connect(served.base_url)
    else:
        made = DurableClient.embedded(served.app)
    with made:
        yield made


def _callback_id(client: DurableClient, served: Served, arn: str) -> str:
    for _ in range(200):
        for event in client.history(arn):
            if event["EventType"] == "CallbackStarted":
                return str(event["CallbackStartedDetails"]["CallbackId"])
        served.app.dispatcher.wait_idle(0.05)
    raise AssertionError("no callback started")


def test_start_wait_and_read_the_result(client: DurableClient) -> None:
    arn = client.start("greet", {"name": "Ada"})
    execution = client.wait(arn, timeout=10)
    assert execution.status == "SUCCEEDED"
    assert execution.result == "Hello, Ada!"
    assert execution.raw_result == '"Hello, Ada!"'
    assert execution.input == {"name": "Ada"}
    assert execution.function_name == "greet"
    assert execution.error is None
    assert execution.started_at.tzinfo is not None
    assert execution.ended_at is not None and execution.ended_at >= execution.started_at
    assert execution.is_terminal


def test_invoke_returns_the_result_or_raises_the_failure(client: DurableClient) -> None:
    assert client.invoke("greet", {"name": "Bo"}, timeout=10) == "Hello, Bo!"
    with pytest.raises(ExecutionFailedError) as failed:
        client.invoke("fails", timeout=10)
    assert failed.value.execution.status == "FAILED"
    error = failed.value.execution.error
    assert error is not None and error.message == "card declined"
    assert error.type is not None


def test_wait_reports_progress_and_times_out(client: DurableClient) -> None:
    arn = client.start("waits-a-day")
    seen: list[Progress] = []
    with pytest.raises(TimeoutError, match="still RUNNING"):
        client.wait(arn, timeout=0.3, on_progress=seen.append)
    assert seen and seen[-1].execution.status == "RUNNING"
    last = seen[-1]
    assert last.latest_event is not None and last.latest_event == last.recent_events[0]
    doing = last.latest_operation_event
    assert doing is not None and doing["EventType"] in {"ExecutionStarted", "WaitStarted"}
    client.stop(arn)


def test_history_reads_every_page_in_either_order(client: DurableClient) -> None:
    arn = client.start("greet")
    client.wait(arn, timeout=10)
    events = client.history(arn)
    assert [e["EventId"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["EventType"] == "ExecutionStarted"
    assert isinstance(events[0]["EventTimestamp"], float)  # epoch seconds, as on the wire
    assert client.history(arn, reverse=True) == events[::-1]
    assert client.history(arn, limit=2) == events[:2]
    assert client.latest_event(arn) == events[-1]


def test_list_pages_lazily_and_filters(
    client: DurableClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "_PAGE", 2)
    arns = [client.start("short-wait", {"i": i}) for i in range(5)]
    listed = list(client.list("short-wait"))
    assert {ex.arn for ex in listed} >= set(arns)
    newest = [ex.arn for ex in client.list("short-wait", limit=3)]
    assert len(newest) == 3 and set(newest) <= set(arns)  # newest first, across pages
    named = client.start("short-wait", name="the-named-one")
    assert [ex.arn for ex in client.list("short-wait", name="the-named-one")] == [named]
    for arn in [*arns, named]:
        client.wait(arn, timeout=10)
    assert all(ex.status == "SUCCEEDED" for ex in client.list("short-wait", statuses=["succeeded"]))


def test_stop_pause_resume_delete(client: DurableClient, served: Served) -> None:
    arn = client.start("waits-a-day")
    served.app.dispatcher.wait_idle(5)
    assert client.pause(arn, "maintenance").status in ("PAUSING", "PAUSED")
    assert client.resume(arn).status == "RUNNING"
    with pytest.raises(ResourceConflictError):
        client.delete(arn)
    stopped = client.stop(arn, ErrorDetails(type="Cancelled", message="by test"))
    assert stopped.status == "STOPPED"
    assert stopped.error == ErrorDetails(type="Cancelled", message="by test")
    client.delete(arn)
    with pytest.raises(ResourceNotFoundError):
        client.get(arn)


def test_callbacks(client: DurableClient, served: Served) -> None:
    arn = client.start("awaits-callback")
    callback_id = _callback_id(client, served, arn)
    client.send_callback_heartbeat(callback_id)
    client.send_callback_success(callback_id, '"ok"')
    assert client.wait(arn, timeout=10).result == 'approved: "ok"'

    arn = client.start("awaits-callback")
    callback_id = _callback_id(client, served, arn)
    client.send_callback_failure(callback_id, "rejected")
    failed = client.wait(arn, timeout=10)
    assert failed.status == "FAILED"


def test_service_refusals_are_the_matching_api_errors(client: DurableClient) -> None:
    with pytest.raises(ResourceNotFoundError, match="no-such"):
        client.start("no-such")
    with pytest.raises(InvalidParameterValueError):
        client.start_raw("greet", "{not json")
    client.start("waits-a-day", {"a": 1}, name="dup")
    assert client.start("waits-a-day", {"a": 1}, name="dup")
    with pytest.raises(ExecutionAlreadyStartedError):
        client.start("waits-a-day", {"a": 2}, name="dup")
    with pytest.raises(ResourceNotFoundError):
        client.send_callback_success("no-such-callback", None)
    with pytest.raises(ValueError, match="JSON-serializable"):
        client.start("greet", {"when": object()})


def test_connect_to_nothing_is_service_unavailable() -> None:
    with DurableClient.connect("http://127.0.0.1:9") as client:
        with pytest.raises(ServiceUnavailableError, match="connection refused"):
            client.get("arn")


def test_connect_defaults_to_the_environment(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERDURE_ENDPOINT", served.base_url)
    with DurableClient.connect() as client:
        assert client.where == served.base_url
        assert client.invoke("greet", timeout=10) == "Hello, world!"


def test_connect_sends_the_bearer_token(tmp_path: Path) -> None:
    app = build_embedded(str(tmp_path / "auth.db"), FUNCTIONS, synchronous="OFF")
    api = create_app(app.ctx, auth=AuthConfig(tokens=frozenset({"s3cret"}), required=True))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(api, log_level="warning", lifespan="on", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        with DurableClient.connect(url, "s3cret") as good:
            assert good.invoke("greet", timeout=10) == "Hello, world!"
        with DurableClient.connect(url, "wrong") as bad:
            with pytest.raises(UnexpectedResponseError) as refused:
                bad.start("greet")
        assert refused.value.http_status == 403
        assert refused.value.error_code == "AccessDeniedException"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.close()


def test_an_execution_reads_iso_and_epoch_timestamps() -> None:
    doc = {
        "DurableExecutionArn": "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST"
        "/durable-execution/n/i",
        "DurableExecutionName": "n",
        "Status": "RUNNING",
        "StartTimestamp": "2025-01-01T00:00:00Z",
        "EndTimestamp": 1735689601.5,
    }
    execution = client_module.Execution.from_wire(doc)
    assert execution.started_at == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert execution.duration == dt.timedelta(seconds=1.5)
    assert execution.function_name == "f"
    assert not execution.is_terminal
