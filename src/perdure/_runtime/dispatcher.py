"""The dispatcher: fire due timers, run due invocations on a bounded pool, repeat.

It sleeps until the next timer is due or until a commit signals new work, so an idle
runtime costs nothing. Commits say when the work they made falls due
(`ServiceContext.subscribe_work`): one that made nothing due (an execution that ended)
does not wake it, nor does one whose work is due after its longest sleep (a new
execution's timeout), since the next look plans its sleep from the store anyway; so it
looks for timers, due invocations and expired leases when there may be something to
find, not on every commit. It looks again at least every second in real time, for
leases and for what other processes commit when the store cannot tell it. With a manual clock
it never moves time itself; the test runner does, and only while a test waits for
something.

A new execution of this process whose function it runs skips the dispatcher altogether
when the pool has room (a free thread, or a place in its queue, which holds as many
invocations as there are threads): the start reserves the place, creates the execution
with its first invocation claimed in the same commit, and submits it to the pool
(`_service.local_runner`). When a look leaves due work unclaimed for want of a thread,
the next pool thread to finish claims one itself and runs it, rather than waking the
dispatcher to claim it and hand it back to a pool thread.

A server whose handlers run in remote workers uses it without an invoker
(`Dispatcher.scheduler`): it then fires timers and gives up on expired leases but
never claims an invocation, since it has nothing to run it with. Everything it acts on
is in the store, so any number of server processes can run one each: a timer is fired
by the one whose commit wins the row-version race, and the others find it gone.

The loop cannot die. A pass that raises (a database locked past the busy timeout, a
full disk, a dropped connection) is logged once per distinct cause, reported to the
process's liveness registry for `/health`, and retried with a backoff of up to two
seconds; the first good pass logs the recovery. Likewise an invocation whose outcome
cannot be recorded is retried until it is, or until its lease is lost.

Leases are what the store knows of who runs what, so they are kept honest: the owner
id is unique per process (`owners.process_owner_id`), only as many invocations are
claimed as there are idle threads, and each lease is short and renewed every third of
its length while the invocation runs. At start, and every few seconds, leases held by
processes on this machine that no longer exist are given up at once, so a restarted
`perdure dev` resumes a killed one's invocations within a retry backoff.

In real time each pass also deletes executions that ended longer ago than their
function's retention period (`retention.prune_due`, at most once a minute when idle).
"""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor

from perdure._clock import monotonic, real_sleep
from perdure._model import ErrorObject, InvocationInput, InvocationOutput
from perdure._runtime import owners
from perdure._runtime.invokers import Invoker, Outcome, failure_of
from perdure._runtime.registry import Registry
from perdure._service import invocations, retention, timers
from perdure._service.context import ServiceContext
from perdure._service.invocations import ClaimedInvocation

log = logging.getLogger("perdure.dispatcher")

# How often a scheduler-only dispatcher looks for timers and expired leases when no
# local commit wakes it.
_SCHEDULER_POLL = 0.25
# Lease of an invocation run here; renewed every third of it while it runs.
DEFAULT_LEASE_MS = 30_000
# How often leases of dead local processes are looked for.
_DEAD_OWNER_SCAN_SECONDS = 5.0
# The longest a real-time dispatcher sleeps between looks (`_sleep_seconds`).
_MAX_SLEEP_MS = 1_000
# Backoff of a failing pass: doubles from the first to the last.
_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 2.0


