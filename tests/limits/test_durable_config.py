"""A function's execution timeout and retention (AWS's `DurableConfig`), set where it
is registered, shown by GetDurableExecution and kept by each execution; long enough by
default for workflows that wait for days; ended executions pruned when it runs out."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from perdure._app import ServerApp, build_server
from perdure._clock import ManualClock
from perdure._model.durable_config import DurableConfig
from perdure._runtime.registry import Registry
from perdure._runtime.worker import Worker
from perdure._service import queries, retention, start, timers
from perdure._service.context import ServiceSettings
from perdure.client import DurableClient
from perdure.errors import ResourceNotFoundError
from perdure.testing import DurableTestRunner
from tests.http_serving import serve_in_thread
from tests.limits.handlers import echo, kept_two_days, one_minute_or_bust, three_day_wait
from tests.limits.modes import MODES, registered, running

YEAR = 31_622_400
DAY_MS = 86_400_000


def test_an_execution_waiting_three_days_under_default_settings_does_not_time_out() -> None:
    with DurableTestRunner(three_day_wait) as runner:
        arn = runner.run_async({})
        result = runner.wait_for_result(arn)
        doc = runner.get_execution(arn)
    assert result.status == "SUCCEEDED", result.error
    assert doc["DurableConfig"] == {"ExecutionTimeout": YEAR, "RetentionPeriodInDays": 14}


def test_an_execution_started_through_a_servers_api_gets_a_year_by_default(
    tmp_path: Path,
) -> None:
    app = build_server(str(tmp_path / "server.db"), synchronous="OFF")
    try:
        with serve_in_thread(app.api) as url, DurableClient.connect(url, token="") as client:
            arn = client.start("anything", {})
            config = client.get(arn).wire["DurableConfig"]
    finally:
        app.close()
    assert config == {"ExecutionTimeout": YEAR, "RetentionPeriodInDays": 14}


@pytest.mark.parametrize("mode", MODES)
def test_a_function_configured_in_code_starts_its_executions_with_its_config(
    mode: str, tmp_path: Path
) -> None:
    with running(mode, tmp_path, "kept_two_days", kept_two_days) as (begin, result):
        doc = result(begin({}))
    assert doc["Status"] == "SUCCEEDED"
    assert doc["DurableConfig"] == {"ExecutionTimeout": YEAR, "RetentionPeriodInDays": 2}


def test_a_function_with_a_sixty_second_timeout_shows_it_and_times_out() -> None:
    with DurableTestRunner(one_minute_or_bust) as runner:
        arn = runner.run_async({})
        result = runner.wait_for_result(arn)
        doc = runner.get_execution(arn)
    assert doc["DurableConfig"]["ExecutionTimeout"] == 60
    assert result.status == "TIMED_OUT"
    assert result.error is not None and result.error.type == "Execution.Timeout"
    assert result.error.message == "Execution timed out after 60 seconds"


def test_a_worker_registers_its_functions_configs_with_the_server_it_runs_them_for(
    tmp_path: Path,
) -> None:
    """The server starts executions of a worker's function with the function's own
    timeout and the worker's default retention, and times them out on that timeout."""
    clock = ManualClock()
    app = build_server(str(tmp_path / "server.db"), synchronous="OFF", clock=clock)
    registry = Registry({"one_minute_or_bust": one_minute_or_bust})
    try:
        with serve_in_thread(app.api) as url:
            worker = Worker(
                url,
                registry,
                isolation="thread",
                poll_seconds=1,
                defaults=DurableConfig(retention_period_in_days=30),
            )
            thread = threading.Thread(target=worker.run, daemon=True)
            thread.start()
            try:
                assert registered(app.store, "one_minute_or_bust") == DurableConfig(60, 30)
                with DurableClient.connect(url, token="") as client:
                    arn = client.start("one_minute_or_bust", {})
                    wait_for_wait_started(app, arn)
                    clock.advance(61)
                    timers.fire_due_timers(app.ctx)
                    got = client.wait(arn, timeout=10).wire
            finally:
                worker.stop()
                thread.join(timeout=30)
    finally:
        app.close()
    assert got["DurableConfig"] == {"ExecutionTimeout": 60, "RetentionPeriodInDays": 30}
    assert got["Status"] == "TIMED_OUT"


def wait_for_wait_started(app: ServerApp, arn: str) -> None:
    deadline = time.monotonic() + 10
    while not any(e.event_type.value == "WaitStarted" for e in queries.all_events(app.ctx, arn)):
        assert time.monotonic() < deadline, "the handler never reached its wait"
        time.sleep(0.01)


def test_a_servers_defaults_apply_to_functions_no_worker_has_described(tmp_path: Path) -> None:
    settings = ServiceSettings(default_execution_timeout=120, default_retention_days=7)
    app = build_server(str(tmp_path / "server.db"), synchronous="OFF", settings=settings)
    try:
        arn = start.start_execution(app.ctx, "unknown_yet", None).arn
        execution = queries.get_execution(app.ctx, arn)
    finally:
        app.close()
    assert (execution.execution_timeout, execution.retention_days) == (120, 7)


def test_pruning_deletes_an_execution_ended_longer_ago_than_its_retention() -> None:
    with DurableTestRunner(kept_two_days, function_name="kept", functions={"echo": echo}) as runner:
        ctx = runner._app.ctx
        old = runner.run_async({})
        runner.wait_for_result(old)
        runner.advance(2 * 86_400 - 60)
        recent = runner.run_async({}, function_name="echo")  # kept 14 days
        runner.wait_for_result(recent)
        assert retention.prune_ended(ctx, runner.now_ms(), 10) == 0  # not two days yet
        runner.advance(60)
        assert retention.prune_ended(ctx, runner.now_ms(), 10) == 1
        with pytest.raises(ResourceNotFoundError):
            queries.get_execution(ctx, old)
        with pytest.raises(ResourceNotFoundError):
            queries.get_history(ctx, old)
        assert queries.get_execution(ctx, recent).status.value == "SUCCEEDED"


def test_the_scheduler_hook_prunes_batch_after_batch_then_rests_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retention, "BATCH", 1)
    with DurableTestRunner(kept_two_days) as runner:
        ctx = runner._app.ctx
        for _ in range(2):
            runner.wait_for_result(runner.run_async({}))
        runner.advance(3 * 86_400)
        now = runner.now_ms()
        assert retention.prune_due(ctx) == 1
        assert ctx.next_prune_at == now  # a full batch: look again at once
        assert retention.prune_due(ctx) == 1
        assert retention.prune_due(ctx) == 0
        assert ctx.next_prune_at == now + retention.IDLE_INTERVAL_MS
