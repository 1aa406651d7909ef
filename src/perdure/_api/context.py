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
    """Wakes requests waiting for an execution to end whenever the service commits.

    The service calls listeners on the committing thread, so the listener only schedules
    a wake-up on each waiting request's event loop. No waiter holds a thread while it
    waits (each look at the store borrows one for the read), and `close` ends every wait
    at once, so a server shutting down is not held up by long-polls."""

    def __init__(self, ctx: ServiceContext, threads: BlockingCalls) -> None:
        self._ctx = ctx
        self._threads = threads
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._closed = False
        ctx.subscribe(self._changed)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End every wait now and every later one at once: the server is stopping."""
        self._closed = True
        self._changed()

    def _changed(self) -> None:
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop has closed
                pass

    async def poll(self, attempt: Callable[[], T | None], timeout: float) -> T | None:
        """Run `attempt` (on a worker thread) until it returns something or `timeout`
        seconds pass, trying again after each commit of this process and at least every
        POLL_SECONDS (for commits of other processes and work that becomes due by time
        alone). A worker's long-poll for invocations waits here."""
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
        ResourceNotFoundError if there is no such execution."""

        def look() -> Execution | None:
            execution = queries.get_execution(self._ctx, arn)
            latest[:] = [execution]
            return execution if execution.status in TERMINAL_EXECUTION_STATUSES else None

        latest: list[Execution] = []
        ended = await self.poll(look, timeout)
        return ended if ended is not None else latest[0]

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
