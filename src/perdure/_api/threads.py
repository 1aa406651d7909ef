"""The threads the API's blocking calls run on: the service and its store block (a
SQLite commit waits for its fsync, a PostgreSQL one for the server), so a route must
not run them on the event loop, where every other request would wait too.

Why not `asyncio.to_thread`: every remote step pays for one hand-off, and the default
executor's costs several times this one's CPU (a `concurrent.futures.Future` chained to
an asyncio one, a work item, a semaphore and a condition per call). Here a call is
handed straight to the thread that went idle last, which wakes on its own lock, and
the answer comes back with one `call_soon_threadsafe`. Reusing the most recently idle
thread keeps the work on a thread whose stack and data are still in the CPU's caches.

At most `max_threads` calls run at once (as many as the default executor would run);
more wait their turn in arrival order. A thread idle for `idle_seconds` ends, so an
application that stops serving leaves no threads behind. Each call runs in a copy of
the caller's `contextvars` context, as `asyncio.to_thread` runs it.

A brief call (`run_brief`: a remote step's checkpoint, a worker's heartbeat) may run on
the event loop's own thread instead. Even this cheap hand-off costs a remote step about a
fifth of a millisecond of the server's CPU and a quarter of its latency on a 2-core
machine, more than the hand-off alone (two threads wake, and take turns at Python's lock,
per request). Blocking the loop is right only while nobody else needs it, so a brief call
runs there only when no call is on a thread, no other connection made a brief call in
the last `shared_window` seconds (several callers at once: their calls run side by side
on threads and share durable commits), and brief calls have lately taken under
`brief_budget` seconds (a slow disk sends them back to threads, and they return once
calls are quick again). On the loop a call may not wait for a lock held elsewhere (a
write transaction of another process, a commit of another thread): it is refused at
once with nothing written (`perdure._store.waiting`), and runs again on a thread, where
it may wait.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from perdure._store.waiting import WouldWait, forbid_waiting

T = TypeVar("T")

IDLE_SECONDS = 30.0
BRIEF_BUDGET = 0.002
SHARED_WINDOW = 0.02
_WEIGHT = 0.25  # of the newest brief call in the running average of their durations


def default_max_threads() -> int:
    """As many as asyncio's default executor runs."""
    return min(32, (os.cpu_count() or 1) + 4)


class _Call:
    __slots__ = ("args", "context", "fn", "future", "kwargs", "loop")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self.loop = loop
        self.future = future
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.context = contextvars.copy_context()


class _Worker:
    """One thread; `wake` is held while it waits for a call to be handed to it."""

    __slots__ = ("call", "wake")

    def __init__(self, call: _Call) -> None:
        self.call: _Call | None = call
        self.wake = threading.Lock()
        self.wake.acquire()


class BlockingCalls:
    """Runs blocking functions on a pool of threads for coroutines to await."""

    def __init__(
        self,
        max_threads: int | None = None,
        *,
        idle_seconds: float = IDLE_SECONDS,
        name: str = "perdure-api",
        brief_budget: float = BRIEF_BUDGET,
        shared_window: float = SHARED_WINDOW,
    ) -> None:
        self._max = max_threads or default_max_threads()
        self._idle_seconds = idle_seconds
        self._name = name
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []  # most recently idle last
        self._backlog: deque[_Call] = deque()
        self._threads = 0
        self._running = 0  # calls handed over and not yet done
        self._budget = brief_budget
        self._window = shared_window
        self._brief_cost = 0.0  # running average of brief calls' durations
        self._last_caller: Hashable = None
        self._last_brief = -shared_window
        self._shared_until = 0.0

    @property
    def threads(self) -> int:
        """How many threads there are now, busy or idle."""
        return self._threads

    @property
    def running(self) -> int:
        """How many calls are on threads or waiting for one."""
        return self._running

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` on a pool thread; its result, or what it raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        call = _Call(loop, future, fn, args, kwargs)
        worker = None
        start = False
        with self._lock:
            self._running += 1
            if self._idle:
                worker = self._idle.pop()
                worker.call = call
            elif self._threads < self._max:
                self._threads += 1
                start = True
            else:
                self._backlog.append(call)
        if worker is not None:
            worker.wake.release()
        elif start:
            thread = threading.Thread(
                target=self._serve, args=(_Worker(call),), name=self._name, daemon=True
            )
            try:
                thread.start()
            except BaseException:
                with self._lock:
                    self._threads -= 1
                    self._running -= 1
                raise
        return await future

    async def run_brief(self, caller: Hashable, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)`, which should take well under `brief_budget` seconds, for the
        connection `caller`: on this thread when nothing else needs the event loop (see
        the module's docstring), else on a pool thread as `run` does."""
        started = time.perf_counter()
        if self._runs_here(caller, started):
            try:
                return contextvars.copy_context().run(_without_waiting, fn, args)
            except WouldWait:
                # Held elsewhere: wait on a thread, and leave the loop's thread alone
                # for a while, as when another caller is about.
                self._shared_until = time.perf_counter() + self._window
            finally:
                self._took(time.perf_counter() - started)
        return await self.run(self._timed, fn, args)

    def _runs_here(self, caller: Hashable, now: float) -> bool:
        if caller != self._last_caller and now - self._last_brief < self._window:
            self._shared_until = now + self._window
        self._last_caller = caller
        self._last_brief = now
        return not self._running and now >= self._shared_until and self._brief_cost <= self._budget

    def _timed(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self._took(time.perf_counter() - started)

    def _took(self, seconds: float) -> None:
        self._brief_cost += _WEIGHT * (seconds - self._brief_cost)

    def _serve(self, worker: _Worker) -> None:
        call = worker.call
        worker.call = None
        while call is not None:
            settle, value = _perform(call)
            # Listed as idle (or given the next waiting call) before the answer goes
            # back: the caller's next call then finds this thread, not a new one.
            with self._lock:
                self._running -= 1
                following = self._backlog.popleft() if self._backlog else None
                if following is None:
                    self._idle.append(worker)
            _answer(call, settle, value)
            del call, value
            if following is None:
                if not worker.wake.acquire(timeout=self._idle_seconds):
                    with self._lock:
                        if worker in self._idle:
                            self._idle.remove(worker)
                            self._threads -= 1
                            return
                    # A caller took this thread off the idle list just now: its call
                    # is coming.
                    worker.wake.acquire()
                following, worker.call = worker.call, None
            call = following


def _without_waiting(fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    forbid_waiting()
    return fn(*args)


_Settle = Callable[["asyncio.Future[Any]", Any], None]


def _perform(call: _Call) -> tuple[_Settle, Any]:
    try:
        return _succeed, call.context.run(call.fn, *call.args, **call.kwargs)
    except StopIteration:  # a future cannot hold it
        return _fail, RuntimeError(f"{call.fn!r} raised StopIteration")
    except BaseException as exc:
        return _fail, exc


def _answer(call: _Call, settle: _Settle, value: Any) -> None:
    try:
        call.loop.call_soon_threadsafe(settle, call.future, value)
    except RuntimeError:
        pass  # the loop has closed: nobody is waiting any more


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # the awaiting request may have been cancelled
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
