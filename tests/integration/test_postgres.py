"""Perdure end to end on PostgreSQL: the local test runner over a PostgreSQL database,
several server processes' schedulers sharing one, LISTEN/NOTIFY wake-ups, and the CLI's
database commands. Each test gets a fresh database cloned from a migrated template
(tests/postgres_databases.py); without PERDURE_TEST_POSTGRES_URL they are skipped."""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from perdure import DurableContext, StepContext, durable_execution
from perdure._app import build_server, open_store
from perdure._cli.main import main
from perdure._config import ConfigError
from perdure._engine.lifecycle import start_execution
from perdure._model import Execution, ExecutionStatus
from perdure.config import Duration
from perdure.testing import DurableTestRunner
from tests.workers.support import wait_until
from tests.workers.test_scheduler import fired, suspend_on_a_wait


@durable_execution
def order(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    def line(i: int) -> Callable[[StepContext], int]:
        return lambda _: i * int(event["price"])

    total = sum(context.step(line(i), name=f"line-{i}") for i in range(3))
    context.wait(Duration.from_hours(2), name="cool-off")
    callback = context.create_callback(name="approval")
    approved = callback.result()
    shipped = context.step(lambda _: "shipped", name="ship")
    return {"total": total, "approved": approved, "state": shipped}


def test_the_test_runner_runs_steps_a_wait_and_a_callback_on_postgres(postgres_url: str) -> None:
    with DurableTestRunner(order, db_path=postgres_url) as runner:
        arn = runner.run_async({"price": 10})
        callback_id = runner.wait_for_callback(arn, name="approval", timeout=10)
        runner.send_callback_success(callback_id, "yes")
        result = runner.wait_for_result(arn, timeout=10)
    assert result.status == "SUCCEEDED"
    assert result.result == {"total": 30, "approved": "yes", "state": "shipped"}
    assert len(result.events_of_type("StepSucceeded")) == 4
    assert len(result.events_of_type("WaitSucceeded")) == 1
    assert len(result.events_of_type("CallbackSucceeded")) == 1


def test_two_servers_on_one_postgres_fire_each_due_timer_once(postgres_url: str) -> None:
    servers = [build_server(postgres_url, synchronous="OFF") for _ in range(2)]
    try:
        ctx = servers[0].ctx
        arns = [suspend_on_a_wait(ctx, 1) for _ in range(20)]
        wait_until(lambda: all(fired(ctx, arn) for arn in arns), 8, "every wait to end")
        time.sleep(0.3)  # room for a late duplicate to show
        counts = [fired(ctx, arn) for arn in arns]
    finally:
        for server in servers:
            server.close()
    assert counts == [1] * len(arns)


def _new_execution(name: str) -> Execution:
    return Execution(
        arn=f"arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/{name}/id-{name}",
        execution_id=f"id-{name}",
        name=name,
        function_name="f",
        version="$LATEST",
        status=ExecutionStatus.RUNNING,
        start_timestamp=1,
        execution_timeout=60,
    )


def test_a_commit_in_one_process_wakes_a_watcher_in_another(postgres_url: str) -> None:
    watcher, writer = open_store(postgres_url), open_store(postgres_url)
    woken = threading.Event()
    try:
        watcher.watch(woken.set)
        assert woken.wait(5)  # called once when listening starts
        woken.clear()
        assert writer.create_execution(*start_execution(_new_execution("a"), 1))
        assert woken.wait(5)
    finally:
        watcher.close()
        writer.close()


def test_a_process_is_not_woken_by_the_echo_of_its_own_commits(postgres_url: str) -> None:
    own, other = open_store(postgres_url), open_store(postgres_url)
    woken_own, woken_other = threading.Event(), threading.Event()
    try:
        own.watch(woken_own.set)
        other.watch(woken_other.set)
        assert woken_own.wait(5) and woken_other.wait(5)  # once each when listening starts
        woken_own.clear()
        woken_other.clear()
        assert own.create_execution(*start_execution(_new_execution("b"), 1))
        assert woken_other.wait(5)
        # Heard by the same kind of listener in the same time: the own one skipped it.
        time.sleep(0.2)
        assert not woken_own.is_set()
    finally:
        own.close()
        other.close()


def test_db_migrate_reports_the_schema_of_a_postgres_database(postgres_url: str) -> None:
    out = io.StringIO()
    assert main(["db", "migrate", "--db", postgres_url, "--json"], stdout=out) == 0
    doc = json.loads(out.getvalue())
    assert doc["Applied"] == []
    assert doc["Schema"] == [
        "0001_initial.sql",
        "0002_retention_and_function_configs.sql",
        "0003_dashboard_browsing.sql",
        "0004_listing_without_arn.sql",
        "0005_derived_arns.sql",
    ]


def test_an_unreachable_postgres_is_one_clear_cli_error() -> None:
    err = io.StringIO()
    url = "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    assert main(["db", "migrate", "--db", url], stdout=io.StringIO(), stderr=err) == 3
    assert "cannot connect to PostgreSQL" in err.getvalue()


def test_a_postgres_url_without_the_driver_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "perdure._store.postgres", None)
    with pytest.raises(ConfigError, match=r"pip install 'perdure\[postgres\]'"):
        open_store("postgresql://postgres@127.0.0.1/postgres")
