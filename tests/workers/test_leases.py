"""Leases fence workers: once a silent worker's lease expires and the invocation is
claimed again, nothing the old worker sends is accepted — not its checkpoints, not its
heartbeat, not its outcome. And a worker told to stop (SIGTERM) finishes what it holds
before it exits."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from perdure._model import OperationAction, OperationType, OperationUpdate
from perdure._sdk.transport.http_client import HttpDurableServiceClient
from perdure._sdk.transport.http_transport import HttpTransport
from perdure._service import start
from perdure.errors import (
    BotoClientError,
    DurableApiErrorCategory,
    InvalidParameterValueError,
    ResourceConflictError,
)
from tests.workers.support import serve, wait_until, workers

CLAIM = "/perdure/v1/invocations/claim"


def claim(transport: HttpTransport, worker: str, lease: int, wait: int) -> dict[str, Any]:
    body = {
        "WorkerId": worker,
        "Functions": ["charge_then_ship"],
        "LeaseSeconds": lease,
        "WaitSeconds": wait,
    }
    status, doc = transport.call("POST", CLAIM, body, timeout=wait + 5, retry=False)
    assert status == 200, "nothing to claim"
    [invocation] = doc["Invocations"]
    return dict(invocation)


def step_start(op_id: str) -> OperationUpdate:
    return OperationUpdate(
        operation_id=op_id,
        operation_type=OperationType.STEP,
        action=OperationAction.START,
        name=op_id,
        sub_type="Step",
    )


def test_a_worker_whose_lease_expired_can_no_longer_write(tmp_path: Path) -> None:
    with serve(str(tmp_path / "perdure.sqlite")) as server:
        arn = start.start_execution(server.app.ctx, "charge_then_ship", '{"id": "x"}').arn
        transport = HttpTransport(server.base_url)
        client = HttpDurableServiceClient(transport)
        old = claim(transport, "old-worker", lease=1, wait=5)
        assert old["DurableExecutionArn"] == arn
        assert old["FunctionName"] == "charge_then_ship"
        old_token = old["Event"]["CheckpointToken"]
        # The old worker writes while it holds the lease...
        old_token = client.checkpoint(arn, old_token, [step_start("a")]).checkpoint_token
        assert old_token
        # ...then goes silent. The scheduler records the invocation as failed and queues
        # it again; another worker claims it.
        new = claim(transport, "new-worker", lease=30, wait=10)
        assert new["DurableExecutionArn"] == arn
        assert new["RequestId"] != old["RequestId"]

        with pytest.raises(InvalidParameterValueError) as caught:
            client.checkpoint(arn, old_token, [step_start("b")])
        error = caught.value
        assert (error.code, error.status) == ("InvalidParameterValueException", 400)
        assert error.message.startswith("Invalid checkpoint token")
        # The SDK takes it as "this invocation is over", not as a failed execution.
        category = BotoClientError.classify(error.code, error.message, error.status)
        assert category is DurableApiErrorCategory.INVOCATION

        prefix = f"/perdure/v1/invocations/{old['RequestId']}"
        for action, body in (
            ("heartbeat", {"DurableExecutionArn": arn, "WorkerId": "old-worker"}),
            ("complete", {"DurableExecutionArn": arn, "Output": {"Status": "SUCCEEDED"}}),
        ):
            with pytest.raises(ResourceConflictError) as refused:
                transport.call("POST", f"{prefix}/{action}", body, retry=False)
            assert (refused.value.code, refused.value.status) == ("ResourceConflictException", 409)

        # The new holder's token works, and sees what the old one recorded in time.
        resp = client.checkpoint(arn, new["Event"]["CheckpointToken"], [step_start("b")])
        assert resp.checkpoint_token
        history = server.history(arn)
        transport.close()
    kinds = [e.event_type.value for e in history]
    assert kinds.count("StepStarted") == 2  # a (old worker, in time) and b (new worker)
    [crashed] = [e for e in history if "Error" in e.details]
    assert crashed.event_type.value == "InvocationCompleted"
    assert crashed.details["RequestId"] == old["RequestId"]
    assert crashed.details["Error"]["Payload"]["ErrorType"] == "Runtime.LeaseExpired"


def test_sigterm_lets_a_worker_finish_what_it_holds_and_exit_0(tmp_path: Path) -> None:
    with serve(str(tmp_path / "perdure.sqlite")) as server:
        with workers(server.base_url, tmp_path / "record.txt") as running:
            proc = running.start(concurrency=2, lease_seconds=2)
            arn = start.start_execution(
                server.app.ctx, "charge_then_ship", '{"id": "d", "seconds": 2.5}'
            ).arn
            wait_until(
                lambda: any(ln[0] == "ship" for ln in running.lines()),
                10,
                "the worker to be in the slow step",
            )
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=12) == 0
            status = server.status(arn)
            history = server.history(arn)
    # Finished by the draining worker itself, its lease kept alive past 2 s meanwhile.
    assert status == "SUCCEEDED"
    completed = [e for e in history if e.event_type.value == "InvocationCompleted"]
    assert len(completed) == 1 and "Error" not in completed[0].details
