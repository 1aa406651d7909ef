"""A worker's long-poll for invocations looks again when a commit makes work due, not on
every commit: with several workers long-polling, each commit that makes nothing due
(an invocation's end) would otherwise cost a claim query apiece."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from perdure._api.context import POLL_SECONDS
from perdure._sdk.transport.http_transport import HttpTransport
from perdure._service import invocations, start
from tests.workers.support import serve

CLAIM = "/perdure/v1/invocations/claim"


def _claim(transport: HttpTransport, functions: list[str], wait: float) -> tuple[int, Any]:
    body = {"WorkerId": "w", "Functions": functions, "LeaseSeconds": 30, "WaitSeconds": wait}
    return transport.call("POST", CLAIM, body, timeout=wait + 10, retry=False)


def test_a_held_claim_looks_again_for_starts_but_not_for_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[tuple[str, ...]] = []
    real = invocations.claim_due

    def counted(ctx: Any, functions: Any, *args: Any) -> Any:
        attempts.append(tuple(functions))
        return real(ctx, functions, *args)

    monkeypatch.setattr(invocations, "claim_due", counted)
    runs = 6
    with serve(str(tmp_path / "perdure.sqlite")) as server:
        held: list[tuple[int, Any]] = []
        waiter = HttpTransport(server.base_url)
        worker = HttpTransport(server.base_url)
        poll = threading.Thread(target=lambda: held.append(_claim(waiter, ["idle"], 2)))
        began = time.monotonic()
        poll.start()
        for i in range(runs):
            arn = start.start_execution(server.app.ctx, "charge_then_ship", f'{{"id": "{i}"}}')
            status, doc = _claim(worker, ["charge_then_ship"], 5)
            assert status == 200
            [claimed] = doc["Invocations"]
            assert claimed["DurableExecutionArn"] == arn.arn
            worker.call(
                "POST",
                f"/perdure/v1/invocations/{claimed['RequestId']}/complete",
                {"DurableExecutionArn": arn.arn, "Output": {"Status": "SUCCEEDED"}},
                retry=False,
            )
            assert server.status(arn.arn) == "SUCCEEDED"
        elapsed = time.monotonic() - began
        idle_looks = attempts.count(("idle",))
        poll.join(10)
        waiter.close()
        worker.close()
    assert held and held[0][0] == 204
    # Its first look, at most one per start (work was due, for somebody) and one per
    # fallback interval gone by; none for the ends.
    assert 1 < idle_looks <= 1 + runs + int(elapsed / POLL_SECONDS) + 1
