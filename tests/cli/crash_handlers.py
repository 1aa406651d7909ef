"""Handlers that end their own process, for the process-isolation tests: as a module
(`perdure worker tests.cli.crash_handlers`, the test runner) and as a file
(`perdure dev tests/cli/crash_handlers.py`).

`crash_once` crashes the first time its step runs (a marker file remembers) and then
succeeds, so a test sees one failed invocation followed by a successful retry.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step


def _crash(how: str, release: str | None) -> None:
    if how == "exit":
        os._exit(3)
    if how == "segfault":
        ctypes.string_at(0)  # reads address 0: SIGSEGV
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer sends
    if how == "fork-then-exit":
        # A grandchild that inherits the pipe to the parent and outlives the child: the
        # invocation must still end when the child does. It waits for the test.
        if os.fork() == 0:
            deadline = time.monotonic() + 60
            while release and not Path(release).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            os._exit(0)
        os._exit(4)
    raise ValueError(f"unknown crash {how!r}")


@durable_step
def crash_first_time(step_ctx: StepContext, marker: str, how: str, release: str | None) -> str:
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        _crash(how, release)
    return f"survived {how}"


@durable_execution
def crash_once(event: Any, context: DurableContext) -> str:
    return context.step(
        crash_first_time(event["marker"], event.get("how", "exit"), event.get("release"))
    )


def _exit_code(code: int) -> None:
    os._exit(code)


@durable_execution
def starts_a_process(event: Any, context: DurableContext) -> int | None:
    """A handler that runs a process of its own, as handlers may."""

    def run(step: StepContext) -> int | None:
        proc = multiprocessing.get_context("fork").Process(target=_exit_code, args=(7,))
        proc.start()
        proc.join()
        return proc.exitcode

    return context.step(run, name="subprocess")
