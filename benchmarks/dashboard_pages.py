"""How fast the dashboard's pages render with 100,000 executions in the store.

    .venv/bin/python benchmarks/dashboard_pages.py [--executions 100000] [--repeat 40]
                                                   [--db postgresql://USER@HOST/DB]

Fills a fresh database (SQLite in a temporary folder, or a fresh PostgreSQL database
`perdure_bench_dashboard` created on the server `--db` names and dropped after) with
`--executions` executions of eight functions, started one second apart over a day, most
ended (SUCCEEDED, a few FAILED, STOPPED or TIMED_OUT) and some still RUNNING, each
with a 1 KiB input; then runs a handful of real executions through the embedded
dispatcher (40 steps, a map of 20 and a parallel, a wait, a callback, a step retried
twice) so the detail page has a full operation tree, timeline and history to draw.

Each page is requested through the dashboard's ASGI app in this process (parse, the
service's reads, rendering, headers; no socket), `--repeat` times after two warm-up
requests, and the median and 90th percentile printed in milliseconds. The target is
200 ms for each.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from perdure import DurableContext, StepConfig, StepContext, durable_execution
from perdure._app import EmbeddedApp, build_embedded, embedded_api, embedded_site, open_store
from perdure._engine.lifecycle import start_execution as engine_start
from perdure._model import ErrorObject, Execution, ExecutionStatus
from perdure._model.state import InvocationState
from perdure._service import queries
from perdure._service.start import start_execution
from perdure._store.store import Store
from perdure.config import Duration, WaitForCallbackConfig
from perdure.retries import RetryDecision

FUNCTIONS = [
    "process_order",
    "send_invoice",
    "ship_parcel",
    "refund",
    "sync_catalog",
    "nightly_report",
    "onboard_user",
    "charge_card",
]
DAY_MS = 86_400_000
INPUT = '{"order": "' + "x" * 1000 + '"}'


# -- the executions with a full detail page ------------------------------------------------


def _double(ctx: DurableContext, item: int, index: int, items: Any) -> int:
    return ctx.step(lambda _: item * 2, name=f"double-{index}")


def _returns(value: int) -> Callable[[StepContext], int]:
    return lambda _: value


def _left(ctx: DurableContext) -> str:
    return ctx.step(lambda _: "l", name="left")


def _right(ctx: DurableContext) -> str:
    return ctx.step(lambda _: "r", name="right")


_tries: dict[str, int] = {}


def _retry_soon(error: Exception, attempt: int) -> RetryDecision:
    return (
        RetryDecision.retry(Duration.from_seconds(1)) if attempt < 3 else RetryDecision.no_retry()
    )


@durable_execution
def busy(event: Any, context: DurableContext) -> Any:
    """40 steps, a map of 20, a parallel of two, a wait, a step that fails twice, and a
    callback: about 100 operations and 250 events."""
    total = 0
    for i in range(40):
        total += context.step(_returns(i), name=f"step-{i}")
    doubled = context.map(list(range(20)), _double, name="doubles")
    context.parallel([_left, _right], name="sides")
    context.wait(Duration.from_seconds(1), name="breather")
    key = str(event["key"])

    def flaky(_: Any) -> str:
        _tries[key] = _tries.get(key, 0) + 1
        if _tries[key] < 3:
            raise RuntimeError(f"attempt {_tries[key]} failed")
        return "ok"

    context.step(flaky, name="flaky", config=StepConfig(retry_strategy=_retry_soon))
    answer = context.wait_for_callback(
        lambda callback_id, ctx: None,
        name="approval",
        config=WaitForCallbackConfig(timeout=Duration.from_hours(24)),
    )
    return {"total": total, "doubled": len(doubled.get_results()), "answer": answer}


# -- filling the store ---------------------------------------------------------------------


def _status(i: int) -> tuple[ExecutionStatus, int | None]:
    """Most executions succeeded; every 50th failed, every 200th stopped, every 500th
    timed out; the newest 2% still run."""
    if i % 50 == 7:
        return ExecutionStatus.FAILED, 1_200
    if i % 200 == 11:
        return ExecutionStatus.STOPPED, 60_000
    if i % 500 == 13:
        return ExecutionStatus.TIMED_OUT, 3_600_000
    return ExecutionStatus.SUCCEEDED, 150 + i % 900


def arn_of(i: int) -> str:
    """The ARN `fill` gives its `i`th execution."""
    function = FUNCTIONS[i % len(FUNCTIONS)]
    return (
        f"arn:aws:lambda:us-east-1:000000000000:function:{function}:$LATEST"
        f"/durable-execution/{function}-{i:06d}/id-{i:06d}"
    )


def fill(store: Store, count: int, base_ms: int) -> None:
    """`count` executions started a second apart from `base_ms`, none of them queued
    for a worker (nothing here runs their functions)."""
    running_from = count - count // 50
    for i in range(count):
        function = FUNCTIONS[i % len(FUNCTIONS)]
        start = base_ms + i * 1000
        if i >= running_from:
            status, took = ExecutionStatus.RUNNING, None
        else:
            status, took = _status(i)
        name = f"{function}-{i:06d}"
        execution = Execution(
            arn=arn_of(i),
            execution_id=f"id-{i:06d}",
            name=name,
            function_name=function,
            version="$LATEST",
            status=status,
            start_timestamp=start,
            input_payload=INPUT,
            result='{"ok": true}' if status is ExecutionStatus.SUCCEEDED else None,
            error=ErrorObject("card declined", "Declined")
            if status is ExecutionStatus.FAILED
            else None,
            end_timestamp=None if took is None else start + took,
        )
        state, transition = engine_start(execution, start)
        transition.record = dataclasses.replace(transition.record, invocation=InvocationState.IDLE)
        if took is not None:
            transition.timers_set.clear()
        store.create_execution(state, transition)


def run_busy(app: EmbeddedApp, n: int) -> list[str]:
    ctx = app.ctx
    arns = [start_execution(ctx, "busy", f'{{"key": "b{i}"}}').arn for i in range(n)]
    for arn in arns:
        deadline = time.monotonic() + 60
        while True:
            view_ops = ctx.store.load(arn)
            assert view_ops is not None
            callbacks = [
                op.callback_details.callback_id
                for op in view_ops[1].ops.values()
                if op.callback_details is not None and op.status.value == "STARTED"
            ]
            if callbacks and callbacks[0]:
                from perdure._service import callbacks as callback_use_case

                callback_use_case.send_success(ctx, callbacks[0], b'"approved"')
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{arn} never reached its callback")
            time.sleep(0.05)
    for arn in arns:
        deadline = time.monotonic() + 30
        while queries.get_execution(ctx, arn).status is ExecutionStatus.RUNNING:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{arn} did not end")
            time.sleep(0.05)
    return arns


# -- requesting pages ------------------------------------------------------------------------


async def _get(asgi: Any, target: str) -> tuple[int, int]:
    parts = urlsplit(target)
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "headers": [(b"host", b"127.0.0.1:9014")],
    }
    status = 0
    size = 0

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            size += len(message.get("body", b""))

    await asyncio.wait_for(asyncio.shield(asgi(scope, receive, send)), 60)
    return status, size


def timed(asgi: Any, target: str, repeat: int) -> tuple[float, float, int]:
    """(median ms, p90 ms, page bytes) of `repeat` requests after two warm-ups."""
    samples: list[float] = []
    size = 0
    for i in range(repeat + 2):
        started = time.perf_counter()
        status, size = asyncio.run(_get(asgi, target))
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{target} answered {status}")
        if i >= 2:
            samples.append(elapsed)
    samples.sort()
    p90 = samples[min(len(samples) - 1, int(len(samples) * 0.9))]
    return statistics.median(samples), p90, size


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield str(Path(folder) / "dashboard.db")
        return
    import psycopg

    name = "perdure_bench_dashboard"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db", help="a PostgreSQL server to measure on instead of SQLite")
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    # Started over the last day or so, within every function's retention.
    base_ms = int(time.time() * 1000) - args.executions * 1000 - DAY_MS
    with database(args.db) as db:
        store = open_store(db, synchronous="OFF")
        try:
            started = time.perf_counter()
            fill(store, args.executions, base_ms)
            print(f"filled {args.executions:,} executions in {time.perf_counter() - started:.1f} s")
        finally:
            store.close()
        app = build_embedded(db, {"busy": busy}, synchronous="OFF", invoker="thread")
        try:
            busy_arns = run_busy(app, 3)
            asgi = embedded_site(app, embedded_api(app), auth=None, invoker="thread")
            last = args.executions - 1
            middle = args.executions // 2
            deep_key = f"{base_ms + middle * 1000}~id-{middle:06d}"
            hour = dt.datetime.fromtimestamp(base_ms / 1000 + middle, dt.UTC)
            hour_range = (
                f"from={hour:%Y-%m-%dT%H:%M}&to={hour + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
            )
            pages = [
                ("list: newest 50", "/ui/executions"),
                ("list: newest 200", "/ui/executions?size=200"),
                ("list: one function", "/ui/executions?function=refund"),
                ("list: FAILED (2%)", "/ui/executions?status=FAILED"),
                (
                    "list: TIMED_OUT of one function",
                    "/ui/executions?function=sync_catalog&status=TIMED_OUT",
                ),
                ("list: name prefix", f"/ui/executions?name={FUNCTIONS[last % 8]}-0999"),
                ("list: an hour's range", f"/ui/executions?{hour_range}"),
                ("list: page in the middle", f"/ui/executions?older={quote(deep_key)}"),
                (
                    "detail: 1 step, 1 KiB input",
                    "/ui/execution?arn=" + quote(arn_of(middle), safe=""),
                ),
                ("detail: ~100 operations", "/ui/execution?arn=" + quote(busy_arns[0], safe="")),
                ("functions", "/ui/functions"),
                ("health", "/ui/health"),
            ]
            print(f"{'page':36} {'median':>9} {'p90':>9} {'bytes':>9}")
            for label, target in pages:
                median, p90, size = timed(asgi, target, args.repeat)
                print(f"{label:36} {median:7.1f} ms {p90:7.1f} ms {size:9,}")
        finally:
            app.close()


if __name__ == "__main__":
    main()
