"""Sleeping until this process commits something, for callers in the same process as
the service that wait for an execution to end (`perdure.client`'s embedded client, the
real-time test runner) without polling on a timer.

The service tells its listeners after each commit that may matter to someone
(`ServiceContext.notify`: a start, an invocation's end, a stop, a fired timer). A
`CommitSignal` counts those notices; a waiter notes the count, looks at what it waits
for, and sleeps until the count moves. Looking after noting the count is what makes a
commit between the look and the sleep wake it rather than be missed.

A waiter for one execution's end needs less: the commit that ends it hands the ended
execution to that execution's watches (`CommitSignal.watch`, fed by
`ServiceContext.subscribe_ended`), so such a waiter sleeps through every other commit
and reads nothing once it is told.

Commits by other processes sharing the database send no notice here, so every wait is
also bounded (`FALLBACK_SECONDS`): at worst such a change is seen that much later.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from perdure._clock import monotonic
from perdure._model import TERMINAL_EXECUTION_STATUSES, Execution
from perdure._service import queries
from perdure._service.context import ServiceContext

# The longest a wait goes without looking, for changes other processes commit.
FALLBACK_SECONDS = 0.25


class CommitSignal:
    """A count of one service context's commit notices, and a way to sleep until it
    moves; and the ends of executions, for waiters of one execution (`watch`). One per
    context (`commit_signal`), however many waiters share it."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._count = 0
        self._watches: dict[str, list[_Watch]] = {}
        self._watches_lock = threading.Lock()

    @property
    def count(self) -> int:
        return self._count

    def committed(self) -> None:
        """The service's listener: called on the committing thread, so it only counts
        and wakes."""
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        """Sleep until the count is past `seen` or `timeout` seconds have passed; the
        count then."""
        with self._changed:
            if self._count == seen and timeout > 0:
                self._changed.wait(timeout)
            return self._count

    def ended(self, execution: Execution) -> None:
        """The service's end listener: hands the ended execution to its watches."""
        with self._watches_lock:
            watches = self._watches.get(execution.arn)
            if not watches:
                return
            for watch in watches:
                watch.execution = execution
                watch.event.set()
                if watch.on_end is not None:
                    watch.on_end()

    @contextmanager
    def watch(self, arn: str, on_end: Callable[[], None] | None = None) -> Iterator[_Watch]:
        """A watch on `arn`'s end by a commit of this process, while the block runs.
        `on_end` is also called then, on the committing thread, so it must only take
        note (wake an event loop, say)."""
        watch = _Watch(on_end)
        with self._watches_lock:
            self._watches.setdefault(arn, []).append(watch)
        try:
            yield watch
        finally:
            with self._watches_lock:
                watches = self._watches[arn]
                watches.remove(watch)
                if not watches:
                    del self._watches[arn]


class _Watch:
    """Set, with the execution as committed, when a commit of this process ends it."""

    __slots__ = ("event", "execution", "on_end")

    def __init__(self, on_end: Callable[[], None] | None = None) -> None:
        self.event = threading.Event()
        self.execution: Execution | None = None
        self.on_end = on_end


_signals: weakref.WeakKeyDictionary[ServiceContext, CommitSignal] = weakref.WeakKeyDictionary()
_signals_lock = threading.Lock()


def commit_signal(ctx: ServiceContext) -> CommitSignal:
    """The signal of `ctx`'s commits, subscribed to it the first time it is asked for
    (a context has no way to unsubscribe, so each gets one listener, not one per
    waiter)."""
    with _signals_lock:
        signal = _signals.get(ctx)
        if signal is None:
            signal = _signals[ctx] = CommitSignal()
            ctx.subscribe(signal.committed)
            ctx.subscribe_ended(signal.ended)
        return signal


def wait_ended(ctx: ServiceContext, arn: str, timeout: float) -> Execution:
    """The execution as last committed, once it has ended or after `timeout` seconds,
    whichever is first. Raises ResourceNotFoundError if there is no such execution.

    An end committed by this process is handed over by the commit itself (`watch`), so
    the waiter neither reads the row again nor wakes for other executions' commits;
    reads at `FALLBACK_SECONDS` catch ends that other processes commit."""
    signal = commit_signal(ctx)
    deadline = monotonic() + timeout
    with signal.watch(arn) as watch:
        # Looked at after the watch is set, so an end committed meanwhile is seen by one
        # or the other: the cache takes each commit of this process before its end
        # listeners hear of it. A start just made is in the cache, so the first look
        # costs no read; what other processes change is left to the fallback reads.
        cached = ctx.cached_execution(arn)
        while True:
            execution = cached or queries.get_execution(ctx, arn)
            if execution.status in TERMINAL_EXECUTION_STATUSES:
                return execution
            remaining = deadline - monotonic()
            if remaining <= 0:
                return execution if cached is None else queries.get_execution(ctx, arn)
            cached = None
            if watch.event.wait(min(remaining, FALLBACK_SECONDS)):
                assert watch.execution is not None
                return watch.execution