class Dispatcher:
    def __init__(
        self,
        ctx: ServiceContext,
        registry: Registry,
        invoker: Invoker | None,
        *,
        workers: int = 8,
        owner: str | None = None,
        lease_ms: int = DEFAULT_LEASE_MS,
        real_time: bool = True,
    ) -> None:
        self._ctx = ctx
        self._registry = registry
        self._invoker = invoker
        self._workers = workers
        self._owner = owner or owners.process_owner_id()
        self._lease_ms = lease_ms
        self._real_time = real_time
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="perdure-invoke")
        self._wake = threading.Event()  # set: look for work now
        self._idle = threading.Condition()
        self._running: dict[str, str] = {}  # arn -> request id
        self._reserved = 0  # places promised to starts (`reserve`), not yet handed over
        self._active = 0  # pool threads inside `_run`; the rest of `_running` is queued
        self._backlog = False  # the last look left due work unclaimed for want of threads
        self._plan = threading.Condition(threading.Lock())  # the loop sleeps on it
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._name = "dispatcher" if invoker is not None else "scheduler"
        self._health = ctx.liveness.loop(self._name)
        self._last_renewal = monotonic()
        self._last_owner_scan: float | None = None
        ctx.subscribe_work(self.kick)

    @classmethod
    def scheduler(cls, ctx: ServiceContext, *, real_time: bool = True) -> Dispatcher:
        """A dispatcher that only keeps time: fires due timers and expires leases, and
        leaves invocations to remote workers."""
        return cls(ctx, Registry(), None, workers=1, real_time=real_time)

    @property
    def runs_invocations(self) -> bool:
        return self._invoker is not None

    @property
    def owner(self) -> str:
        return self._owner

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="perdure-dispatch", daemon=True)
        self._thread.start()
        if self._invoker is not None and self._ctx.local_runner is None:
            self._ctx.local_runner = self

    def stop(self) -> None:
        if self._ctx.local_runner is self:
            self._ctx.local_runner = None
        self._stopped = True
        self.kick()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._ctx.liveness.forget(self._name)

    def kick(self, due_at: int = 0) -> None:
        """Work falls due at `due_at` (epoch ms by the service's clock; 0: unknown, look).
        Work due within the longest sleep is looked for at once, as before hints
        existed; work due later needs no wake-up, since the next look plans its sleep
        from the store and sleeps at most that long."""
        if due_at > self._ctx.now() + _MAX_SLEEP_MS:
            return
        self._wake.set()
        with self._plan:
            self._plan.notify()

    # -- runs handed over by starts (`_service.local_runner`) ---------------------------

    def reserve(self, function_name: str) -> _Reservation | None:
        """A place on the pool for the first invocation of a new execution, or None:
        a free thread, or else one of `workers` places in the pool's queue, so that a
        burst of starts larger than the pool still claims each invocation in the
        commit that creates it instead of costing a claim commit and a look for due
        work later. A queued invocation is in `_running`, so its lease is renewed like
        a running one's, and a finishing thread runs it before claiming anything new
        (`_next_job`)."""
        if self._stopped or function_name not in self._registry:
            return None
        with self._idle:
            if len(self._running) + self._reserved >= 2 * self._workers:
                return None
            self._reserved += 1
        return _Reservation(self, function_name)

    def _run_reserved(self, claimed: ClaimedInvocation) -> None:
        arn = claimed.arn
        with self._idle:
            self._reserved -= 1
            self._running[arn] = claimed.request_id
        try:
            self._pool.submit(self._run, claimed)
        except RuntimeError:  # shut down: the lease runs out and the invocation is retried
            with self._idle:
                self._running.pop(arn, None)
                self._idle.notify_all()

    def _release(self) -> None:
        with self._idle:
            self._reserved -= 1
            backlog = self._backlog
            self._idle.notify_all()
        if backlog:
            self.kick()

    # -- idleness (for tests and graceful shutdown) -----------------------------------

    def is_idle(self) -> bool:
        """Nothing running, no tick under way or asked for, and nothing due. The flags
        change together under `_idle` (a finished invocation asks for a tick before it
        leaves `_running`; a tick is marked busy before its wake-up is cleared), so no
        work can slip between them unseen."""
        with self._idle:
            if self._running or self._reserved or self._busy or self._wake.is_set():
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
        failures = 0
        while not self._stopped:
            with self._idle:
                self._busy = True
                self._wake.clear()
            try:
                self._tick()
                sleep = self._sleep_seconds()
            except Exception as exc:  # the loop outlives every error; see the module doc
                failures += 1
                sleep = min(_MAX_BACKOFF, _FIRST_BACKOFF * 2 ** (failures - 1))
                if self._health.failed(exc):
                    log.warning(
                        "%s pass failed, retrying every %.0f s at most until it succeeds: %s",
                        self._name,
                        _MAX_BACKOFF,
                        exc,
                    )
            else:
                if self._health.ok():
                    log.warning("%s recovered after %d failed passes", self._name, failures)
                failures = 0
            finally:
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()
            self._sleep(sleep)

    def _sleep(self, seconds: float) -> None:
        """Until the planned look, or until a kick asks for one sooner."""
        deadline = monotonic() + seconds
        with self._plan:
            while not self._wake.is_set() and not self._stopped:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    return
                self._plan.wait(remaining)

    def _sleep_seconds(self) -> float:
        if not self._real_time:
            return 0.5
        if self._invoker is None:
            return self._timers_sleep_seconds(_SCHEDULER_POLL)
        longest = _MAX_SLEEP_MS / 1000
        with self._idle:
            backlog = self._backlog
        if backlog:
            # Due invocations wait for a thread, and the thread that frees claims one
            # itself (`_next_job`): sleeping until they are due would spin.
            return self._timers_sleep_seconds(longest)
        nxt = self._ctx.store.next_wakeup()
        if nxt is None:
            return longest
        return max(0.0, min(longest, (nxt - self._ctx.now()) / 1000))

    def _timers_sleep_seconds(self, bound: float) -> float:
        """Until the next timer, at most `bound` seconds, when queued invocations are
        not this loop's to wait for (`next_wakeup` counts them too): a scheduler leaves
        them to workers, and a dispatcher with every thread busy to its threads. The
        bound also catches timers and leases that other processes committed, which no
        local commit announces."""
        now = self._ctx.now()
        upcoming = self._ctx.store.due_timers(now + int(bound * 1000), 1)
        if not upcoming:
            return bound
        return max(0.0, min(bound, (upcoming[0].due_ms - now) / 1000))

    def _tick(self) -> None:
        if self._real_time:
            self._renew_leases()
            self._release_dead_owners()
        timers.fire_due_timers(self._ctx)
        if self._real_time:
            invocations.expire_leases(self._ctx)
            retention.prune_due(self._ctx)
        if self._invoker is None:
            return
        with self._idle:
            free = self._workers - len(self._running) - self._reserved
            self._backlog = free <= 0
        if free <= 0:
            return
        for arn in invocations.due_invocations(self._ctx, free * 2):
            if free <= 0:
                with self._idle:
                    self._backlog = True
                break
            with self._idle:
                if arn in self._running:
                    continue
            claimed = invocations.claim(self._ctx, arn, self._owner, self._lease_ms)
            if claimed is None:
                continue
            free -= 1
            with self._idle:
                self._running[arn] = claimed.request_id
            self._pool.submit(self._run, claimed)

    def _renew_leases(self) -> None:
        """Extend the lease of every invocation running here, every third of a lease."""
        if monotonic() - self._last_renewal < self._lease_ms / 3000:
            return
        with self._idle:
            running = list(self._running.items())
        for arn, request_id in running:
            invocations.heartbeat(self._ctx, arn, request_id, self._owner, self._lease_ms)
        self._last_renewal = monotonic()

    def _release_dead_owners(self) -> None:
        """Give up at once on leases held by processes of this machine that are gone."""
        now = monotonic()
        if self._last_owner_scan is not None:
            if now - self._last_owner_scan < _DEAD_OWNER_SCAN_SECONDS:
                return
        self._last_owner_scan = now
        for owner in invocations.lease_owners(self._ctx):
            if owners.is_dead_local_owner(owner):
                released = invocations.release_leases_of(self._ctx, owner)
                if released:
                    log.warning(
                        "retrying %d invocations held by %s, a process that exited",
                        released,
                        owner,
                    )

    def _run(self, claimed: ClaimedInvocation) -> None:
        """Run the invocation, record how it ended, and while due work waits for a
        thread, claim the next one and run it here: the thread that claims it runs it,
        with no hand-off through the dispatcher's thread."""
        with self._idle:
            self._active += 1
        try:
            job: ClaimedInvocation | None = claimed
            while job is not None:
                if self._stopped:
                    # Queued when the pool shut down: its lease runs out (or is released
                    # as a dead process's) and the invocation is retried, as for a start
                    # whose hand-over found the pool shut.
                    return
                try:
                    outcome = self._outcome(job)
                    self._record(job.arn, job.request_id, outcome.output, outcome.failure)
                finally:
                    job = self._next_job(job.arn)
        finally:
            with self._idle:
                self._active -= 1

    def _next_job(self, finished: str) -> ClaimedInvocation | None:
        """Free `finished`'s place; then, if the last look left due work unclaimed for
        want of a thread and no invocation already claimed waits in the pool's queue,
        claim one invocation for this thread. What the finished outcome itself made due
        was announced by its commit."""
        with self._idle:
            self._running.pop(finished, None)
            queued = len(self._running) - (self._active - 1)
            backlog = self._backlog and not self._stopped and queued <= 0
            if backlog:
                self._reserved += 1  # this thread's place, while it looks
            self._idle.notify_all()
        if not backlog:
            return None
        job = None
        try:
            job = self._claim_one()
        except Exception as exc:  # the dispatcher's pass retries and reports it
            log.debug("claiming the next invocation on a pool thread failed: %s", exc)
            self.kick()
        finally:
            with self._idle:
                self._reserved -= 1
                if job is not None:
                    self._running[job.arn] = job.request_id
                self._idle.notify_all()
        return job

    def _claim_one(self) -> ClaimedInvocation | None:
        """One due invocation claimed for this thread, or None. Threads finishing at
        once look at the same due invocations, so each tries them in its own order.

        Finding none claimable does not prove the queue empty: the others may have
        taken those it saw, and on PostgreSQL a look skips the rows that concurrent
        looks hold (`SKIP LOCKED`), so it can come back empty while work is queued.
        So the backlog is handed back to the dispatcher, which looks again and plans
        its sleep from the store; asleep on a plan made while every thread was busy,
        it would leave that work waiting for its next timer."""
        due = invocations.due_invocations(self._ctx, 2 * self._workers)
        random.shuffle(due)
        for arn in due:
            with self._idle:
                if arn in self._running:
                    continue
            claimed = invocations.claim(self._ctx, arn, self._owner, self._lease_ms)
            if claimed is not None:
                return claimed
        with self._idle:
            self._backlog = False
        self.kick()
        return None

    def _outcome(self, job: ClaimedInvocation) -> Outcome:
        """How the invocation ended; whatever goes wrong on the way (the function is
        unknown, the handler cannot be loaded, the invoker breaks) is its failure."""
        function_name = job.function_name
        try:
            if function_name not in self._registry:
                return Outcome(
                    None,
                    ErrorObject(
                        message=f"Function not found: {function_name}",
                        type="ResourceNotFoundException",
                    ),
                )
            target = self._registry.target(function_name)
            assert self._invoker is not None  # a scheduler never claims
            return self._invoker.invoke(function_name, target, job.input, job.request_id)
        except Exception as exc:
            log.warning("invocation %s of %s failed to run: %s", job.request_id, job.arn, exc)
            return Outcome(None, failure_of(exc))

    def _record(
        self,
        arn: str,
        request_id: str,
        output: InvocationOutput | None,
        failure: ErrorObject | None,
    ) -> None:
        """Record the outcome, retrying while the store fails: a result computed is not
        thrown away for a locked database. Gives up when stopping (the lease then
        expires and the invocation runs again) or once the invocation is not this
        one's any more."""
        delay, last_cause = _FIRST_BACKOFF, ""
        while True:
            try:
                invocations.finish_invocation(self._ctx, arn, request_id, output, failure)
                return
            except Exception as exc:
                if self._stopped:
                    log.warning("outcome of %s not recorded before stopping: %s", request_id, exc)
                    return
                if str(exc) != last_cause:
                    last_cause = str(exc)
                    log.warning("recording the outcome of %s failed, retrying: %s", request_id, exc)
            real_sleep(delay)
            delay = min(_MAX_BACKOFF, delay * 2)


class _Reservation:
    """A pool thread promised to one start (`Dispatcher.reserve`)."""

    __slots__ = ("_dispatcher", "_function_name")

    def __init__(self, dispatcher: Dispatcher, function_name: str) -> None:
        self._dispatcher = dispatcher
        self._function_name = function_name

    @property
    def owner(self) -> str:
        return self._dispatcher.owner

    @property
    def lease_ms(self) -> int:
        return self._dispatcher._lease_ms

    def run(self, arn: str, request_id: str, inp: InvocationInput) -> None:
        claimed = ClaimedInvocation(arn, request_id, self._function_name, inp)
        self._dispatcher._run_reserved(claimed)

    def release(self) -> None:
        self._dispatcher._release()
