"""NaN, Infinity and lone surrogates at the HTTP API: documents that arrive are refused
with a message that names the problem and the fix, payloads a handler produces are kept
byte for byte as AWS's SDK writes them, and every document the API answers with is JSON."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from botocore.exceptions import ClientError

from perdure import DurableContext, durable_execution
from tests.api.server import Served, serve

ARN = (
    "arn:aws:lambda:us-east-1:000000000000:function:ratio:$LATEST"
    "/durable-execution/nobody/00000000-0000-0000-0000-000000000000"
)


@durable_execution
def ratio(event: Any, context: DurableContext) -> Any:
    measured = context.step(lambda _: float("nan"), name="measure")
    return {"ratio": measured, "limit": float("inf"), "text": "\ud800"}


def _no_constant(word: str) -> Any:
    raise AssertionError(f"{word} in a JSON document")


def strict_loads(data: bytes) -> Any:
    """JSON as RFC 8259's grammar reads it: NaN and Infinity fail."""
    return json.loads(data.decode("utf-8"), parse_constant=_no_constant)


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = Path(tmp_path_factory.mktemp("edges")) / "perdure.sqlite"
    with serve(str(db), {"ratio": ratio}) as running:
        yield running


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (b'{"x": NaN}', "NaN is not a JSON number"),
        (b"[Infinity]", "Infinity is not a JSON number"),
        (b'"\\ud800"', "lone UTF-16 surrogate"),
    ],
)
def test_an_invoke_payload_that_is_not_json_is_refused_and_says_why(
    edges: Served, payload: bytes, says: str
) -> None:
    with pytest.raises(ClientError) as caught:
        edges.client().invoke(FunctionName="ratio", InvocationType="Event", Payload=payload)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidRequestContentException"
    assert says in error["Message"]
    assert "nested" not in error["Message"]


def test_a_request_body_with_nan_is_refused_and_says_why(edges: Served) -> None:
    url = urlsplit(edges.base_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    body = b'{"CheckpointToken": "t", "Updates": [], "X": -Infinity}'
    conn.request("POST", f"/2025-12-01/durable-executions/{quote(ARN, safe='')}/checkpoint", body)
    response = conn.getresponse()
    doc = strict_loads(response.read())
    conn.close()
    assert response.status == 400
    assert response.getheader("x-amzn-errortype") == "InvalidParameterValueException"
    assert "-Infinity is not a JSON number" in doc["message"]


def test_a_result_with_nan_is_kept_as_aws_writes_it_and_served_as_json(edges: Served) -> None:
    client = edges.client()
    answer = client.invoke(FunctionName="ratio", Payload=b"{}")
    raw = answer["Payload"].read()
    # NaN and Infinity become null; the lone surrogate stays the escape the SDK wrote.
    assert strict_loads(raw) == {"ratio": None, "limit": None, "text": "\ud800"}
    assert b'"text": "\\ud800"' in raw
    arn = answer["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    execution = client.get_durable_execution(DurableExecutionArn=arn)
    # The stored result is the SDK's bytes, as AWS's SDK writes them.
    assert execution["Result"] == '{"ratio": NaN, "limit": Infinity, "text": "\\ud800"}'
    events = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    step = next(e for e in events if e["EventType"] == "StepSucceeded")
    assert step["StepSucceededDetails"]["Result"]["Payload"] == "NaN"
