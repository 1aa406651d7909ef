"""The map/parallel executor: run branches on threads under a completion policy.

Each branch is a child context whose id comes from its index (never from scheduling
order). Up to `max_concurrency` branches are in flight; a branch that suspends keeps its
slot. One coordinator loop, on the calling thread, takes branch events one at a time and
decides after each when the batch is done (all terminal, enough successes, too many
failures, or the custom predicate), starting the next branches in index order as slots
free up, as AWS's SDK does. So which branches start before the batch completes depends only
on the order in which branches end: with `max_concurrency` 3 and `min_successful` 2, the
first success frees a slot for branch 3 before the second success ends the batch, however
close together the two arrive. Branches still running then are orphans: reported STARTED
(or with their true status if their end was already queued), and their next checkpoint is
refused.

Suspension: a branch waiting on an outside event just sits suspended. A branch waiting
until a time T joins the *wave* for T: one empty checkpoint is scheduled at T (to pull
the service's fresh state — WAIT done, step READY), after which the wave's branches are
resubmitted in index order. That only happens while some other branch still runs; once
every in-flight branch is suspended, the batch suspends the invocation until the earliest
wave (or indefinitely), and the service re-invokes.
"""

from __future__ import annotations

import contextvars
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from perdure._model import ErrorObject, OperationStatus
from perdure._sdk.batch_result import BatchItem, BatchResult, CompletionPolicy
from perdure._sdk.checkpoint_batcher import ScheduledRefresh
from perdure._sdk.config import CompletionConfig
from perdure._sdk.error_mapping import error_object_from_exception
from perdure._sdk.identifier import branch_id
from perdure._sdk.operations.child import run_child
from perdure._sdk.operations.scope import ScopeT
from perdure._sdk.values import (
    BatchItemStatus,
    CompletionDecision,
    CompletionItemStatus,
    CompletionReason,
    SerDes,
)
from perdure.errors import (
    BackgroundThreadError,
    DurableOperationError,
    ExecutionError,
    InvocationError,
    OrphanedChildException,
    SerDesError,
    SuspendExecution,
    TimedSuspendExecution,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Executable(Generic[ScopeT, T]):
    index: int
    func: Callable[[ScopeT], T]
    name: str  # what the branch records
    explicit_name: str | None  # what a completion predicate sees


class _Kind(Enum):
    COMPLETED = "completed"
    FAILED = "failed"
    SUSPENDED = "suspended"
    SUSPENDED_UNTIL = "suspended_until"
    ORPHANED = "orphaned"
    RETRYABLE = "retryable"
    FATAL = "fatal"
    WAVE_DUE = "wave_due"


@dataclass(frozen=True)
class _Event:
    kind: _Kind
    index: int = -1
    result: Any = None
    error: ErrorObject | None = None
    exc: BaseException | None = None
    at_ms: int = 0


class ConcurrentExecutor(Generic[ScopeT, T]):
    def __init__(
        self,
        ctx: ScopeT,
        batch_operation_id: str,
        executables: Sequence[Executable[ScopeT, T]],
        *,
        max_concurrency: int | None,
        completion_config: CompletionConfig,
        iteration_sub_type: str,
        item_serdes: SerDes[Any] | None,
        flat: bool,
    ) -> None:
        self._ctx = ctx
        self._batch_id = batch_operation_id
        self._exes = list(executables)
        self._limit = max_concurrency or max(1, len(self._exes))
        self._config = completion_config
        self._sub_type = iteration_sub_type
        self._serdes = item_serdes
        self._flat = flat

    # -- one branch, on a pool thread ---------------------------------------------------

    def run_branch(self, exe: Executable[ScopeT, T]) -> T:
        return run_child(
            self._ctx,
            exe.func,
            exe.name,
            sub_type=self._sub_type,
            serdes=self._serdes,
            is_virtual=self._flat,
            operation_id=branch_id(self._batch_id, exe.index),
            parent_id=self._batch_id,
        )

    def _branch_worker(self, exe: Executable[ScopeT, T], events: queue.SimpleQueue[_Event]) -> None:
        state = self._ctx.state
        state.producer_started()
        try:
            result = self.run_branch(exe)
            events.put(_Event(_Kind.COMPLETED, exe.index, result=result))
        except TimedSuspendExecution as exc:
            at = int(exc.scheduled_timestamp * 1000)
            events.put(_Event(_Kind.SUSPENDED_UNTIL, exe.index, at_ms=at))
        except SuspendExecution:
            events.put(_Event(_Kind.SUSPENDED, exe.index))
        except OrphanedChildException:
            events.put(_Event(_Kind.ORPHANED, exe.index))
        except (ExecutionError, BackgroundThreadError) as exc:
            events.put(_Event(_Kind.FATAL, exe.index, exc=exc))
        except InvocationError as exc:
            kind = _Kind.RETRYABLE if exc.is_retryable() else _Kind.FAILED
            events.put(_Event(kind, exe.index, error=error_object_from_exception(exc), exc=exc))
        except DurableOperationError as exc:  # the branch's recorded failure
            error = ErrorObject(exc.message, exc.error_type, exc.data, exc.stack_trace)
            events.put(_Event(_Kind.FAILED, exe.index, error=error))
        except BaseException as exc:
            events.put(_Event(_Kind.FAILED, exe.index, error=error_object_from_exception(exc)))
        finally:
            state.producer_stopped()

    # -- the coordinator ----------------------------------------------------------------

    def execute(self) -> BatchResult[T]:
        state = self._ctx.state
        n = len(self._exes)
        policy = CompletionPolicy.from_config(n, self._config)
        decision: CompletionDecision | None = None
        statuses: list[BatchItemStatus | None] = [None] * n
        results: dict[int, Any] = {}
        errors: dict[int, ErrorObject | None] = {}
        events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        waves: dict[int, tuple[ScheduledRefresh, list[int]]] = {}
        suspended: set[int] = set()  # indefinitely
        in_flight = 0
        next_index = 0
        retryable: BaseException | None = None
        pool = ThreadPoolExecutor(
            max_workers=max(1, min(self._limit, n)), thread_name_prefix="perdure-branch"
        )
        state.register_pool(pool)

        def counts() -> tuple[int, int]:
            ok = sum(1 for s in statuses if s is BatchItemStatus.SUCCEEDED)
            bad = sum(1 for s in statuses if s is BatchItemStatus.FAILED)
            return ok, bad

        def ask_predicate() -> None:
            """Ask `should_complete` once per change of state; its answer holds until the next."""
            nonlocal decision
            if policy.should_complete is not None:
                items = tuple(
                    CompletionItemStatus(e.index, e.explicit_name, statuses[e.index])
                    for e in self._exes
                )
                decision = policy.evaluate(*counts(), items)

        def should_stop(ok: int, bad: int) -> bool:
            complete = policy.is_complete(ok, bad, decision=decision)
            return complete or not policy.should_continue(bad)

        def submit(index: int) -> None:
            if state.plugins is None:
                pool.submit(self._branch_worker, self._exes[index], events)
            else:  # plugins see the caller's contextvars (trace context) in every branch
                run = contextvars.copy_context().run
                pool.submit(run, self._branch_worker, self._exes[index], events)

        def apply(event: _Event) -> bool:
            """Record a branch's terminal event; whether it was one."""
            nonlocal in_flight, retryable
            i = event.index
            if event.kind is _Kind.COMPLETED:
                statuses[i], results[i] = BatchItemStatus.SUCCEEDED, event.result
            elif event.kind in (_Kind.FAILED, _Kind.RETRYABLE):
                statuses[i], errors[i] = BatchItemStatus.FAILED, event.error
                if event.kind is _Kind.RETRYABLE:
                    retryable = event.exc
            elif event.kind is _Kind.FATAL:
                assert event.exc is not None
                raise event.exc
            else:
                return False
            in_flight -= 1
            return True

        # One event at a time, admitting between events, as AWS's coordinator does: which
        # branches start before the batch completes then depends only on the order the
        # branches end in, never on how many events happened to queue up meanwhile.
        changed = True  # the predicate is asked once per change of state
        try:
            while True:
                if changed:
                    ask_predicate()
                    changed = False
                ok, bad = counts()
                if should_stop(ok, bad):
                    break
                while next_index < n and in_flight < self._limit and policy.should_continue(bad):
                    statuses[next_index] = BatchItemStatus.STARTED
                    submit(next_index)
                    next_index += 1
                    in_flight += 1
                    changed = True
                parked = len(suspended) + sum(len(ix) for _, ix in waves.values())
                if in_flight == parked:  # nothing runs: suspend the invocation
                    if retryable is not None:
                        raise retryable
                    if waves:
                        raise TimedSuspendExecution(
                            "All running branches are waiting", min(waves) / 1000
                        )
                    raise SuspendExecution("All running branches are waiting on outside events")
                state.producer_stopped()
                try:
                    event = events.get()
                finally:
                    state.producer_started()
                if apply(event):
                    changed = True
                elif event.kind is _Kind.ORPHANED:
                    break  # an enclosing context already ended; nothing more is recorded
                elif event.kind is _Kind.SUSPENDED:
                    suspended.add(event.index)
                    changed = True
                elif event.kind is _Kind.SUSPENDED_UNTIL:
                    self._join_wave(waves, event.at_ms, event.index, events)
                    changed = True
                elif event.kind is _Kind.WAVE_DUE:
                    refresh, indexes = waves.pop(event.at_ms)
                    refresh.wait()  # re-raises a failed or revoked refresh
                    for index in sorted(indexes):
                        submit(index)
        finally:
            state.mark_context_done(self._batch_id)  # whatever still runs is an orphan
            for refresh, _ in waves.values():
                refresh.cancel()
            pool.shutdown(wait=False)
        # The reason is the state that ended the loop; branches that ended meanwhile are
        # reported with their true status but do not change it (nor the recorded summary).
        reason = policy.reason(*counts(), decision=decision)
        while not events.empty():
            apply(events.get())
        if retryable is not None:
            raise retryable
        items = [
            BatchItem(i, s, results.get(i), errors.get(i))
            for i, s in enumerate(statuses)
            if s is not None
        ]
        return BatchResult(all=items, completion_reason=reason)

    def _join_wave(
        self,
        waves: dict[int, tuple[ScheduledRefresh, list[int]]],
        at_ms: int,
        index: int,
        events: queue.SimpleQueue[_Event],
    ) -> None:
        if at_ms in waves:
            waves[at_ms][1].append(index)
            return
        refresh = self._ctx.state.schedule_refresh(at_ms)
        waves[at_ms] = (refresh, [index])
        refresh.add_done_callback(lambda _r: events.put(_Event(_Kind.WAVE_DUE, at_ms=at_ms)))

    # -- replay of a batch recorded with ReplayChildren -----------------------------------

    def replay(self, summary: dict[str, Any] | None) -> BatchResult[T]:
        """Rebuild a large batch result from its summary envelope and branch checkpoints."""
        state = self._ctx.state
        n = len(self._exes)
        started: set[int] = set()
        total = n
        reason: CompletionReason | None = None
        if summary is not None:
            total = int(summary.get("totalCount", n))
            if "startedIndexes" in summary:
                started = set(summary["startedIndexes"])
            elif "completedIndexes" in summary:
                started = set(range(total)) - set(summary["completedIndexes"])
            if summary.get("completionReason"):
                reason = CompletionReason(summary["completionReason"])
        items: list[BatchItem[T]] = []
        for exe in self._exes[:total]:
            i = exe.index
            op = state.get_operation(branch_id(self._batch_id, i))
            if i in started or (op is None and not self._flat):
                if summary is not None or op is not None:
                    items.append(BatchItem(i, BatchItemStatus.STARTED))
                continue
            if op is not None and op.status is OperationStatus.STARTED:
                items.append(BatchItem(i, BatchItemStatus.STARTED))
                continue
            try:
                items.append(BatchItem(i, BatchItemStatus.SUCCEEDED, self.run_branch(exe)))
            except (DurableOperationError, SerDesError) as exc:
                error = ErrorObject(exc.message, exc.error_type, exc.data, exc.stack_trace)
                items.append(BatchItem(i, BatchItemStatus.FAILED, error=error))
        if reason is None:
            return BatchResult.from_items(items, self._config)
        return BatchResult(all=items, completion_reason=reason)


def summary_envelope(kind: str, result: BatchResult[Any]) -> dict[str, Any]:
    """The SDK's summary of a batch result too large to record (ReplayChildren)."""
    started = [item.index for item in result.all if item.status is BatchItemStatus.STARTED]
    completed = [item.index for item in result.all if item.status is not BatchItemStatus.STARTED]
    envelope: dict[str, Any] = {
        "type": kind,
        "totalCount": result.total_count,
        "completionReason": result.completion_reason.value,
    }
    if len(started) <= len(completed):
        envelope["startedIndexes"] = started
    else:
        envelope["completedIndexes"] = completed
    envelope.update(
        startedCount=result.started_count,
        successCount=result.success_count,
        failureCount=result.failure_count,
        status=result.status.value,
    )
    return envelope
