"""Raw HTTP against the API: malformed paths, queries and bodies on every route get a 4xx
in the AWS error shape, never a 5xx; plus the operator endpoints.

schemathesis (test_fuzz.py) cannot put a `/` inside a path parameter, so it never sends a
well-formed execution ARN; this property test does (percent-encoded, as botocore sends
it), so malformed input also reaches the service behind the parser.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perdure._service import queries as service_queries
from tests.api.server import Served

KNOWN_ARN = (
    "arn:aws:lambda:us-east-1:000000000000:function:greet:$LATEST"
    "/durable-execution/nobody/00000000-0000-0000-0000-000000000000"
)
ARN_ROUTES = [
    ("POST", "/checkpoint"),
    ("GET", "/state"),
    ("GET", ""),
    ("DELETE", ""),
    ("GET", "/history"),
    ("POST", "/stop"),
    ("POST", "/pause"),
    ("POST", "/resume"),
]
CALLBACK_ROUTES = [("POST", "/succeed"), ("POST", "/fail"), ("POST", "/heartbeat")]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
checkpoint_like = st.fixed_dictionaries(
    {},
    optional={
        "CheckpointToken": st.text(max_size=30),
        "Updates": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "Id": st.text(max_size=10),
                    "Type": st.sampled_from(["STEP", "WAIT", "X", 3]),
                    "Action": st.sampled_from(["START", "SUCCEED", "NOPE"]),
                    "WaitOptions": json_values,
                },
            ),
            max_size=3,
        ),
        "ClientToken": json_values,
        "Reason": json_values,
        "ExecutionTimeoutPaused": json_values,
        "ErrorMessage": json_values,
    },
)
bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=64),
    json_values.map(lambda v: json.dumps(v).encode()),
    checkpoint_like.map(lambda v: json.dumps(v).encode()),
    st.just(b"[" * 5000),
)
arns = st.one_of(
    st.just(KNOWN_ARN),
    st.text(max_size=40),
    st.builds(
        lambda fn, name, ident: (
            f"arn:aws:lambda:us-east-1:000000000000:function:{fn}:$LATEST"
            f"/durable-execution/{name}/{ident}"
        ),
        st.from_regex(r"[a-z-]{1,10}", fullmatch=True),
        st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
        st.from_regex(r"[a-z0-9-]{1,36}", fullmatch=True),
    ),
)
queries = st.lists(
    st.tuples(
        st.sampled_from(
            [
                *("MaxItems", "Marker", "ReverseOrder", "IncludeExecutionData"),
                *("CheckpointToken", "Statuses", "StartedAfter", "Qualifier", "x"),
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=4,
)


def send(
    served: Served,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(served.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def assert_aws_error(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert 400 <= status < 500, (status, body[:300])
    assert headers.get("x-amzn-errortype"), headers
    doc: dict[str, Any] = json.loads(body)
    assert doc["Type"] == "User"
    assert isinstance(doc.get("message") or doc.get("Message"), str)
    assert "Traceback" not in body.decode()
    return doc


def query_string(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


@given(route=st.sampled_from(ARN_ROUTES), arn=arns, body=bodies, query=queries, raw=st.booleans())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_execution_routes_refuse_bad_input_in_the_aws_shape(
    served: Served,
    route: tuple[str, str],
    arn: str,
    body: bytes,
    query: list[tuple[str, str]],
    raw: bool,
) -> None:
    method, suffix = route
    # `raw` sends the ARN's slashes unencoded, as a careless client would.
    segment = quote(arn, safe="/" if raw else "")
    path = f"/2025-12-01/durable-executions/{segment}{suffix}?{query_string(query)}"
    status, headers, data = send(served, method, path, body)
    assert_aws_error(status, headers, data)


@given(
    route=st.sampled_from(CALLBACK_ROUTES),
    callback_id=st.text(min_size=1, max_size=40),
    body=bodies,
)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_callback_routes_refuse_bad_input_in_the_aws_shape(
    served: Served, route: tuple[str, str], callback_id: str, body: bytes
) -> None:
    method, suffix = route
    path = f"/2025-12-01/durable-execution-callbacks/{quote(callback_id, safe='')}{suffix}"
    status, headers, data = send(served, method, path, body)
    assert_aws_error(status, headers, data)


@given(
    function=st.sampled_from(["greet", "no-such-fn", "arn:aws:lambda:x", "a" * 300, "%ZZ"]),
    body=bodies,
    kind=st.sampled_from(["Event", "DryRun", "Bogus"]),
    name=st.sampled_from(["", "bad name", "x" * 80]),
)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_invoke_refuses_bad_input_in_the_aws_shape(
    served: Served, function: str, body: bytes, kind: str, name: str
) -> None:
    headers = {"X-Amz-Invocation-Type": kind, "X-Amz-Durable-Execution-Name": name}
    path = f"/2015-03-31/functions/{function}/invocations"
    status, got, data = send(served, "POST", path, body, headers)
    if status < 400:  # a well-formed DryRun of a registered function
        assert kind == "DryRun" and function == "greet" and status == 204
        return
    assert_aws_error(status, got, data)


def test_unknown_routes_and_methods(served: Served) -> None:
    status, headers, body = send(served, "GET", "/2025-12-01/nothing-here")
    assert status == 404
    assert assert_aws_error(status, headers, body)
    status, headers, body = send(served, "PUT", "/health")
    assert status == 405 and headers["allow"] == "GET"
    assert_aws_error(status, headers, body)


def test_an_oversized_body_is_refused_before_it_is_read(served: Served) -> None:
    headers = {"Content-Length": str(64 * 1024 * 1024)}
    status, got, _ = send(served, "POST", "/2015-03-31/functions/greet/invocations", b"", headers)
    assert status == 413
    assert got["x-amzn-errortype"] == "RequestTooLargeException"


def test_health_and_metrics(served: Served) -> None:
    status, headers, body = send(served, "GET", "/health")
    health = json.loads(body)
    assert status == 200 and (health["status"], health["store"]) == ("ok", "ok")
    assert health["loops"] and all(loop["status"] == "ok" for loop in health["loops"].values())
    served.client().invoke(FunctionName="greet", Payload=b"{}")
    status, headers, body = send(served, "GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    text = body.decode()
    assert 'perdure_http_requests_total{operation="Invoke",status="200"}' in text
    assert 'perdure_invocations_total{type="RequestResponse",outcome="succeeded"}' in text
    assert 'perdure_executions{status="SUCCEEDED"}' in text
    assert "perdure_checkpoint_duration_seconds_bucket" in text
    assert "perdure_due_timers " in text and "perdure_expired_leases " in text
    status, _, body = send(served, "GET", "/openapi.json")
    doc = json.loads(body)
    operations = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert "CheckpointDurableExecution" in operations and "Invoke" in operations


def test_an_unexpected_error_is_a_generic_service_exception(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service_queries, "get_execution", broken)
    with pytest.raises(ClientError) as caught:
        served.client().get_durable_execution(DurableExecutionArn=KNOWN_ARN)
    error = caught.value.response["Error"]
    assert error["Code"] == "ServiceException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "secret" not in error["Message"] and "Traceback" not in error["Message"]
    assert "secret internals" in caplog.text
