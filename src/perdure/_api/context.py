"""What every route function gets besides the request: the service context, the metrics
it feeds, and the waiter a synchronous Invoke blocks on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from perdure._api.metrics import Metrics
from perdure._api.threads import BlockingCalls
from perdure._model import TERMINAL_EXECUTION_STATUSES, Execution
from perdure._service import queries
from perdure._service.commit_signal import commit_signal
from perdure._service.context import ServiceContext

# Lambda's limit for a synchronous invocation.
DEFAULT_INVOKE_TIMEOUT = 15 * 60.0
# Bound on each wait between looks at the execution, for changes made by other processes
# sharing the database (this process's commits wake the waiter at once).
POLL_SECONDS = 0.25
# The longest a worker's claim may wait for work before it is answered 204.
MAX_CLAIM_WAIT = 20.0

T = TypeVar("T")


class CompletionWaiter:
    """Wakes the requests that wait in this process: a worker's claim when a commit
    makes work due (`ServiceContext.subscribe_work`), a wait for an end when that end
    is committed (`wait_ended`).

    The service calls listeners on the committing thread, so the listener only schedules
    a wake-up on each waiting request's event loop. No waiter holds a thread while it
    waits (each look at the store borrows one for the read), and `close` ends every wait
    at once, so a server shutting down is not held up by long-polls. A claim is not
    woken by commits that make nothing due (an execution's end, most checkpoints): with
    several workers long-polling, each such commit would cost a claim query apiece."""

    def __init__(self, ctx: ServiceContext, threads: BlockingCalls) -> None:
        self._ctx = ctx
        self._threads = threads
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        # Waits for an end, woken by that end (`wait_ended`) and by `close`, not by
        # every commit.
        self._ending: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._closed = False
        ctx.subscribe_work(self._work_due)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End every wait now and every later one at once: the server is stopping."""
        self._closed = True
        self._changed()
        with self._lock:
            ending = list(self._ending)
        self._wake(ending)

    def _work_due(self, due_at: int) -> None:
        """Work falls due at `due_at` (0: now or unknown): wake the claims if it is due
        already; later work is found by their next look (every POLL_SECONDS)."""
        if due_at <= self._ctx.now():
            self._changed()

    def _changed(self) -> None:
        with self._lock:
            waiting = list(self._waiting)
        self._wake(waiting)

    @staticmethod
    def _wake(waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
        for loop, event in waiting:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop has closed
                pass

    async def poll(self, attempt: Callable[[], T | None], timeout: float) -> T | None:
        """Run `attempt` (on a worker thread) until it returns something or `timeout`
        seconds pass, trying again after each commit of this process that makes work due
        and at least every POLL_SECONDS (for commits of other processes and work that
        becomes due by time alone). A worker's long-poll for invocations waits here."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        entry = (loop, event)
        deadline = loop.time() + timeout
        with self._lock:
            self._waiting.add(entry)
        try:
            while True:
                event.clear()
                found = await self._threads.run(attempt)
                if found is not None:
                    return found
                remaining = deadline - loop.time()
                if remaining <= 0 or self._closed:
                    return None
                try:
                    await asyncio.wait_for(event.wait(), min(remaining, POLL_SECONDS))
                except TimeoutError:
                    pass
        finally:
            with self._lock:
                self._waiting.discard(entry)

    async def wait_ended(self, arn: str, timeout: float) -> Execution:
        """The execution as last committed, once it has ended or `timeout` seconds have
        passed (or the server is stopping), whichever comes first. Raises
        ResourceNotFoundError if there is no such execution.

        An end this process commits is handed to the wait by the commit itself
        (`commit_signal`), so the wait reads no row for it and sleeps through the
        commits of other executions; it reads the row at first, when told of nothing
        for POLL_SECONDS (ends committed by other processes), and when it runs out."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        entry = (loop, event)
        deadline = loop.time() + timeout
        signal = commit_signal(self._ctx)

        def wake() -> None:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop has closed
                pass

        def read() -> Execution:
            return queries.get_execution(self._ctx, arn)

        with self._lock:
            self._ending.add(entry)
        try:
            with signal.watch(arn, wake) as watch:
                cached = self._ctx.cached_execution(arn)
                execution = cached if cached is not None else await self._threads.run(read)
                fresh = cached is None
                while execution.status not in TERMINAL_EXECUTION_STATUSES:
                    remaining = deadline - loop.time()
                    if remaining <= 0 or self._closed:
                        break
                    try:
                        await asyncio.wait_for(event.wait(), min(remaining, POLL_SECONDS))
                    except TimeoutError:
                        pass
                    event.clear()
                    if watch.execution is not None:
                        return watch.execution
                    execution, fresh = await self._threads.run(read), True
                else:
                    return execution
                # Ran out (or the server is stopping): the row, not a cache of it.
                return execution if fresh else await self._threads.run(read)
        finally:
            with self._lock:
                self._ending.discard(entry)

    async def wait_terminal(self, arn: str, timeout: float) -> Execution | None:
        """The execution once it has ended, or None if it is still running at `timeout`."""
        execution = await self.wait_ended(arn, timeout)
        return execution if execution.status in TERMINAL_EXECUTION_STATUSES else None


@dataclass
class ApiContext:
    ctx: ServiceContext
    metrics: Metrics = field(default_factory=Metrics)
    invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT
    waiter: CompletionWaiter | None = None
    max_claim_wait: float = MAX_CLAIM_WAIT
    # Where routes run their blocking calls (the service's); see `threads`.
    threads: BlockingCalls = field(default_factory=BlockingCalls)

    def __post_init__(self) -> None:
        if self.waiter is None:
            self.waiter = CompletionWaiter(self.ctx, self.threads)
