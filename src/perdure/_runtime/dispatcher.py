"""The dispatcher: fire due timers, run due invocations on a bounded pool, repeat.

It sleeps until the next timer is due or until a commit signals new work, so an idle
runtime costs nothing. With a manual clock it never moves time itself; the test runner
does, and only while a test waits for something.

A server whose handlers run in remote workers uses it without an invoker
(`Dispatcher.scheduler`): it then fires timers and gives up on expired leases but
never claims an invocation, since it has nothing to run it with. Everything it acts on
is in the store, so any number of server processes can run one each: a timer is fired
by the one whose commit wins the row-version race, and the others find it gone.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from perdure._clock import monotonic
from perdure._model import ErrorObject, InvocationInput
from perdure._runtime.invokers import Invoker
from perdure._runtime.registry import Registry
from perdure._service import invocations, queries, timers
from perdure._service.context import ServiceContext

# How often a scheduler-only dispatcher looks for timers and expired leases when no
# local commit wakes it.
_SCHEDULER_POLL = 0.25


class Dispatcher:
    def __init__(
        self,
        ctx: ServiceContext,
        registry: Registry,
        invoker: Invoker | None,
        *,
        workers: int = 8,
        owner: str = "embedded",
        lease_ms: int = 15 * 60 * 1000,
        real_time: bool = True,
    ) -> None:
        self._ctx = ctx
        self._registry = registry
        self._invoker = invoker
        self._owner = owner
        self._lease_ms = lease_ms
        self._real_time = real_time
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="perdure-invoke")
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._running: set[str] = set()
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        ctx.subscribe(self.kick)

    @classmethod
    def scheduler(cls, ctx: ServiceContext, *, real_time: bool = True) -> Dispatcher:
        """A dispatcher that only keeps time: fires due timers and expires leases, and
        leaves invocations to remote workers."""
        return cls(ctx, Registry(), None, workers=1, real_time=real_time)

    @property
    def runs_invocations(self) -> bool:
        return self._invoker is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="perdure-dispatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def kick(self) -> None:
        self._wake.set()

    # -- idleness (for tests and graceful shutdown) -----------------------------------

    def is_idle(self) -> bool:
        """Nothing running, no tick under way or asked for, and nothing due. The flags
        change together under `_idle` (a finished invocation asks for a tick before it
        leaves `_running`; a tick is marked busy before its wake-up is cleared), so no
        work can slip between them unseen."""
        with self._idle:
            if self._running or self._busy or self._wake.is_set():
                return False
        now = self._ctx.now()
        if self._invoker is None:  # queued invocations are the workers' business
            return not self._ctx.store.due_timers(now, 1)
        nxt = self._ctx.store.next_wakeup()
        return nxt is None or nxt > now

    def wait_idle(self, timeout: float = 30.0) -> bool:
        deadline = monotonic() + timeout
        while True:
            if self.is_idle():
                return True
            remaining = deadline - monotonic()
            if remaining <= 0:
                return False
            with self._idle:
                # Ticks and invocations notify when they end; the bound covers work
                # that is due but not yet asked for.
                self._idle.wait(min(remaining, 0.005))

    # -- loop -------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopped:
            with self._idle:
                self._busy = True
                self._wake.clear()
            try:
                self._tick()
            finally:
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()
            self._wake.wait(self._sleep_seconds())

    def _sleep_seconds(self) -> float:
        if not self._real_time:
            return 0.5
        if self._invoker is None:
            return self._scheduler_sleep_seconds()
        nxt = self._ctx.store.next_wakeup()
        if nxt is None:
            return 1.0
        return max(0.0, min(1.0, (nxt - self._ctx.now()) / 1000))

    def _scheduler_sleep_seconds(self) -> float:
        """Until the next timer, at most `_SCHEDULER_POLL`: `next_wakeup` also counts
        queued invocations, which a scheduler leaves to workers (sleeping until those
        would spin), and the poll bound catches timers and leases that other server
        processes committed, which no local commit announces."""
        now = self._ctx.now()
        upcoming = self._ctx.store.due_timers(now + int(_SCHEDULER_POLL * 1000), 1)
        if not upcoming:
            return _SCHEDULER_POLL
        return max(0.0, min(_SCHEDULER_POLL, (upcoming[0].due_ms - now) / 1000))

    def _tick(self) -> None:
        timers.fire_due_timers(self._ctx)
        if self._real_time:
            invocations.expire_leases(self._ctx)
        if self._invoker is None:
            return
        for arn in invocations.due_invocations(self._ctx):
            with self._idle:
                if arn in self._running:
                    continue
            claimed = invocations.claim_invocation(self._ctx, arn, self._owner, self._lease_ms)
            if claimed is None:
                continue
            request_id, inp = claimed
            with self._idle:
                self._running.add(arn)
            self._pool.submit(self._run, arn, request_id, inp)

    def _run(self, arn: str, request_id: str, inp: InvocationInput) -> None:
        try:
            function_name = queries.get_execution(self._ctx, arn).function_name
            if function_name not in self._registry:
                invocations.finish_invocation(
                    self._ctx,
                    arn,
                    request_id,
                    None,
                    ErrorObject(
                        message=f"Function not found: {function_name}",
                        type="ResourceNotFoundException",
                    ),
                )
                return
            target = self._registry.target(function_name)
            assert self._invoker is not None  # a scheduler never claims
            outcome = self._invoker.invoke(function_name, target, inp, request_id)
            invocations.finish_invocation(
                self._ctx, arn, request_id, outcome.output, outcome.failure
            )
        finally:
            with self._idle:
                self._wake.set()
                self._running.discard(arn)
                self._idle.notify_all()
