"""A start hands its first invocation to a free thread of the embedded runtime in the
commit that creates the execution, with the history an ordinary claim gives; with every
thread busy it waits, claimed, in the pool's queue (as many as the pool has threads),
and beyond that the execution is queued for the dispatcher, as before. Commits that make
nothing due leave the dispatcher asleep."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perdure import DurableContext, durable_execution
from perdure._app import EmbeddedApp, build_embedded
from perdure._model import TERMINAL_EXECUTION_STATUSES, Execution, ExecutionStatus
from perdure._model.state import InvocationState
from perdure._service import queries, start

GATE = threading.Event()


@durable_execution
def one_step(event: Any, context: DurableContext) -> int:
    return context.step(lambda _: 1, name="only")


@durable_execution
def gated(event: Any, context: DurableContext) -> str:
    GATE.wait(10)
    return context.step(lambda _: "done", name="after-gate")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EmbeddedApp]:
    GATE.clear()
    built = build_embedded(
        str(tmp_path / "p.db"), {"one": one_step, "gated": gated}, synchronous="OFF", workers=1
    )
    try:
        yield built
    finally:
        GATE.set()
        built.close()


def _ended(app: EmbeddedApp, arn: str, timeout: float = 10.0) -> Execution:
    deadline = time.monotonic() + timeout
    while True:
        execution = queries.get_execution(app.ctx, arn)
        if execution.status in TERMINAL_EXECUTION_STATUSES or time.monotonic() > deadline:
            return execution
        time.sleep(0.002)


def _count_commits(app: EmbeddedApp, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    count = [0]
    for name in ("commit", "create_execution"):
        real = getattr(app.store, name)

        def counted(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            count[0] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(app.store, name, counted)
    return count


def _count_timer_looks(app: EmbeddedApp, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How often the dispatcher looks for due timers from now on (it does on each pass)."""
    looks = [0]
    real = app.store.due_timers

    def counted(now: int, limit: int) -> Any:
        looks[0] += 1
        return real(now, limit)

    monkeypatch.setattr(app.store, "due_timers", counted)
    return looks


def test_a_start_with_a_thread_free_claims_the_first_invocation_as_it_creates(
    app: EmbeddedApp,
) -> None:
    arn = start.start_execution(app.ctx, "gated", "{}").arn
    loaded = app.store.load(arn)
    assert loaded is not None
    version, state = loaded
    assert version == 1  # one commit made it and claimed it
    assert state.record.invocation is InvocationState.RUNNING
    assert app.store.leases_held_by(app.dispatcher.owner, 10) == [arn]
    assert app.store.due_invocations(app.ctx.now(), 10) == []
    GATE.set()
    assert _ended(app, arn).status is ExecutionStatus.SUCCEEDED


def test_a_one_step_execution_costs_three_commits_and_the_usual_history(
    app: EmbeddedApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = _count_commits(app, monkeypatch)
    arn = start.start_execution(app.ctx, "one", "{}").arn
    assert _ended(app, arn).status is ExecutionStatus.SUCCEEDED
    assert commits[0] == 3  # start and claim, the step, the invocation's end
    events, _ = queries.get_history(app.ctx, arn)
    assert [e.event_type.value for e in events] == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_a_burst_beyond_the_pool_claims_ahead_as_many_as_it_has_threads_then_queues(
    app: EmbeddedApp,
) -> None:
    first = start.start_execution(app.ctx, "gated", "{}").arn
    ahead = start.start_execution(app.ctx, "one", "{}").arn
    queued = start.start_execution(app.ctx, "one", "{}").arn
    # The pool has one thread: `ahead` waits in its queue, claimed by the commit that
    # created it; `queued` is left to the dispatcher.
    assert sorted(app.store.leases_held_by(app.dispatcher.owner, 10)) == sorted([first, ahead])
    loaded = app.store.load(ahead)
    assert loaded is not None and loaded[0] == 1
    assert loaded[1].record.invocation is InvocationState.RUNNING
    assert app.store.due_invocations(app.ctx.now(), 10) == [queued]
    GATE.set()
    for arn in (first, ahead, queued):
        assert _ended(app, arn).status is ExecutionStatus.SUCCEEDED
    events, _ = queries.get_history(app.ctx, ahead)
    assert [e.event_type.value for e in events] == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_executions_that_end_in_their_first_invocation_leave_the_dispatcher_asleep(
    app: EmbeddedApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks = _count_timer_looks(app, monkeypatch)
    began = time.monotonic()
    for _ in range(30):
        arn = start.start_execution(app.ctx, "one", "{}").arn
        assert _ended(app, arn).status is ExecutionStatus.SUCCEEDED
    # It still looks at least once a second (leases, other processes), and once more
    # when a look made while the thread was busy left a backlog to hand back; not per
    # commit.
    assert looks[0] <= 4 + int(time.monotonic() - began)


def test_work_queued_behind_busy_threads_leaves_the_dispatcher_asleep(
    app: EmbeddedApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    start.start_execution(app.ctx, "gated", "{}")
    start.start_execution(app.ctx, "one", "{}")  # claimed ahead, in the pool's queue
    queued = [start.start_execution(app.ctx, "one", "{}").arn for _ in range(2)]
    looks = _count_timer_looks(app, monkeypatch)
    time.sleep(0.5)
    # Queued work that waits for a thread is claimed by the thread that frees, so the
    # dispatcher looks again for timers (about once a second; a pass looks twice, for
    # due timers and for its sleep), not in a loop.
    assert looks[0] <= 4
    GATE.set()
    for arn in queued:
        assert _ended(app, arn).status is ExecutionStatus.SUCCEEDED
