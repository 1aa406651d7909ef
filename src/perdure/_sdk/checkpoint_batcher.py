"""The checkpoint batcher: turns an invocation's queued operation updates into
checkpoint calls, on the threads that wait for them or on a collector thread.

Why batch at all: map/parallel branches run on many threads and each writes START and
SUCCEED updates; sending them together saves round trips and token turnover. Why not
always wait: a thread blocked on a synchronous checkpoint is latency the user sees.

A batch closes when it reaches 250 updates or ~750 KB, 1 s after its first item, after a
100 ms quiet gap, or — when it holds a synchronous waiter — after a 1 ms quiet gap (AWS
3.0). We go one step further: when every thread that could still add an item is itself
blocked on a checkpoint, nothing more can arrive, so the batch closes at once. That keeps
sequential code at one checkpoint per step with no added latency.

Who sends: when a synchronous caller closes the batch that way and no batch is on its
way, the caller's own thread sends it (the same batch, queued async items included), which
saves two thread hand-offs per step. Otherwise the collector thread sends. One batch is on
its way at a time, so batches leave in queue order. Async items do not wake the collector:
while the invocation is active it looks again every async-idle period, and measures quiet
gaps and the window from when items arrived; after a while without work it sleeps until
an item wakes it.

The collector thread is started only when it has something to do: a synchronous caller
that cannot send its own batch (another thread could still add to it, a batch is on its
way, it would not fit in one), a scheduled refresh, a full queue, or async items still
waiting when their batch should close, which the process's one deadline thread
(`batch_deadlines`) watches for. A sequential handler never needs it: its async items
ride with the sync ones its thread sends, and `stop` flushes what is left on the
stopping thread. So most invocations start no thread at all, and the batching rules
are the same whoever sends.

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

from perdure._clock import Clock, monotonic
from perdure._model import OperationUpdate
from perdure._sdk.batch_deadlines import DEADLINES

MAX_BATCH_OPS = 250
MAX_BATCH_BYTES = 750 * 1024
MAX_BATCH_WINDOW_S = 1.0
ASYNC_IDLE_S = 0.1
SYNC_IDLE_S = 0.001
_IDLE_POLLS = 10  # empty async-idle periods before the collector sleeps until woken


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

    __slots__ = ("at", "error", "lock", "size", "update")

    def __init__(self, update: OperationUpdate | None, sync: bool) -> None:
        self.update = update
        self.size = _estimate_size(update)
        self.at = monotonic()
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
        self._due: list[ScheduledRefresh] = []  # due refreshes waiting for the next batch
        self._seq = itertools.count()
        self._busy = 1  # threads running user code that may enqueue (the handler)
        self._blocked = 0  # threads blocked on a sync checkpoint
        self._queued_bytes = 0
        self._last_at = 0.0  # when the latest item arrived (or refresh fell due)
        self._sending = False  # a batch is on its way; batches go one at a time, in order
        self._taken = 0  # batches ever taken (tells the collector a caller sent one)
        self._sleeping = False  # the collector waits without a timeout: async items wake it
        self._closing = False
        self._terminal: BaseException | None = None  # what late callers get once stopped
        self._thread: threading.Thread | None = None  # the collector, once it is needed
        self._started = False
        self._deadline_set = False  # the deadline thread will look at the async items

    # -- producer side -----------------------------------------------------------------

    def start(self) -> None:
        """Accept updates. No thread starts here: see `_need_collector`."""
        self._started = True

    def _need_collector(self) -> None:
        """Under the lock: start the collector thread unless it runs (or all is over)."""
        if self._thread is None and self._started and self._terminal is None:
            self._thread = threading.Thread(
                target=self._run, name="perdure-checkpoint", daemon=True
            )
            self._thread.start()

    def _watch_async(self) -> None:
        """Under the lock, after an async item was queued: make sure someone sends it
        when its batch should close if no thread of the invocation sends it first."""
        if self._thread is not None or self._deadline_set:
            return
        self._deadline_set = True
        DEADLINES.call_at(self._closes_at(), self._deadline_passed)

    def _closes_at(self) -> float:
        """Under the lock: when the queued batch closes by its quiet gap or window."""
        cfg = self._cfg
        first = self._queue[0].at if self._queue else self._last_at
        return min(self._last_at + cfg.async_idle_s, first + cfg.window_s)

    def _deadline_passed(self) -> float | None:
        """On the deadline thread: start the collector if async items still wait for
        a batch that should have closed; else when to look again (items came since)."""
        with self._cond:
            if self._thread is not None or self._terminal is not None or not self._queue:
                self._deadline_set = False
                return None
            at = self._closes_at()
            if at > monotonic():
                return at
            self._deadline_set = False
            self._need_collector()
            self._cond.notify()
            return None

    def enqueue(
        self,
        update: OperationUpdate | None,
        sync: bool,
        guard: Callable[[], None] | None = None,
    ) -> None:
        """Queue an update; with `sync`, block until its batch's response is merged.
        `guard` runs under the queue lock (orphan checks) and may raise to refuse.

        When the caller's sync item closes the batch at once (every thread that could
        add to it is blocked) and no batch is on its way, the caller sends the batch
        itself: the same batch the collector would send, without two thread hand-offs."""
        item = _Item(update, sync)
        batch = None
        with self._cond:
            if self._terminal is not None:
                raise self._terminal
            if guard is not None:
                guard()
            queue = self._queue
            queue.append(item)
            self._queued_bytes += item.size
            self._last_at = item.at
            if sync:
                self._blocked += 1
                batch = self._take_for_caller()
                if batch is None:
                    self._need_collector()
                    self._cond.notify()
            elif len(queue) >= self._cfg.max_ops or self._queued_bytes >= self._cfg.max_bytes:
                self._need_collector()
                self._cond.notify()
            elif self._sleeping:
                self._cond.notify()
            else:
                self._watch_async()
        if batch is not None:
            self._send_batch(*batch)
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
            self._need_collector()
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
        """Flush what is queued, wait for the collector if it runs, then refuse later
        callers with `terminal` (refreshes still pending get it too)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
            if self._terminal is None and not self._sending:
                self._take_due_refreshes()
                if not self._queue and not self._due:
                    # Nothing left to flush: the collector only has to notice the
                    # terminal state and return, so it need not be waited for.
                    self._terminal = terminal
                    self._settle_all(terminal)
                    return
            collector = self._thread
        if collector is None:
            self._flush_here()
        with self._cond:
            collector = self._thread
        if collector is not None and collector is not threading.current_thread():
            collector.join()
        with self._cond:
            if self._terminal is None:
                self._terminal = terminal
            self._settle_all(self._terminal)

    def _flush_here(self) -> None:
        """Send what is queued from the stopping thread, batch by batch, as the collector
        would once closing (no quiet gaps to wait for: nothing more can be added)."""
        while True:
            with self._cond:
                while self._sending and self._terminal is None:
                    self._cond.wait()
                if self._terminal is not None:
                    return
                self._take_due_refreshes()
                if not self._queue and not self._due:
                    return
                batch = self._take(self._batch_end()[0])
            if not self._send_batch(*batch):
                return

    # -- batches ------------------------------------------------------------------------

    def _take_for_caller(self) -> tuple[list[_Item], list[ScheduledRefresh]] | None:
        """Under the lock: the whole queue as one batch for the calling thread to send,
        or None when the collector must decide (a batch is on its way, someone could
        still add to this one, or it would not fit in one batch)."""
        if self._sending or self._closing or self._busy > self._blocked:
            return None
        if self._refreshes:
            self._due.extend(self._pop_due_refreshes())
        count, full = self._batch_end()
        if full or count < len(self._queue):
            return None
        return self._take(count)

    def _batch_end(self) -> tuple[int, bool]:
        """How many queued items the next batch takes, and whether it is full."""
        cfg = self._cfg
        ops = 1 if self._due else 0
        has_empty = bool(self._due)
        size = 0
        count = 0
        for item in self._queue:
            counts = 1 if item.update is not None or not has_empty else 0
            if count and (ops + counts > cfg.max_ops or size + item.size > cfg.max_bytes):
                return count, True
            count += 1
            ops += counts
            size += item.size
            has_empty = has_empty or item.update is None
        return count, ops >= cfg.max_ops

    def _take(self, count: int) -> tuple[list[_Item], list[ScheduledRefresh]]:
        """Under the lock: pop the next batch and mark it on its way."""
        queue = self._queue
        items = [queue.popleft() for _ in range(count)]
        self._queued_bytes -= sum(item.size for item in items)
        due, self._due = self._due, []
        self._sending = True
        self._taken += 1
        return items, due

    def _send_batch(self, items: list[_Item], refreshes: list[ScheduledRefresh]) -> bool:
        """Send one taken batch and settle it; False once no checkpoint may follow."""
        try:
            stop = self._send([i.update for i in items if i.update is not None])
        except BaseException as exc:  # every failure must reach the waiters
            with self._cond:
                self._sending = False
                self._terminal = exc
                self._settle_locked(items, refreshes, exc)
                self._settle_all(exc)
                self._cond.notify()
            return False
        with self._cond:
            self._sending = False
            if stop is None:
                self._settle_locked(items, refreshes, None)
            else:
                self._terminal = stop.later
                self._settle_locked(items, refreshes, stop.batch_error)
                self._settle_all(stop.later)
            if self._queue or self._refreshes or self._closing or stop is not None:
                self._cond.notify()
        return stop is None

    # -- collector thread ---------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                batch = self._collect()
                if batch is None or not self._send_batch(*batch):
                    return
        except BaseException as exc:  # every failure must reach the waiters
            with self._cond:
                self._sending = False
                self._terminal = exc
                self._settle_all(exc)

    def _collect(self) -> tuple[list[_Item], list[ScheduledRefresh]] | None:
        """The next batch, once it closes. Producers do not wake the collector for each
        async item: while there was recent work it re-checks every async-idle period,
        and the quiet gaps are measured from when items arrived, not from when it woke."""
        cfg = self._cfg
        idle_polls = 0
        with self._cond:
            while True:
                while True:
                    if self._terminal is not None:
                        return None  # a caller's batch ended checkpointing
                    refresh_at: int | None = None
                    if not self._sending:
                        self._take_due_refreshes()
                        if self._queue or self._due:
                            break
                        if self._closing:
                            return None
                        refresh_at = self._next_refresh_ms()
                    self._sleeping = idle_polls >= _IDLE_POLLS
                    poll: float | None = None
                    if not self._sleeping:
                        idle_polls += 1
                        poll = cfg.async_idle_s
                    self._clock.wait_until(self._cond, refresh_at, poll)
                    self._sleeping = False
                idle_polls = 0
                taken = self._taken
                while True:
                    count, full = self._batch_end()
                    if full or self._closing:
                        return self._take(count)
                    if self._busy <= self._blocked:
                        return self._take(count)  # nobody left who could add to this batch
                    now = monotonic()
                    window_left = (self._queue[0].at if count else now) + cfg.window_s - now
                    if window_left <= 0:
                        return self._take(count)
                    queue = self._queue
                    sync_waiting = bool(self._due) or any(
                        queue[i].lock is not None for i in range(count)
                    )
                    idle = cfg.sync_idle_s if sync_waiting else cfg.async_idle_s
                    quiet_left = self._last_at + idle - now
                    if quiet_left <= 0:
                        return self._take(count)  # a quiet gap closes the batch
                    self._clock.wait_until(
                        self._cond, self._next_refresh_ms(), min(quiet_left, window_left)
                    )
                    if self._taken != taken or self._sending or self._terminal is not None:
                        break  # a caller sent it meanwhile; start over
                    self._take_due_refreshes()

    def _take_due_refreshes(self) -> None:
        due = self._pop_due_refreshes()
        if due:
            self._due.extend(due)
            self._last_at = monotonic()

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

    def _next_refresh_ms(self) -> int | None:
        """When the earliest refresh still wanted falls due, in clock time."""
        while self._refreshes and self._refreshes[0][2].cancelled:
            heapq.heappop(self._refreshes)
        return self._refreshes[0][0] if self._refreshes else None

    # -- settling -----------------------------------------------------------------------

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
        self._queued_bytes = 0
        refreshes = self._due + [r for _, _, r in self._refreshes]
        self._due = []
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
