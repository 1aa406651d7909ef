"""The embedded runtime keeps going through store faults and slow handlers: a database
locked by another connection, a full disk, a handler that cannot be imported, steps that
outlast their lease. Each test runs the real dispatcher on a real SQLite file and makes
the fault real (a second connection's exclusive lock, SQLite's page limit)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure._clock import SystemClock
from perdure._config import RetryPolicy
from perdure._model import ExecutionStatus
from perdure._runtime.dispatcher import Dispatcher
from perdure._runtime.embedded_client import EmbeddedClient
from perdure._runtime.invokers import ThreadInvoker
from perdure._runtime.registry import Handler, Registry
from perdure._service import monitoring, queries, start
from perdure._service.context import ServiceContext, ServiceSettings
from perdure._store.sqlite import SqliteStore
from perdure.config import Duration

FAST_RETRIES = ServiceSettings(
    retry=RetryPolicy(max_consecutive_failures=3, first_backoff_seconds=0.05)
)


@dataclass
class Runtime:
    store: SqliteStore
    ctx: ServiceContext
    dispatcher: Dispatcher

    def start(self, function: str, payload: str = "{}") -> str:
        return start.start_execution(self.ctx, function, payload).arn

    def status(self, arn: str) -> ExecutionStatus:
        return queries.get_execution(self.ctx, arn).status

    def wait_settled(self, arns: list[str], timeout: float) -> float:
        """Seconds until every execution in `arns` ended; fails the test at `timeout`."""
        began = time.monotonic()
        while True:
            pending = [a for a in arns if self.status(a) is ExecutionStatus.RUNNING]
            if not pending:
                return time.monotonic() - began
            if time.monotonic() - began > timeout:
                pytest.fail(f"{len(pending)} of {len(arns)} executions still running")
            time.sleep(0.05)

    def event_types(self, arn: str) -> list[str]:
        return [e.event_type for e in queries.all_events(self.ctx, arn)]


@contextmanager
def runtime(
    db: Path,
    functions: Mapping[str, Handler | str],
    *,
    busy_timeout_ms: int = 200,
    lease_ms: int = 30_000,
    workers: int = 4,
    clock: SystemClock | None = None,
) -> Iterator[Runtime]:
    """The embedded runtime's parts, assembled as `build_embedded` does, over a store
    whose busy timeout is short enough for a test to outlast it."""
    store = SqliteStore(str(db), synchronous="NORMAL", busy_timeout_ms=busy_timeout_ms)
    registry = Registry(functions)
    the_clock = clock or SystemClock()
    ctx = ServiceContext(store, the_clock, FAST_RETRIES, functions=lambda n: n in registry)
    invoker = ThreadInvoker(EmbeddedClient(ctx), SystemClock())
    dispatcher = Dispatcher(ctx, registry, invoker, workers=workers, lease_ms=lease_ms)
    store.watch(dispatcher.kick)
    dispatcher.start()
    try:
        yield Runtime(store, ctx, dispatcher)
    finally:
        dispatcher.stop()
        store.close()


@contextmanager
def exclusive_lock(db: Path) -> Iterator[None]:
    """Another connection holds the database's write lock while the block runs."""
    other = sqlite3.connect(str(db), timeout=10, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@durable_execution
def short_wait(event: Any, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(1), name="pause")
    return "done"


def dispatcher_health(rt: Runtime) -> dict[str, Any]:
    healthy, doc = monitoring.health_report(rt.ctx)
    loop: dict[str, Any] = doc["loops"]["dispatcher"]
    return {"healthy": healthy, **loop}


def store_health(rt: Runtime) -> tuple[bool, Any]:
    healthy, doc = monitoring.health_report(rt.ctx)
    return healthy, doc["store"]


@durable_step
def big_result(step_ctx: StepContext) -> str:
    return "x" * 200_000


@durable_execution
def wait_then_write(event: Any, context: DurableContext) -> int:
    context.wait(Duration.from_seconds(1), name="pause")
    return len(context.step(big_result()))


def test_the_dispatcher_survives_a_lock_held_past_the_busy_timeout(tmp_path: Path) -> None:
    db = tmp_path / "perdure.db"
    with runtime(db, {"short_wait": short_wait}) as rt:
        arns = [rt.start("short_wait") for _ in range(5)]
        wait_until(lambda: all("WaitStarted" in rt.event_types(a) for a in arns), 10, "the waits")
        with exclusive_lock(db):
            # The timers come due while the lock is held: the dispatcher's passes fail.
            wait_until(lambda: not dispatcher_health(rt)["healthy"], 10, "/health to fail")
            health = dispatcher_health(rt)
            assert health["status"] == "failing"
            assert "locked" in health["error"]
            time.sleep(1.0)  # well past the busy timeout, many failed passes
            assert all(rt.status(a) is ExecutionStatus.RUNNING for a in arns)
        released = time.monotonic()
        rt.wait_settled(arns, timeout=10)
        assert time.monotonic() - released < 5
        assert dispatcher_health(rt)["healthy"]
        assert all(rt.status(a) is ExecutionStatus.SUCCEEDED for a in arns)


def test_the_runtime_resumes_once_a_full_disk_is_freed(tmp_path: Path) -> None:
    db = tmp_path / "perdure.db"
    with runtime(db, {"wait_then_write": wait_then_write}) as rt:
        arns = [rt.start("wait_then_write") for _ in range(3)]
        wait_until(lambda: all("WaitStarted" in rt.event_types(a) for a in arns), 10, "the waits")
        # SQLite's page limit is a full disk as far as the writer can tell: the steps'
        # results need pages the database may not grow to. The file is vacuumed first,
        # so no page is free either (the migrations free some when they rebuild a
        # table). (A small write that fits in the unused part of a page may still
        # succeed and report the store healthy for a moment, as on a nearly full disk,
        # so the report is the one seen when it failed.)
        with rt.store._lock:
            rt.store._db.execute("VACUUM")
        pages = rt.store._db.execute("PRAGMA page_count").fetchone()[0]
        rt.store._db.execute(f"PRAGMA max_page_count={pages}")
        try:
            failed: list[Any] = []

            def store_failed() -> bool:
                healthy, store = store_health(rt)
                if not healthy:
                    failed.append(store)
                return not healthy

            wait_until(store_failed, 15, "/health to fail")
            store = failed[0]
            assert store["reason"] == "disk_full" and "full" in store["error"]
            time.sleep(1.0)
            assert all(rt.status(a) is ExecutionStatus.RUNNING for a in arns)
        finally:
            rt.store._db.execute("PRAGMA max_page_count=1073741823")
        freed = time.monotonic()
        rt.wait_settled(arns, timeout=15)
        assert time.monotonic() - freed < 8
        assert [rt.status(a) for a in arns] == [ExecutionStatus.SUCCEEDED] * 3
        wait_until(lambda: store_health(rt)[0], 10, "/health to recover")
        assert rt.store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_handler_that_fails_to_import_is_a_failed_invocation_retried_then_failed(
    tmp_path: Path,
) -> None:
    with runtime(tmp_path / "perdure.db", {"broken": "tests.integration.no_such_module:h"}) as rt:
        arn = rt.start("broken")
        rt.wait_settled([arn], timeout=15)
        assert rt.status(arn) is ExecutionStatus.FAILED
        events = queries.all_events(rt.ctx, arn)
        completed = [e for e in events if e.event_type == "InvocationCompleted"]
        assert len(completed) == FAST_RETRIES.retry.max_consecutive_failures
        error = completed[0].details["Error"]["Payload"]
        assert error["ErrorType"] == "ModuleNotFoundError"
        assert "no_such_module" in error["ErrorMessage"]


RUNS: dict[str, int] = {}
RUNS_LOCK = threading.Lock()


@durable_step
def slow_step(step_ctx: StepContext, key: str) -> str:
    with RUNS_LOCK:
        RUNS[key] = RUNS.get(key, 0) + 1
    time.sleep(1.5)
    return key


@durable_execution
def one_slow_step(event: Any, context: DurableContext) -> str:
    return context.step(slow_step(event["key"]))


def test_steps_longer_than_the_lease_and_a_queue_longer_than_the_pool_run_once(
    tmp_path: Path,
) -> None:
    """Leases are renewed while a step runs, and nothing waits in a pool queue under a
    lease: 8 steps of 1.5 s on 2 threads with a 600 ms lease each run exactly once."""
    RUNS.clear()
    with runtime(tmp_path / "perdure.db", {"slow": one_slow_step}, lease_ms=600, workers=2) as rt:
        arns = [rt.start("slow", f'{{"key": "k{i}"}}') for i in range(8)]
        rt.wait_settled(arns, timeout=30)
        assert all(rt.status(a) is ExecutionStatus.SUCCEEDED for a in arns)
        assert RUNS == {f"k{i}": 1 for i in range(8)}
        for arn in arns:
            assert rt.event_types(arn).count("InvocationCompleted") == 1


def test_each_dispatcher_owns_its_leases_under_an_id_of_its_own(tmp_path: Path) -> None:
    with runtime(tmp_path / "a.db", {}) as a, runtime(tmp_path / "b.db", {}) as b:
        assert a.dispatcher.owner != b.dispatcher.owner
        host, pid, _ = a.dispatcher.owner.split(":")
        assert host and int(pid) > 1


class AheadClock(SystemClock):
    """Real time plus an offset a test moves: days pass at once, as for a server that
    runs for weeks."""

    offset_ms = 0

    def now_ms(self) -> int:
        return super().now_ms() + self.offset_ms


@durable_execution
def quick(event: Any, context: DurableContext) -> str:
    return "done"


def test_the_dispatcher_deletes_executions_past_their_retention(tmp_path: Path) -> None:
    clock = AheadClock()
    with runtime(tmp_path / "perdure.db", {"quick": quick}, clock=clock) as rt:
        old = rt.start("quick")
        rt.wait_settled([old], timeout=10)
        clock.offset_ms = 13 * 86_400_000
        recent = rt.start("quick")
        rt.wait_settled([recent], timeout=10)
        rt.ctx.next_prune_at = 0  # look now, not in a minute
        clock.offset_ms = 15 * 86_400_000  # the first is 15 days old, the second 2
        rt.dispatcher.kick()
        wait_until(lambda: rt.store.get_execution(old) is None, 10, "the old one's deletion")
        assert rt.store.events(old, 0, 10, False) == []
        assert rt.status(recent) is ExecutionStatus.SUCCEEDED
