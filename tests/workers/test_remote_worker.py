"""A `perdure worker` process runs executions for a server it reaches only over HTTP:
claims under a lease, checkpoints through the Lambda API, survives a wait and a callback
between invocations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tests.workers.support import serve, wait_until, workers


def lambda_client(base_url: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=base_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def test_a_worker_process_runs_steps_a_wait_and_a_callback(tmp_path: Path) -> None:
    with serve(str(tmp_path / "perdure.sqlite")) as server:
        with workers(server.base_url, tmp_path / "record.txt") as running:
            running.start(concurrency=2, lease_seconds=5)
            client = lambda_client(server.base_url)
            resp = client.invoke(
                FunctionName="flow", InvocationType="Event", Payload=json.dumps({"n": 20})
            )
            arn = str(resp["DurableExecutionArn"])
            callback_id = wait_until(
                lambda: next((ln[1] for ln in running.lines() if ln[0] == "callback"), None),
                10,
                "the worker to create the callback",
            )
            client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"ok")
            wait_until(lambda: server.status(arn) != "RUNNING", 10, "the execution to end")
            got = client.get_durable_execution(DurableExecutionArn=arn)
            history = server.history(arn)
    assert got["Status"] == "SUCCEEDED", history
    assert json.loads(got["Result"]) == {"added": 21, "doubled": 42, "answer": "ok"}
    kinds = [e.event_type.value for e in history]
    assert kinds.count("WaitSucceeded") == 1
    assert kinds.count("CallbackSucceeded") == 1
    completed = [e for e in history if e.event_type.value == "InvocationCompleted"]
    # Started, after the wait, after the callback: at least three invocations, none failed.
    assert len(completed) >= 3
    assert all("Error" not in e.details for e in completed)
