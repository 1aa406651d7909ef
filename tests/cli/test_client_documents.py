"""The embedded and the HTTP transport of `perdure.client` hand back the same documents
and the same refusals for the same executions, because both render and read with
`perdure._wire`: one answer, whichever way it travelled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from perdure.client import DurableClient, ErrorDetails
from perdure.client._embedded import EmbeddedTransport
from perdure.client._transport import RemoteTransport
from perdure.errors import ApiError
from tests.api.server import Served, serve
from tests.cli.handlers import FUNCTIONS

Both = tuple[RemoteTransport, EmbeddedTransport]


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server of its own, so no other test's executions change a listing meanwhile."""
    db = Path(tmp_path_factory.mktemp("documents")) / "perdure.sqlite"
    with serve(str(db), FUNCTIONS) as running:
        yield running


@pytest.fixture
def both(own: Served) -> Iterator[Both]:
    remote = RemoteTransport(own.base_url)
    try:
        yield remote, EmbeddedTransport(own.app)
    finally:
        remote.close()


@pytest.fixture(scope="module")
def executions(own: Served) -> dict[str, str]:
    """One execution in each state a document can show, settled."""
    client = DurableClient.embedded(own.app)
    arns = {
        "succeeded": client.start("greet", {"name": "Ada"}, qualifier="7"),
        "failed": client.start("fails", name="a-failure"),
        "running": client.start("waits-a-day", {"n": 1}),
        "paused": client.start("waits-a-day", {"n": 2}, qualifier="an-alias"),
        "stopped": client.start("awaits-callback"),
    }
    client.wait(arns["succeeded"], timeout=10)
    client.wait(arns["failed"], timeout=10)
    own.app.dispatcher.wait_idle(5)
    client.pause(arns["paused"], "maintenance")
    client.stop(arns["stopped"], ErrorDetails(type="Cancelled", message="by test", data='"x"'))
    own.app.dispatcher.wait_idle(5)
    return arns


STATES = ["succeeded", "failed", "running", "paused", "stopped"]


@pytest.mark.parametrize("state", STATES)
def test_get_execution_is_one_document(both: Both, executions: dict[str, str], state: str) -> None:
    remote, embedded = both
    doc = remote.get_execution(executions[state])
    assert doc == embedded.get_execution(executions[state])
    assert doc["Status"] == state.upper() or (state, doc["Status"]) == ("paused", "PAUSING")
    assert ("PauseDetails" in doc) is (state == "paused")
    assert "DurableConfig" in doc


@pytest.mark.parametrize("state", STATES)
def test_history_is_one_document_page_by_page(
    both: Both, executions: dict[str, str], state: str
) -> None:
    remote, embedded = both
    arn = executions[state]
    for reverse in (False, True):
        marker: str | None = None
        while True:
            page = remote.history_page(arn, marker, 2, reverse)
            assert page == embedded.history_page(arn, marker, 2, reverse)
            marker = page[1]
            if marker is None:
                break


def test_listings_are_one_document_page_by_page(both: Both, executions: dict[str, str]) -> None:
    remote, embedded = both
    for function, statuses, qualifier in (
        ("waits-a-day", [], None),
        ("waits-a-day", ["RUNNING", "PAUSED", "PAUSING"], None),
        ("greet", ["SUCCEEDED"], "7"),
        ("greet", [], "$LATEST"),
        ("fails", [], None),
        ("awaits-callback", ["STOPPED"], None),
    ):
        marker: str | None = None
        while True:
            page = remote.list_page(function, statuses, None, qualifier, marker, 1)
            assert page == embedded.list_page(function, statuses, None, qualifier, marker, 1)
            marker = page[1]
            if marker is None:
                break
    named = remote.list_page("fails", [], "a-failure", None, None, 10)
    assert named == embedded.list_page("fails", [], "a-failure", None, None, 10)
    assert len(named[0]) == 1


def test_stopping_an_ended_execution_answers_one_document(
    both: Both, executions: dict[str, str]
) -> None:
    remote, embedded = both
    for state in ("succeeded", "stopped"):
        arn = executions[state]
        assert remote.stop(arn, None) == embedded.stop(arn, None)


def refused(call: Callable[[], Any]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def test_refusals_are_one_error_with_one_message(both: Both, executions: dict[str, str]) -> None:
    remote, embedded = both
    running = executions["running"]
    unknown = running.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    cases: list[Callable[[RemoteTransport | EmbeddedTransport], Any]] = [
        lambda t: t.start("no-such", None, None, None),
        lambda t: t.start("greet", "{not json", None, None),
        lambda t: t.start("greet", "NaN", None, None),
        lambda t: t.start("greet", None, None, "not a qualifier!"),
        lambda t: t.start("bad name!", None, None, None),
        lambda t: t.start("greet:7", None, None, "8"),
        lambda t: t.list_page("greet", ["DONE"], None, None, None, 10),
        lambda t: t.list_page("greet", [], None, None, "not-a-marker", 10),
        lambda t: t.list_page("no-such", [], None, None, None, 10),
        lambda t: t.get_execution(unknown),
        lambda t: t.get_execution("arn:not-an-execution"),
        lambda t: t.history_page("arn:not-an-execution", None, 10, False),
        lambda t: t.pause(executions["succeeded"], None),
        lambda t: t.delete(running),
        lambda t: t.stop(running, {"ErrorMessage": 5}),
        lambda t: t.callback_success("no-such-callback", None),
    ]
    for case in cases:
        over_http = refused(lambda: case(remote))  # noqa: B023 (called at once)
        in_process = refused(lambda: case(embedded))  # noqa: B023
        # The same code, status and message; in process it may be a subclass of the
        # class HTTP decodes (a WireFormatError is an InvalidParameterValueError).
        assert isinstance(in_process, type(over_http))
        said = (over_http.code, over_http.status, over_http.message)
        assert said == (in_process.code, in_process.status, in_process.message)
