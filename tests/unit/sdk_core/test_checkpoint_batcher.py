"""The checkpoint batcher: latency of sync checkpoints, batch composition, ordering,
revocation and failures, through the real ExecutionState and a recording client."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from perdure._clock import ManualClock
from perdure._model import OperationAction, OperationType, OperationUpdate
from perdure._sdk.checkpoint_batcher import BatcherConfig
from perdure._sdk.execution import durable_execution
from perdure._sdk.state import ExecutionState
from perdure.errors import (
    BackgroundThreadError,
    CheckpointError,
    InvalidParameterValueError,
    OrphanedChildException,
    ServiceError,
    SuspendExecution,
)
from tests.unit.sdk_core._recording import ARN, RecordingService


def _update(i: int, action: OperationAction = OperationAction.START) -> OperationUpdate:
    return OperationUpdate(f"op{i}", OperationType.STEP, action, name=f"s{i}")


def _state(svc: RecordingService) -> ExecutionState:
    return ExecutionState(ARN, "t0", svc, svc.clock, svc.ops.values())


def test_sync_checkpoint_is_sent_without_idle_wait() -> None:
    svc = RecordingService()
    state = _state(svc)
    started = time.perf_counter()
    state.create_checkpoint(_update(1), is_sync=True)
    elapsed = time.perf_counter() - started
    state.close()
    assert svc.batches == [[_update(1)]]
    assert elapsed < 0.05  # never the 100 ms async idle gap


def test_async_start_rides_with_following_sync_completion() -> None:
    svc = RecordingService()
    state = _state(svc)
    state.create_checkpoint(_update(1), is_sync=False)
    state.create_checkpoint(_update(1, OperationAction.SUCCEED), is_sync=True)
    state.close()
    assert svc.batches == [[_update(1), _update(1, OperationAction.SUCCEED)]]


def test_async_only_updates_are_flushed_on_close() -> None:
    svc = RecordingService()
    state = _state(svc)
    state.create_checkpoint(_update(1), is_sync=False)
    state.close()
    assert svc.batches == [[_update(1)]]


def test_updates_keep_fifo_order_across_batches() -> None:
    svc = RecordingService()
    state = _state(svc)
    for i in range(5):
        state.create_checkpoint(_update(i), is_sync=False)
        state.create_checkpoint(_update(i, OperationAction.SUCCEED), is_sync=True)
    state.close()
    sent = [(u.operation_id, u.action) for batch in svc.batches for u in batch]
    expected = [
        (f"op{i}", a) for i in range(5) for a in (OperationAction.START, OperationAction.SUCCEED)
    ]
    assert sent == expected


def test_async_update_is_sent_after_a_quiet_gap_without_close() -> None:
    """Async items do not wake the collector; it still sends them once they go quiet,
    also after it has gone to sleep for lack of work."""
    svc = RecordingService()
    config = BatcherConfig(async_idle_s=0.01)
    state = ExecutionState(ARN, "t0", svc, svc.clock, svc.ops.values(), batcher_config=config)
    state.start()
    state.create_checkpoint(_update(1), is_sync=False)
    assert _eventually(lambda: len(svc.batches) == 1)
    time.sleep(0.2)  # twenty idle periods: the collector now waits until woken
    state.create_checkpoint(_update(2), is_sync=False)
    assert _eventually(lambda: len(svc.batches) == 2)
    state.close()
    assert svc.batches == [[_update(1)], [_update(2)]]


def test_a_sequential_invocation_starts_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its steps' updates leave on its own thread, and close flushes the async tail on
    the closing thread, so no collector is ever needed."""
    started: list[str] = []
    real_start = threading.Thread.start

    def recording_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording_start)
    svc = RecordingService()
    state = _state(svc)
    for i in range(3):
        state.create_checkpoint(_update(i), is_sync=False)
        state.create_checkpoint(_update(i, OperationAction.SUCCEED), is_sync=True)
    state.create_checkpoint(_update(9), is_sync=False)
    state.close()
    assert len(svc.batches) == 4 and svc.batches[-1] == [_update(9)]
    assert "perdure-checkpoint" not in started


def test_a_sync_update_another_thread_could_join_is_sent_by_the_collector() -> None:
    """With a second producer running, a sync caller may not close the batch itself:
    the collector is started for it and sends it after the sync quiet gap."""
    svc = RecordingService()
    state = _state(svc)
    state.producer_started()
    state.create_checkpoint(_update(1), is_sync=True)
    state.producer_stopped()
    state.close()
    assert svc.batches == [[_update(1)]]


def _eventually(check: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.005)
    return bool(check())


def test_batch_closes_at_250_updates() -> None:
    svc = RecordingService()
    state = _state(svc)
    for i in range(300):
        state.create_checkpoint(_update(i), is_sync=False)
    state.close()
    assert [len(b) for b in svc.batches] == [250, 50]


def test_response_token_is_adopted_and_operations_merged() -> None:
    svc = RecordingService()
    state = _state(svc)
    state.create_checkpoint(_update(1), is_sync=True)
    assert state.checkpoint_token == "t1"
    assert state.get_operation("op1") is not None
    state.close()


def test_missing_token_revokes_and_suspends_waiters() -> None:
    svc = RecordingService()
    svc.revoke_on_batch = 0
    state = _state(svc)
    with pytest.raises(SuspendExecution):
        state.create_checkpoint(_update(1), is_sync=True)
    assert state.is_checkpoint_token_revoked
    assert state.get_operation("op1") is None  # the revoked response is not merged
    with pytest.raises(SuspendExecution):
        state.create_checkpoint(_update(2), is_sync=False)
    state.close()


