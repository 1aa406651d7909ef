"""A remote step's checkpoint may run on the server's event loop thread, but never waits
there: while another process holds the SQLite database's write lock, the checkpoint
waits on a pool thread and the server keeps answering; once the lock is released the
checkpoint commits, exactly once."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from perdure._api.threads import SHARED_WINDOW
from perdure._sdk.transport.http_transport import HttpTransport
from perdure._service import start
from tests.workers.support import serve

CLAIM = "/perdure/v1/invocations/claim"


def _checkpoint_path(arn: str) -> str:
    return f"/2025-12-01/durable-executions/{quote(arn, safe='')}/checkpoint"


def _step(op_id: str, action: str) -> dict[str, Any]:
    update: dict[str, Any] = {"Id": op_id, "Type": "STEP", "Action": action, "SubType": "Step"}
    if action == "SUCCEED":
        update["Payload"] = "1"
    return update


def test_a_checkpoint_held_up_by_another_processs_write_lock_leaves_the_server_answering(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "perdure.sqlite")
    with serve(path) as server:
        threads = server.app.api.api.threads
        arn = start.start_execution(server.app.ctx, "charge_then_ship", '{"id": "x"}').arn
        transport = HttpTransport(server.base_url)
        body = {"WorkerId": "w1", "Functions": ["charge_then_ship"], "LeaseSeconds": 30}
        _, doc = transport.call("POST", CLAIM, {**body, "WaitSeconds": 5}, timeout=10)
        token = doc["Invocations"][0]["Event"]["CheckpointToken"]
        # Alone and unhindered, a checkpoint needs no thread.
        _, first = transport.call(
            "POST",
            _checkpoint_path(arn),
            {"CheckpointToken": token, "Updates": [_step("a", "START")]},
        )
        assert threads.running == 0

        # The next one comes on another connection: once the first has gone quiet, it
        # would run on the event loop too, if nothing were in its way.
        time.sleep(2 * SHARED_WINDOW)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        answers: list[tuple[int, Any]] = []

        def send_second() -> None:
            late = HttpTransport(server.base_url)  # its connection belongs to this thread
            try:
                update = {
                    "CheckpointToken": first["CheckpointToken"],
                    "Updates": [_step("a", "SUCCEED")],
                }
                answers.append(
                    late.call("POST", _checkpoint_path(arn), update, timeout=30, retry=False)
                )
            finally:
                late.close()

        sender = threading.Thread(target=send_second)
        try:
            sender.start()
            deadline = time.monotonic() + 10
            while threads.running == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            waiting_on_a_thread = threads.running == 1
            probe = HttpTransport(server.base_url)
            health, _ = probe.call("GET", "/health", timeout=5, retry=False)
            probe.close()
            answered_first = not answers
        finally:
            other.execute("ROLLBACK")
            other.close()
            sender.join(30)
        transport.close()
        assert waiting_on_a_thread
        assert health == 200 and answered_first
        [(status, done)] = answers
        assert status == 200
        ops = server.app.ctx.store.load(arn)
        assert ops is not None
        step = ops[1].ops["a"]
        assert step.status.value == "SUCCEEDED"
        assert done["CheckpointToken"] != first["CheckpointToken"]
