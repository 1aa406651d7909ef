"""What running each invocation in its own process costs, next to running it on a thread.

    .venv/bin/python benchmarks/isolation_cost.py [--runs 100]

Two embedded apps (as `perdure dev` builds them, SQLite with durable commits), one with
`invoker="thread"` and one with `invoker="process"`, run the same executions in turn so
that drift in the disk's speed hits both alike. Prints the median (and p90) time from
starting an execution to seeing it SUCCEEDED, for a one-step handler (one invocation,
one checkpoint) and a ten-step one (one invocation, ten checkpoints: each crosses the
pipe to the parent), and the one-off cost of the first process invocation (the fork
server starting and importing Perdure and the handler's module).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from perdure import DurableContext, durable_execution
from perdure._app import EmbeddedApp, build_embedded
from perdure._model import ExecutionStatus
from perdure._service import queries, start

# Imported by name in the children: this file's folder is on sys.path when run as a script.
MODULE = Path(__file__).stem


@durable_execution
def one_step(event: object, context: DurableContext) -> int:
    return context.step(lambda _: 1, name="only")


@durable_execution
def ten_steps(event: object, context: DurableContext) -> int:
    return sum(context.step(lambda _, i=i: i, name="s") for i in range(10))


def run_once(app: EmbeddedApp, function: str) -> float:
    started = time.perf_counter()
    arn = start.start_execution(app.ctx, function, "{}").arn
    while True:
        ex = queries.get_execution(app.ctx, arn)
        if ex.status is not ExecutionStatus.RUNNING:
            break
        time.sleep(0.0005)
    elapsed = time.perf_counter() - started
    assert ex.status is ExecutionStatus.SUCCEEDED, ex
    return elapsed


def summary(samples: list[float]) -> str:
    p90 = statistics.quantiles(samples, n=10)[-1]
    return f"median {statistics.median(samples) * 1000:6.2f} ms (p90 {p90 * 1000:6.2f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    functions = {"one": f"{MODULE}:one_step", "ten": f"{MODULE}:ten_steps"}
    with tempfile.TemporaryDirectory() as tmp:
        apps = {
            kind: build_embedded(str(Path(tmp) / f"{kind}.db"), functions, invoker=kind)
            for kind in ("thread", "process")
        }
        try:
            first = run_once(apps["process"], "one")
            run_once(apps["thread"], "one")
            samples: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.runs):
                for function in ("one", "ten"):
                    for kind, app in apps.items():
                        samples.setdefault((kind, function), []).append(run_once(app, function))
        finally:
            for app in apps.values():
                app.close()
    print(f"first process invocation (fork server start): {first * 1000:.0f} ms")
    for function, label in (("one", "one step"), ("ten", "ten steps")):
        thread = samples[("thread", function)]
        process = samples[("process", function)]
        extra = statistics.median(process) - statistics.median(thread)
        print(f"{label:>9}  thread:  {summary(thread)}")
        print(f"{label:>9}  process: {summary(process)}  (+{extra * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
