"""The checkpoint batcher: one daemon thread per invocation that turns queued operation
updates into checkpoint calls.

Why batch at all: map/parallel branches run on many threads and each writes START and
SUCCEED updates; sending them together saves round trips and token turnover. Why not
always wait: a thread blocked on a synchronous checkpoint is latency the user sees.

A batch closes when it reaches 250 updates or ~750 KB, 1 s after its first item, after a
100 ms quiet gap, or — when it holds a synchronous waiter — after a 1 ms quiet gap (AWS
3.0). We go one step further: when every thread that could still add an item is itself
blocked on a checkpoint, nothing more can arrive, so the batch closes at once. That keeps
sequential code at one checkpoint per step with no added latency.

Queue order is FIFO, so an async START always travels in the same or an earlier batch
than the completion that follows it. Empty "refresh" checkpoints (map/parallel timed
resume) are scheduled for a time and sent when due, shared by everyone due then.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from perdure._clock import Clock, SystemClock, monotonic
from perdure._model import OperationUpdate

MAX_BATCH_OPS = 250
MAX_BATCH_BYTES = 750 * 1024
MAX_BATCH_WINDOW_S = 1.0
ASYNC_IDLE_S = 0.1
SYNC_IDLE_S = 0.001
_VIRTUAL_POLL_S = 0.05  # how often a refresh due in virtual time re-reads the clock


@dataclass(frozen=True, slots=True)
class Stop:
    """What a sender returns when no checkpoint may follow this batch: the batch's own
    waiters get `batch_error` (None = success) and every later caller gets `later`."""

    batch_error: BaseException | None
    later: BaseException


@dataclass(slots=True)
class BatcherConfig:
    max_ops: int = MAX_BATCH_OPS
    max_bytes: int = MAX_BATCH_BYTES
    window_s: float = MAX_BATCH_WINDOW_S
    async_idle_s: float = ASYNC_IDLE_S
    sync_idle_s: float = SYNC_IDLE_S


class _Item:
    """One queued update. A synchronous caller blocks on `lock` (held until settled):
    a bare lock is the cheapest wake-up CPython has."""

    __slots__ = ("error", "lock", "size", "update")

    def __init__(self, update: OperationUpdate | None, sync: bool) -> None:
        self.update = update
        self.size = _estimate_size(update)
        self.error: BaseException | None = None
        self.lock: threading.Lock | None = None
        if sync:
            self.lock = threading.Lock()
            self.lock.acquire()


class ScheduledRefresh:
    """An empty checkpoint to send at `at_ms` (clock time); `wait()` returns once its
    response has been merged."""

    def __init__(self, at_ms: int) -> None:
        self.at_ms = at_ms
        self.cancelled = False
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._callbacks: list[Callable[[ScheduledRefresh], None]] = []
        self._cb_lock = threading.Lock()

    def wait(self, timeout: float | None = None) -> bool:
        ok = self._done.wait(timeout)
        if ok and self.error is not None:
            raise self.error
        return ok

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> None:
        self.cancelled = True

    def add_done_callback(self, callback: Callable[[ScheduledRefresh], None]) -> None:
        """Call `callback(self)` once settled (at once if it already is)."""
        with self._cb_lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def _settle(self, error: BaseException | None) -> None:
        with self._cb_lock:
            self.error = error
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


Sender = Callable[[list[OperationUpdate]], Stop | None]


class CheckpointBatcher:
    def __init__(self, send: Sender, clock: Clock, config: BatcherConfig | None = None) -> None:
        self._send = send
        self._clock = clock
        self._cfg = config or BatcherConfig()
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[_Item] = deque()
        self._refreshes: list[tuple[int, int, ScheduledRefresh]] = []
        self._seq = itertools.count()
        self._busy = 1  # threads running user code that may enqueue (the handler)
        self._blocked = 0  # threads blocked on a sync checkpoint
        self._closing = False
        self._terminal: BaseException | None = None  # what late callers get once stopped
        self._thread: threading.Thread | None = None

    # -- producer side -----------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="perdure-checkpoint", daemon=True)
        self._thread.start()

    def enqueue(
        self,
        update: OperationUpdate | None,
        sync: bool,
        guard: Callable[[], None] | None = None,
    ) -> None:
        """Queue an update; with `sync`, block until its batch's response is merged.
        `guard` runs under the queue lock (orphan checks) and may raise to refuse."""
        item = _Item(update, sync)
        with self._cond:
            if self._terminal is not None:
                raise self._terminal
            if guard is not None:
                guard()
            self._queue.append(item)
            if sync:
                self._blocked += 1
            self._cond.notify()
        if item.lock is not None:
            item.lock.acquire()
            if item.error is not None:
                raise item.error

    def schedule_refresh(self, at_ms: int) -> ScheduledRefresh:
        refresh = ScheduledRefresh(at_ms)
        with self._cond:
            if self._terminal is not None:
                raise self._terminal
            heapq.heappush(self._refreshes, (at_ms, next(self._seq), refresh))
            self._cond.notify()
        return refresh

    def producer_started(self) -> None:
        with self._cond:
            self._busy += 1

    def producer_stopped(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify()

    def stop(self, terminal: BaseException) -> None:
        """Flush what is queued, wait for the thread, then refuse later callers with
        `terminal` (refreshes still pending get it too)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        with self._cond:
            if self._terminal is None:
                self._terminal = terminal
            self._settle_all(self._terminal)

    # -- collector thread ---------------------------------------------------------------

    def _run(self) -> None:
        items: list[_Item] = []
        refreshes: list[ScheduledRefresh] = []
        try:
            while True:
                batch = self._collect()
                if batch is None:
                    return
                items, refreshes = batch
                stop = self._send([i.update for i in items if i.update is not None])
                if stop is None:
                    self._settle(items, refreshes, None)
                    items, refreshes = [], []
                    continue
                with self._cond:
                    self._terminal = stop.later
                    self._settle_locked(items, refreshes, stop.batch_error)
                    self._settle_all(stop.later)
                return
        except BaseException as exc:  # every failure must reach the waiters
            with self._cond:
                self._terminal = exc
                self._settle_locked(items, refreshes, exc)
                self._settle_all(exc)

    def _collect(self) -> tuple[list[_Item], list[ScheduledRefresh]] | None:
        cfg = self._cfg
        with self._cond:
            while True:
                due = self._pop_due_refreshes()
                if self._queue or due:
                    break
                if self._closing:
                    return None
                self._cond.wait(self._refresh_timeout())
            items: list[_Item] = []
            ops = 0
            size = 0
            has_empty = bool(due)
            if has_empty:
                ops = 1
            first_at = monotonic()
            while True:
                while self._queue:
                    item = self._queue[0]
                    counts = 1 if item.update is not None or not has_empty else 0
                    if items and (ops + counts > cfg.max_ops or size + item.size > cfg.max_bytes):
                        return items, due
                    self._queue.popleft()
                    items.append(item)
                    ops += counts
                    size += item.size
                    has_empty = has_empty or item.update is None
                if ops >= cfg.max_ops or self._closing:
                    return items, due
                sync_waiting = bool(due) or any(i.lock is not None for i in items)
                if self._busy <= self._blocked:
                    return items, due  # nobody left who could add to this batch
                remaining = first_at + cfg.window_s - monotonic()
                if remaining <= 0:
                    return items, due
                timeout = min(cfg.sync_idle_s if sync_waiting else cfg.async_idle_s, remaining)
                refresh_timeout = self._refresh_timeout()
                if refresh_timeout is not None:
                    timeout = min(timeout, refresh_timeout)
                self._cond.wait(timeout)
                more_due = self._pop_due_refreshes()
                if more_due:
                    if not has_empty:
                        ops += 1
                        has_empty = True
                    due.extend(more_due)
                elif not self._queue and self._busy > self._blocked:
                    return items, due  # a quiet gap closes the batch

    def _pop_due_refreshes(self) -> list[ScheduledRefresh]:
        due: list[ScheduledRefresh] = []
        if not self._refreshes:
            return due
        now = self._clock.now_ms()
        while self._refreshes and self._refreshes[0][0] <= now:
            refresh = heapq.heappop(self._refreshes)[2]
            if not refresh.cancelled:
                due.append(refresh)
        return due

    def _refresh_timeout(self) -> float | None:
        while self._refreshes and self._refreshes[0][2].cancelled:
            heapq.heappop(self._refreshes)
        if not self._refreshes:
            return None
        delta = max(0.0, (self._refreshes[0][0] - self._clock.now_ms()) / 1000)
        if not isinstance(self._clock, SystemClock):
            delta = min(delta, _VIRTUAL_POLL_S)
        return delta

    # -- settling -----------------------------------------------------------------------

    def _settle(
        self, items: list[_Item], refreshes: list[ScheduledRefresh], error: BaseException | None
    ) -> None:
        with self._cond:
            self._settle_locked(items, refreshes, error)

    def _settle_locked(
        self, items: list[_Item], refreshes: list[ScheduledRefresh], error: BaseException | None
    ) -> None:
        for item in items:
            if item.lock is not None:
                item.error = error
                self._blocked -= 1
                item.lock.release()
        for refresh in refreshes:
            refresh._settle(error)

    def _settle_all(self, error: BaseException) -> None:
        items = list(self._queue)
        self._queue.clear()
        refreshes = [r for _, _, r in self._refreshes]
        self._refreshes.clear()
        self._settle_locked(items, refreshes, error)


def _estimate_size(update: OperationUpdate | None) -> int:
    """Approximate wire size; exact JSON length would cost a dumps per update."""
    if update is None:
        return 2
    size = 200 + len(update.payload or "") + len(update.name or "")
    if update.error is not None:
        err = update.error
        size += len(err.message or "") + len(err.type or "") + len(err.data or "")
        size += sum(len(line) for line in err.stack_trace or ())
    return size
