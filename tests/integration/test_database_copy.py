"""`perdure db copy`: an installation moves between databases with executions in flight.

The end-to-end test copies a SQLite database holding executions in every state to a
fresh PostgreSQL database, then runs a server and a worker process's runtime on
PostgreSQL and checks that they finish what was in flight and that every history
carries on from the copied one. The other tests cover the refusals and the checks on
SQLite alone, so they run without PostgreSQL too.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from perdure import DurableContext, durable_execution
from perdure._app import build_embedded, build_server, open_store
from perdure._cli.main import main
from perdure._clock import SystemClock
from perdure._model import Event
from perdure._model.durable_config import DurableConfig
from perdure._service.start import start_execution
from perdure._store.database_copy import CopyError, copy_database
from perdure._store.store import Store
from perdure.client import DurableClient
from perdure.config import Duration
from tests.contract.test_store_contract import create, suspend_on_a_wait_and_a_callback
from tests.http_serving import serve_in_thread
from tests.workers.support import wait_until

WAIT_SECONDS = 3


@durable_execution
def waits(event: dict[str, Any], context: DurableContext) -> list[str]:
    before = context.step(lambda _: "before", name="before")
    context.wait(Duration.from_seconds(WAIT_SECONDS), name="pause")
    return [before, context.step(lambda _: "after", name="after")]


@durable_execution
def approval(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    callback = context.create_callback(name="approval")
    return {"approved": callback.result()}


@durable_execution
def succeeds(event: dict[str, Any], context: DurableContext) -> int:
    return int(context.step(lambda _: event["n"] * 2, name="double"))


@durable_execution
def fails(event: dict[str, Any], context: DurableContext) -> None:
    context.step(lambda _: 1, name="one")
    raise ValueError("refused on purpose")


@durable_execution
def later(event: dict[str, Any], context: DurableContext) -> str:
    return "ran on the destination"


FUNCTIONS = {
    "waits": waits,
    "approval": approval,
    "succeeds": succeeds,
    "fails": fails,
    "later": later,
}


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def history(store: Store, arn: str) -> list[Event]:
    return store.events(arn, 0, 10_000, False)


def event_types(client: DurableClient, arn: str) -> list[str]:
    return [str(event["EventType"]) for event in client.history(arn)]


def fill_source_with_executions_in_every_state(path: str) -> dict[str, str]:
    """Succeeded, failed, suspended in a wait, waiting for a callback (run by a dev-like
    runtime), and queued (started on a server with no worker): their ARNs by function."""
    app = build_embedded(path, {k: v for k, v in FUNCTIONS.items() if k != "later"})
    try:
        client = DurableClient.embedded(app)
        arns = {name: client.start(name, {"n": 21}) for name in ("succeeds", "fails")}
        arns |= {name: client.start(name, {}) for name in ("waits", "approval")}
        assert client.wait(arns["succeeds"], timeout=10).status == "SUCCEEDED"
        assert client.wait(arns["fails"], timeout=10).status == "FAILED"
        wait_until(lambda: "WaitStarted" in event_types(client, arns["waits"]), 10, "the wait")
        wait_until(
            lambda: "CallbackStarted" in event_types(client, arns["approval"]), 10, "a callback"
        )
        wait_until(lambda: app.store.running_count() == 0, 10, "the invocations to end")
    finally:
        app.close()
    server = build_server(path)
    try:
        arns["later"] = start_execution(server.ctx, "later", "{}").arn
    finally:
        server.close()
    return arns


def test_a_copy_to_postgres_carries_executions_in_flight_and_a_server_there_finishes_them(
    tmp_path: Path, postgres_url: str
) -> None:
    source = str(tmp_path / "source.db")
    arns = fill_source_with_executions_in_every_state(source)

    code, out, err = run_cli("db", "copy", source, postgres_url)

    assert code == 0, err
    assert "copied 5 execution(s)" in out and "row counts verified" in out
    copied, original = open_store(postgres_url), open_store(source)
    try:
        before = {name: history(original, arn) for name, arn in arns.items()}
        for name, arn in arns.items():
            assert history(copied, arn) == before[name], name
            assert copied.load(arn) == original.load(arn), name
        assert copied.row_counts() == original.row_counts()
    finally:
        copied.close()
        original.close()

    # A server (the API, over HTTP) and a dev-like runtime (handlers, timers) on PostgreSQL.
    server = build_server(postgres_url)
    runtime = build_embedded(postgres_url, FUNCTIONS)
    try:
        with serve_in_thread(server.api) as url, DurableClient.connect(url, token="") as api:
            started = [
                e for e in api.history(arns["approval"]) if e["EventType"] == "CallbackStarted"
            ]
            callback_id = started[0]["CallbackStartedDetails"]["CallbackId"]
            api.send_callback_success(callback_id, "yes")
            ended = {name: api.wait(arn, timeout=20) for name, arn in arns.items()}
        finished = {name: history(server.store, arn) for name, arn in arns.items()}
    finally:
        runtime.close()
        server.close()

    assert {name: execution.status for name, execution in ended.items()} == {
        "succeeds": "SUCCEEDED",
        "fails": "FAILED",
        "waits": "SUCCEEDED",
        "approval": "SUCCEEDED",
        "later": "SUCCEEDED",
    }
    assert ended["waits"].result == ["before", "after"]
    assert ended["approval"].result == {"approved": "yes"}
    assert ended["later"].result == "ran on the destination"
    assert ended["succeeds"].result == 42
    for name in ("succeeds", "fails"):
        assert finished[name] == before[name]  # ended before the copy: untouched
    for name in ("waits", "approval", "later"):
        assert finished[name][: len(before[name])] == before[name]  # carried on from it
        assert finished[name][-1].event_type.value == "ExecutionSucceeded"
    assert "WaitSucceeded" in [e.event_type.value for e in finished["waits"]]


def test_a_copy_from_postgres_back_to_sqlite_is_row_for_row_what_was_copied(
    tmp_path: Path, postgres_url: str
) -> None:
    first = str(tmp_path / "first.db")
    store = open_store(first)
    try:
        suspend_on_a_wait_and_a_callback(store, "a")
        create(store, "b")
        store.save_function_configs({"f": DurableConfig(60, 3)}, 1)
        exported = store.export_executions("", 10)
    finally:
        store.close()

    assert run_cli("db", "copy", first, postgres_url)[0] == 0
    assert run_cli("db", "copy", postgres_url, str(tmp_path / "back.db"))[0] == 0

    back = open_store(str(tmp_path / "back.db"))
    try:
        assert back.export_executions("", 10) == exported
        assert back.export_function_configs() == [("f", 60, 3, 1)]
    finally:
        back.close()


# -- refusals and checks (SQLite only) -------------------------------------------------


@pytest.fixture
def source(tmp_path: Path) -> str:
    """A SQLite database with two executions, one of them suspended with every kind of
    row (its lease long expired)."""
    path = str(tmp_path / "source.db")
    store = open_store(path)
    try:
        suspend_on_a_wait_and_a_callback(store, "a")
        create(store, "b")
    finally:
        store.close()
    return path


def test_a_copy_reports_what_it_copied_as_json(source: str, tmp_path: Path) -> None:
    code, out, _ = run_cli("db", "copy", source, str(tmp_path / "copy.db"), "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["Copied"], doc["Skipped"], doc["Verified"]) == (2, 0, True)
    assert doc["Rows"] == {
        "executions": 2,
        "operations": 5,
        "events": 6,
        "timers": 5,
        "callbacks": 1,
        "checkpoint_replies": 1,
    }
    assert doc["InterruptedInvocations"] == 1  # "a" was cut off: the destination retries it
    assert doc["Source"] == str(Path(source).resolve())


def test_copying_into_a_database_that_holds_executions_is_refused(
    source: str, tmp_path: Path
) -> None:
    target = str(tmp_path / "target.db")
    store = open_store(target)
    create(store, "other")
    store.close()

    code, _, err = run_cli("db", "copy", source, target)

    assert code == 3
    assert "already holds 1 execution(s)" in err and "--merge" in err
    store = open_store(target)
    try:
        assert store.row_counts().tables["executions"] == 1  # nothing was written
    finally:
        store.close()


def test_merge_finishes_an_interrupted_copy_and_leaves_what_is_there(
    source: str, tmp_path: Path
) -> None:
    target = str(tmp_path / "target.db")
    src, dst = open_store(source), open_store(target)
    try:
        dst.import_executions(src.export_executions("", 1))  # a copy cut off after a batch
    finally:
        src.close()
        dst.close()

    code, out, err = run_cli("db", "copy", source, target, "--merge", "--batch-size", "1")

    assert code == 0, err
    assert "copied 1 execution(s) (1 already there, skipped)" in out
    src, dst = open_store(source), open_store(target)
    try:
        assert dst.export_executions("", 10) == src.export_executions("", 10)
    finally:
        src.close()
        dst.close()


def test_a_source_with_an_invocation_under_a_live_lease_is_refused(
    source: str, tmp_path: Path
) -> None:
    store = open_store(source)
    try:
        arn = store.export_executions("", 1)[0].execution[1]
        store.lease(arn, "worker-7", SystemClock().now_ms() + 60_000)
    finally:
        store.close()

    code, _, err = run_cli("db", "copy", source, str(tmp_path / "copy.db"))

    assert code == 3
    assert "1 invocation(s) are running in the source under a live lease" in err
    assert "worker-7" in err and "stop every server, worker and dev process" in err


def test_a_missing_source_is_a_usage_error_that_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    code, _, err = run_cli("db", "copy", str(missing), str(tmp_path / "copy.db"))
    assert code == 2
    assert f"there is no SQLite database at {missing.resolve()}" in err
    assert not missing.exists()


def test_copying_a_database_onto_itself_is_refused(source: str) -> None:
    code, _, err = run_cli("db", "copy", source, f"sqlite:///{source}")
    assert code == 2
    assert "the same database" in err


def test_a_batch_size_out_of_range_is_refused(source: str, tmp_path: Path) -> None:
    code, _, err = run_cli("db", "copy", source, str(tmp_path / "c.db"), "--batch-size", "0")
    assert code == 2
    assert "--batch-size must be between 1 and 1000, got 0" in err


def test_a_source_written_during_the_copy_is_reported(source: str, tmp_path: Path) -> None:
    src, dst = open_store(source), open_store(str(tmp_path / "copy.db"))

    def meanwhile(done: int, total: int) -> None:
        if done == 1:
            create(src, "late")  # a process still using the source

    try:
        with pytest.raises(CopyError, match="the source changed during the copy"):
            copy_database(src, dst, now=SystemClock().now_ms(), batch_size=1, progress=meanwhile)
    finally:
        src.close()
        dst.close()
