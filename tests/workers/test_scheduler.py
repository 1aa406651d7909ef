"""The server-side scheduler: timers live in the store, so several server processes can
each run a scheduler over one database and every timer still fires exactly once, and a
restarted server fires what came due while it was down."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from perdure._app import build_server
from perdure._model import (
    InvocationOutput,
    InvocationStatus,
    OperationAction,
    OperationType,
    OperationUpdate,
    WaitOptions,
)
from perdure._runtime.dispatcher import Dispatcher
from perdure._service import checkpoint, invocations, queries, start
from perdure._service.context import ServiceContext
from perdure._store.sqlite import SqliteStore
from tests.workers.support import wait_until


def suspend_on_a_wait(ctx: ServiceContext, seconds: int) -> str:
    """An execution whose first invocation started a wait and returned PENDING, as a
    worker would leave it."""
    arn = start.start_execution(ctx, "sleeper", None).arn
    claimed = invocations.claim_invocation(ctx, arn, "test-worker", 60_000)
    assert claimed is not None
    request_id, inp = claimed
    wait = OperationUpdate(
        operation_id="nap",
        operation_type=OperationType.WAIT,
        action=OperationAction.START,
        name="nap",
        sub_type="Wait",
        wait_options=WaitOptions(wait_seconds=seconds),
    )
    checkpoint.checkpoint(ctx, arn, inp.checkpoint_token, [wait])
    pending = InvocationOutput(status=InvocationStatus.PENDING)
    assert invocations.finish_invocation(ctx, arn, request_id, pending)
    return arn


def fired(ctx: ServiceContext, arn: str) -> int:
    kinds = Counter(e.event_type.value for e in queries.all_events(ctx, arn))
    return kinds["WaitSucceeded"]


def test_two_schedulers_on_one_database_fire_each_timer_once(tmp_path: Path) -> None:
    db = str(tmp_path / "perdure.sqlite")
    stores = [SqliteStore(db, synchronous="OFF") for _ in range(2)]
    ctxs = [ServiceContext(store) for store in stores]
    schedulers: list[Dispatcher] = []
    try:
        arns = [suspend_on_a_wait(ctxs[0], 1) for _ in range(30)]
        schedulers = [Dispatcher.scheduler(ctx) for ctx in ctxs]
        for scheduler in schedulers:
            scheduler.start()
        wait_until(lambda: all(fired(ctxs[0], arn) for arn in arns), 8, "every wait to end")
        time.sleep(0.5)  # room for a late duplicate to show
        counts = [fired(ctxs[0], arn) for arn in arns]
    finally:
        for scheduler in schedulers:
            scheduler.stop()
        for store in stores:
            store.close()
    assert counts == [1] * len(arns)


def test_a_restarted_server_fires_timers_that_came_due_while_it_was_down(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "perdure.sqlite")
    first = build_server(db, synchronous="OFF")
    try:
        arn = suspend_on_a_wait(first.ctx, 1)
    finally:
        first.close()
    time.sleep(1.1)
    second = build_server(db, synchronous="OFF")
    try:
        wait_until(lambda: fired(second.ctx, arn), 5, "the wait to end")
        time.sleep(0.3)
        assert fired(second.ctx, arn) == 1
        # The execution is queued for a worker again; the scheduler does not claim it.
        assert queries.get_execution(second.ctx, arn).status.value == "RUNNING"
        assert second.store.due_invocations(second.ctx.now(), 10, ["sleeper"]) == [arn]
    finally:
        second.close()
