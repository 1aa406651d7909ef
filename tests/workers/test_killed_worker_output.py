"""A worker SIGKILLed while its handler processes talk to it: each of them finds its
pipe broken mid-call and exits with one line, not a traceback, in the log the worker
shared with them."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from perdure._service import start
from tests.chaos.processes import descendants_of
from tests.workers.support import serve, wait_until, workers

CONCURRENCY = 4
GONE = "exits: the process that invoked it is gone"


def _running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


def test_handler_processes_of_a_killed_worker_exit_without_tracebacks(tmp_path: Path) -> None:
    output = tmp_path / "worker.log"
    with serve(str(tmp_path / "perdure.sqlite")) as server:
        with workers(server.base_url, tmp_path / "record.txt") as running:
            victim = running.start(concurrency=CONCURRENCY, isolation="process", output=output)
            for i in range(CONCURRENCY):
                start.start_execution(server.app.ctx, "chatter", f'{{"id": "{i}"}}')

            def all_chatting() -> bool:
                return len({ln[1] for ln in running.lines() if ln[0] == "chatting"}) == CONCURRENCY

            wait_until(all_chatting, 20, "every handler process to be talking to the worker")
            handlers = descendants_of(victim.pid)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=5)
            wait_until(lambda: not _running(handlers), 10, "the handler processes to exit")

    text = output.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text
    assert len([line for line in text.splitlines() if GONE in line]) <= CONCURRENCY, text
