"""A heartbeat refused because the worker has just reported its invocation is not a lost
lease: the heartbeat thread takes its list of held invocations, one of them ends and is
reported meanwhile, and the server then refuses its heartbeat. Warning "lost the lease"
for that would send operators looking for a fault that never happened."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from perdure._runtime.registry import registry_from_modules
from perdure._runtime.worker import Worker, _Held
from perdure._sdk.transport.http_transport import HttpTransport
from perdure._service import start
from tests.workers.support import MODULE, serve

CLAIM = "/perdure/v1/invocations/claim"


@pytest.mark.parametrize("reporting", [True, False])
def test_a_heartbeat_refused_after_the_report_is_not_a_lost_lease(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, reporting: bool
) -> None:
    with serve(str(tmp_path / "perdure.sqlite")) as server:
        arn = start.start_execution(server.app.ctx, "charge_then_ship", '{"id": "x"}').arn
        worker = Worker(
            server.base_url, registry_from_modules([MODULE]), isolation="thread", worker_id="w1"
        )
        transport = HttpTransport(server.base_url)
        body = {"WorkerId": "w1", "Functions": ["charge_then_ship"], "LeaseSeconds": 30}
        _, doc = transport.call("POST", CLAIM, {**body, "WaitSeconds": 5}, timeout=10)
        [claimed] = doc["Invocations"]
        held = _Held(claimed["RequestId"], arn, "charge_then_ship", claimed["Event"])
        held.reporting = reporting
        # The invocation ends (here: reported by hand) before its heartbeat is sent.
        transport.call(
            "POST",
            f"/perdure/v1/invocations/{held.request_id}/complete",
            {"DurableExecutionArn": arn, "WorkerId": "w1", "Output": {"Status": "PENDING"}},
        )
        try:
            with caplog.at_level(logging.DEBUG, logger="perdure"):
                worker._heartbeat(held)
        finally:
            worker._transport.close()
            transport.close()
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    if reporting:
        assert not warned, [r.getMessage() for r in warned]
        assert not held.lost
    else:  # a refusal while the handler still runs is a lease really lost
        assert held.lost
        assert any("lost the lease" in r.getMessage() for r in warned)
