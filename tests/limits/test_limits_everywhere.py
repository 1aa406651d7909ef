"""One set of limits in every mode: what the test runner refuses, `perdure dev`'s
embedded runtime and a server with remote workers refuse too, with the same error, so
code that passes its tests does not break in production."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from perdure._api import create_app
from perdure._app import build_embedded, build_server
from perdure._model.limits import MIB
from perdure.errors import RequestTooLargeError
from perdure.testing import DurableTestRunner
from tests.http_serving import serve_in_thread
from tests.limits.handlers import big_step, echo
from tests.limits.modes import MODES, running

OVER_ONE_MIB = 2 * MIB


def outcome(doc: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    return doc["Status"], doc.get("Error")


@pytest.mark.parametrize("size", [OVER_ONE_MIB, 7 * MIB])  # 7 MiB: over the model's max too
def test_a_step_result_over_the_checkpoint_limit_fails_the_same_way_in_every_mode(
    tmp_path: Path, size: int
) -> None:
    outcomes = {}
    for mode in MODES:
        with running(mode, tmp_path, "big_step", big_step) as (start, result):
            outcomes[mode] = outcome(result(start({"size": size})))
    status, error = outcomes["runner"]
    assert status == "FAILED"
    assert error is not None
    assert error["ErrorType"] == "perdure.exceptions.CheckpointError"
    assert f"STEP operation 'big' payload is {size + 2} bytes" in error["ErrorMessage"]
    assert "over the 1048576-byte limit" in error["ErrorMessage"]
    assert outcomes["embedded"] == outcomes["runner"]
    assert outcomes["server"] == outcomes["runner"]


def test_a_step_result_within_the_limit_succeeds_in_every_mode(tmp_path: Path) -> None:
    for mode in MODES:
        with running(mode, tmp_path, "big_step", big_step) as (start, result):
            doc = result(start({"size": MIB - 2}))  # the JSON string adds its quotes
        assert doc["Status"] == "SUCCEEDED", (mode, doc.get("Error"))


def test_an_input_over_the_asynchronous_invoke_limit_is_refused_the_same_way_in_every_mode(
    tmp_path: Path,
) -> None:
    too_big = "y" * OVER_ONE_MIB
    messages = {}
    for mode in MODES:
        with running(mode, tmp_path, "echo", echo) as (start, _):
            with pytest.raises(RequestTooLargeError) as refused:
                start(too_big)
        messages[mode] = refused.value.message
    assert "The input payload is 2097154 bytes, over the 1048576-byte limit" in messages["runner"]
    assert "`perdure invoke`" in messages["runner"]
    assert messages["embedded"] == messages["runner"]
    assert messages["server"] == messages["runner"]


def lambda_client(url: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def test_boto3_sees_the_runners_refusal_as_request_too_large(tmp_path: Path) -> None:
    too_big = json.dumps("y" * OVER_ONE_MIB)
    with DurableTestRunner(echo, function_name="echo") as runner:
        with pytest.raises(RequestTooLargeError) as in_tests:
            runner.run_async("y" * OVER_ONE_MIB)
    app = build_server(str(tmp_path / "server.db"), synchronous="OFF")
    try:
        with serve_in_thread(app.api) as url:
            client = lambda_client(url)
            with pytest.raises(ClientError) as over_http:
                client.invoke(FunctionName="echo", InvocationType="Event", Payload=too_big)
    finally:
        app.close()
    err = over_http.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert err["Error"]["Code"] == "RequestTooLargeException"
    assert err["Error"]["Message"] == in_tests.value.message


def test_a_synchronous_invoke_takes_up_to_six_mib_in_and_out(tmp_path: Path) -> None:
    app = build_embedded(str(tmp_path / "dev.db"), {"echo": echo}, synchronous="OFF")
    try:
        with serve_in_thread(create_app(app.ctx)) as url:
            client = lambda_client(url)
            value = "y" * OVER_ONE_MIB
            answer = client.invoke(FunctionName="echo", Payload=json.dumps(value))
            with pytest.raises(ClientError) as refused:
                client.invoke(FunctionName="echo", Payload=json.dumps("y" * 6 * MIB))
    finally:
        app.close()
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == value
    assert refused.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert "limit of a synchronous invocation" in refused.value.response["Error"]["Message"]