def test_execution_update_without_token_completes() -> None:
    svc = RecordingService()
    state = _state(svc)
    done = OperationUpdate("execution-result-1", OperationType.EXECUTION, OperationAction.SUCCEED)
    state.create_checkpoint(done, is_sync=True)
    assert state.is_completed and not state.is_checkpoint_token_revoked
    with pytest.raises(OrphanedChildException):
        state.create_checkpoint(_update(2), is_sync=True)
    state.close()


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (InvalidParameterValueError("Invalid checkpoint token: stale"), True),
        (InvalidParameterValueError("Inconsistent operation name"), False),
        (ServiceError("boom"), True),
    ],
)
def test_client_errors_are_classified(error: Exception, retryable: bool) -> None:
    svc = RecordingService()
    svc.fail_on_batch = (0, error)  # type: ignore[assignment]
    state = _state(svc)
    with pytest.raises(BackgroundThreadError) as info:
        state.create_checkpoint(_update(1), is_sync=True)
    source = info.value.source_exception
    assert isinstance(source, CheckpointError)
    assert source.is_retryable() is retryable
    with pytest.raises(BackgroundThreadError):
        state.create_checkpoint(_update(2), is_sync=True)
    state.close()


def test_checkpoint_below_a_completed_context_is_orphaned() -> None:
    svc = RecordingService()
    state = _state(svc)
    parent = OperationUpdate("p", OperationType.CONTEXT, OperationAction.START)
    child = OperationUpdate("c", OperationType.STEP, OperationAction.START, parent_id="p")
    state.create_checkpoint(parent, is_sync=False)
    state.create_checkpoint(child, is_sync=False)
    done = OperationUpdate("p", OperationType.CONTEXT, OperationAction.SUCCEED)
    state.create_checkpoint(done, is_sync=True)
    late = OperationUpdate("g", OperationType.STEP, OperationAction.START, parent_id="c")
    with pytest.raises(OrphanedChildException):
        state.create_checkpoint(late, is_sync=True)
    state.close()


def test_scheduled_refresh_is_sent_when_due_and_shared() -> None:
    clock = ManualClock(1_000)
    svc = RecordingService(clock=clock)
    state = _state(svc)
    first = state.schedule_refresh(2_000)
    second = state.schedule_refresh(2_000)
    time.sleep(0.1)
    assert svc.batches == []
    clock.advance_to(2_000)
    assert first.wait(2) and second.wait(2)
    assert svc.batches == [[]]
    state.close()


class _WaitRecordingClock(ManualClock):
    """A manual clock that notes each clock time it was asked to wait for."""

    def __init__(self, start_ms: int) -> None:
        super().__init__(start_ms)
        self.waited_for: list[int | None] = []

    def wait_until(
        self, cond: threading.Condition, at_ms: int | None, timeout: float | None = None
    ) -> None:
        self.waited_for.append(at_ms)
        super().wait_until(cond, at_ms, timeout)


def test_a_refresh_is_waited_for_through_the_clock_whatever_the_clock() -> None:
    clock = _WaitRecordingClock(1_000)
    svc = RecordingService(clock=clock)
    state = _state(svc)
    refresh = state.schedule_refresh(2_000)
    time.sleep(0.1)
    assert 2_000 in clock.waited_for
    clock.advance_to(2_000)
    assert refresh.wait(2)
    assert svc.batches == [[]]
    state.close()


def test_concurrent_producers_share_batches() -> None:
    svc = RecordingService()
    state = _state(svc)
    threads = [
        threading.Thread(
            target=state.create_checkpoint, args=(_update(i),), kwargs={"is_sync": True}
        )
        for i in range(20)
    ]
    for _ in threads:
        state.producer_started()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
        state.producer_stopped()
    state.close()
    assert sum(len(b) for b in svc.batches) == 20


# -- through the handler wrapper -------------------------------------------------------


@durable_execution
def two_steps(event: Any, ctx: Any) -> str:
    ctx.step(lambda s: 1, name="a")
    ctx.step(lambda s: 2, name="b")
    return "done"


def test_revocation_on_last_batch_turns_success_into_pending() -> None:
    svc = RecordingService()
    svc.revoke_on_batch = 1
    assert svc.run(two_steps) == {"Status": "PENDING"}


def test_revocation_on_first_batch_is_pending() -> None:
    svc = RecordingService()
    svc.revoke_on_batch = 0
    assert svc.run(two_steps) == {"Status": "PENDING"}


def test_non_retryable_checkpoint_error_fails_execution() -> None:
    svc = RecordingService()
    svc.fail_on_batch = (0, InvalidParameterValueError("bad name"))
    out = svc.run(two_steps)
    assert out["Status"] == "FAILED"
    assert out["Error"]["ErrorType"] == "perdure.exceptions.CheckpointError"


def test_retryable_checkpoint_error_is_raised() -> None:
    svc = RecordingService()
    svc.fail_on_batch = (0, ServiceError("try again"))
    with pytest.raises(CheckpointError):
        svc.run(two_steps)


def test_one_checkpoint_per_step() -> None:
    svc = RecordingService()
    assert svc.run(two_steps) == {"Status": "SUCCEEDED", "Result": '"done"'}
    actions = [[(u.name, u.action.value) for u in b] for b in svc.batches]
    assert actions == [[("a", "START"), ("a", "SUCCEED")], [("b", "START"), ("b", "SUCCEED")]]
