"""Waiting for an execution to end in the service's process: the commit that ends it
hands the execution to its waiters (`ServiceContext.subscribe_ended`), as the store
would read it back, and only the waiters of that execution wake; an end that another
process commits is still seen, by the fallback reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perdure import DurableContext, durable_execution
from perdure._app import EmbeddedApp, build_embedded
from perdure._model import Execution, ExecutionStatus
from perdure._service import commit_signal, start, stop
from perdure._service.context import ServiceContext

GATE = threading.Event()


@durable_execution
def answer(event: Any, context: DurableContext) -> dict[str, Any]:
    return context.step(lambda _: {"answer": 42, "input": event}, name="answer")


@durable_execution
def refuse(event: Any, context: DurableContext) -> None:
    raise ValueError("refused: " + str(event))


@durable_execution
def gated(event: Any, context: DurableContext) -> str:
    GATE.wait(10)
    return "opened"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EmbeddedApp]:
    GATE.clear()
    built = build_embedded(
        str(tmp_path / "p.db"),
        {"answer": answer, "refuse": refuse, "gated": gated},
        synchronous="OFF",
    )
    try:
        yield built
    finally:
        GATE.set()
        built.close()


@pytest.mark.parametrize(
    ("function", "status"),
    [("answer", ExecutionStatus.SUCCEEDED), ("refuse", ExecutionStatus.FAILED)],
)
def test_the_ended_execution_a_waiter_gets_is_the_one_the_store_reads_back(
    app: EmbeddedApp, function: str, status: ExecutionStatus
) -> None:
    arn = start.start_execution(app.ctx, function, '{"n": 1}').arn
    ended = commit_signal.wait_ended(app.ctx, arn, 10)
    assert ended.status is status
    assert ended == app.store.get_execution(arn)


def test_each_end_is_announced_once_with_the_committed_execution(app: EmbeddedApp) -> None:
    ends: list[Execution] = []
    app.ctx.subscribe_ended(ends.append)
    arns = [start.start_execution(app.ctx, "answer", f'{{"n": {i}}}').arn for i in range(3)]
    for arn in arns:
        commit_signal.wait_ended(app.ctx, arn, 10)
    assert sorted(e.arn for e in ends) == sorted(arns)
    assert all(e == app.store.get_execution(e.arn) for e in ends)


def test_a_waiter_sleeps_through_the_ends_of_other_executions(app: EmbeddedApp) -> None:
    waiting = start.start_execution(app.ctx, "gated", "{}").arn
    signal = commit_signal.commit_signal(app.ctx)
    with signal.watch(waiting) as watch:
        other = start.start_execution(app.ctx, "answer", "{}").arn
        assert commit_signal.wait_ended(app.ctx, other, 10).status is ExecutionStatus.SUCCEEDED
        assert not watch.event.is_set()
        GATE.set()
        assert watch.event.wait(10)
        assert watch.execution is not None
        assert watch.execution.status is ExecutionStatus.SUCCEEDED


def test_an_end_committed_elsewhere_is_seen_by_the_fallback_reads(app: EmbeddedApp) -> None:
    arn = start.start_execution(app.ctx, "gated", "{}").arn
    # Another service context on the same database stands for another process: its
    # commits send this context no notice.
    elsewhere = ServiceContext(app.store)
    threading.Timer(0.1, lambda: stop.stop_execution(elsewhere, arn, None)).start()
    began = time.monotonic()
    ended = commit_signal.wait_ended(app.ctx, arn, 5)
    assert ended.status is ExecutionStatus.STOPPED
    # Seen by a fallback read, not by the last look when the wait ran out.
    assert time.monotonic() - began < 4


def test_a_wait_that_times_out_returns_the_execution_still_running(app: EmbeddedApp) -> None:
    arn = start.start_execution(app.ctx, "gated", "{}").arn
    assert commit_signal.wait_ended(app.ctx, arn, 0.05).status is ExecutionStatus.RUNNING


def test_a_wait_on_an_execution_this_process_runs_reads_no_row(
    app: EmbeddedApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = [0]
    real = app.store.get_execution

    def counted(arn: str) -> Execution | None:
        reads[0] += 1
        return real(arn)

    monkeypatch.setattr(app.store, "get_execution", counted)
    arn = start.start_execution(app.ctx, "gated", "{}").arn
    threading.Timer(0.05, GATE.set).start()
    assert commit_signal.wait_ended(app.ctx, arn, 10).status is ExecutionStatus.SUCCEEDED
    assert reads[0] == 0


def test_a_wait_that_runs_out_answers_from_the_store_not_a_stale_cache(
    app: EmbeddedApp,
) -> None:
    arn = start.start_execution(app.ctx, "gated", "{}").arn
    stop.stop_execution(ServiceContext(app.store), arn, None)  # as another process would
    assert app.ctx.cached_execution(arn) is not None  # this process has not heard of it
    assert commit_signal.wait_ended(app.ctx, arn, 0).status is ExecutionStatus.STOPPED
