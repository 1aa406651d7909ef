"""Authentication on the HTTP API, over real HTTP: bearer tokens, and AWS SigV4 as
botocore really signs it (boto3 with a configured access key), refusals shaped as AWS
shapes them, `/health` open, nothing checked when not required. And callback ids, which
are handed to outside systems as capabilities, carry at least 128 random bits."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import string
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from perdure import DurableContext, durable_execution
from perdure._api import create_app
from perdure._api.auth import (
    AuthConfig,
    AuthenticationError,
    Authenticator,
    InvalidSignatureError,
    auth_required_for,
    canonical_request,
    missing_credentials_message,
    signature,
)
from perdure._api.http import Request
from perdure._app import build_embedded
from perdure._clock import ManualClock
from perdure._runtime.registry import Handler
from tests.api import handlers
from tests.http_serving import serve_in_thread

TOKEN = "s3cret-token-for-tests"
KEY_ID = "AKIDPERDURETEST"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CALLBACKS_PER_EXECUTION = 40


@durable_execution
def many_callbacks(event: Any, context: DurableContext) -> list[str]:
    """Creates callbacks and returns their ids without waiting on them."""
    count = int(event["count"])
    return [context.create_callback(name=f"cb-{i}").callback_id for i in range(count)]


FUNCTIONS: Mapping[str, Handler] = {
    "greet": handlers.greet,
    "awaits-callback": handlers.awaits_callback,
    "many-callbacks": many_callbacks,
}


@contextmanager
def serve(db_path: str, auth: AuthConfig | None) -> Iterator[str]:
    """The API over an embedded app, with an AuthConfig; yields the base URL."""
    app = build_embedded(db_path, FUNCTIONS, synchronous="OFF")
    try:
        with serve_in_thread(create_app(app.ctx, invoke_timeout=30.0, auth=auth)) as url:
            yield url
    finally:
        app.close()


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = Path(tmp_path_factory.mktemp("auth")) / "perdure.sqlite"
    config = AuthConfig(tokens=frozenset({TOKEN}), access_keys={KEY_ID: SECRET}, required=True)
    with serve(str(db), config) as url:
        yield url


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = Path(tmp_path_factory.mktemp("open")) / "perdure.sqlite"
    with serve(str(db), None) as url:
        yield url


def lambda_client(url: str, key_id: str = KEY_ID, secret: str = SECRET) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="eu-west-3",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def http(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """(status, lower-cased headers, parsed JSON body) of a plain HTTP request."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, raw_headers, data = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, raw_headers, data = err.code, err.headers, err.read()
    is_json = "json" in raw_headers.get("content-type", "")
    parsed = json.loads(data) if data and is_json else data
    return status, {k.lower(): v for k, v in raw_headers.items()}, parsed


def invoke_path(function: str) -> str:
    return f"/2015-03-31/functions/{function}/invocations"


def assert_refused(
    status: int, headers: dict[str, str], body: Any, code: str, message: str | None = None
) -> None:
    assert status == 403
    assert headers["x-amzn-errortype"] == code
    assert body["Type"] == "User"
    assert isinstance(body["message"], str) and body["message"]
    if message is not None:
        assert message in body["message"]


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = caught.value.response
    return (
        str(err["Error"]["Code"]),
        str(err["Error"]["Message"]),
        int(err["ResponseMetadata"]["HTTPStatusCode"]),
    )


# -- bearer tokens -----------------------------------------------------------------------


def test_bearer_token_is_accepted(secured: str) -> None:
    status, _, body = http(
        secured + invoke_path("greet"),
        "POST",
        json.dumps("ada").encode(),
        {"Authorization": f"Bearer {TOKEN}"},
    )
    assert status == 200
    assert body == {"hello": "ada"}


def test_wrong_bearer_token_is_refused(secured: str) -> None:
    for value in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", f"bearer {TOKEN}-"):
        status, headers, body = http(
            secured + invoke_path("greet"), "POST", b'"x"', {"Authorization": value}
        )
        assert_refused(status, headers, body, "AccessDeniedException")


def test_bearer_scheme_is_case_insensitive(secured: str) -> None:
    status, _, _ = http(secured + "/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert status == 200


def test_missing_authorization_is_refused_on_every_route_but_health(secured: str) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:greet:$LATEST/durable-execution/a/b"
    quoted = quote(arn, safe="")
    for method, path in [
        ("POST", invoke_path("greet")),
        ("GET", f"/2025-12-01/durable-executions/{quoted}"),
        ("GET", "/2025-12-01/functions/greet/durable-executions"),
        ("POST", "/2025-12-01/durable-execution-callbacks/abc/succeed"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
    ]:
        status, headers, body = http(secured + path, method, b"" if method == "POST" else None)
        assert_refused(
            status, headers, body, "MissingAuthenticationTokenException", "Missing Authentication"
        )


def test_health_is_open(secured: str) -> None:
    status, _, body = http(secured + "/health")
    assert status == 200
    assert body["status"] == "ok"


def test_unknown_scheme_and_malformed_signatures_are_refused_not_500(secured: str) -> None:
    valid_scope = f"Credential={KEY_ID}/20250101/us-east-1/lambda/aws4_request"
    for value in [
        "Basic dXNlcjpwYXNz",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ",
        "AWS4-HMAC-SHA256 Credential",
        "AWS4-HMAC-SHA256 ,,,",
        "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=00",
        f"AWS4-HMAC-SHA256 {valid_scope}, SignedHeaders=host",
        f"AWS4-HMAC-SHA256 {valid_scope}, SignedHeaders=x-amz-date, Signature={'0' * 64}",
        f"AWS4-HMAC-SHA256 {valid_scope}, SignedHeaders=host, Signature={'z' * 64}",
        f"AWS4-HMAC-SHA256 {valid_scope}, {valid_scope}, SignedHeaders=host, Signature=00",
        f"AWS4-HMAC-SHA256 {valid_scope}, SignedHeaders=Host, Signature={'0' * 64}",
    ]:
        status, headers, body = http(secured + "/metrics", headers={"Authorization": value})
        assert_refused(status, headers, body, "IncompleteSignatureException")


def test_signature_without_date_or_with_a_bad_date_is_refused(secured: str) -> None:
    auth = (
        f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20250101/us-east-1/lambda/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={'0' * 64}"
    )
    status, headers, body = http(secured + "/metrics", headers={"Authorization": auth})
    assert_refused(status, headers, body, "IncompleteSignatureException", "X-Amz-Date")
    for date in ("yesterday", "2025-01-01T00:00:00Z", "20250101T0000Z"):
        status, headers, body = http(
            secured + "/metrics", headers={"Authorization": auth, "X-Amz-Date": date}
        )
        assert_refused(status, headers, body, "IncompleteSignatureException", "X-Amz-Date")


# -- AWS Signature Version 4, as botocore signs ------------------------------------------


def test_boto3_with_the_configured_access_key_is_accepted(secured: str) -> None:
    client = lambda_client(secured)
    resp = client.invoke(FunctionName="greet", Payload=json.dumps("grace"))
    assert resp["StatusCode"] == 200
    assert json.loads(resp["Payload"].read()) == {"hello": "grace"}
    arn = resp["DurableExecutionArn"]
    # A GET with the ARN percent-encoded as one path segment (signed double-encoded) ...
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"
    # ... one with a query string (signed with its parameters sorted) ...
    listed = client.list_durable_executions_by_function(
        FunctionName="greet", Statuses=["SUCCEEDED", "RUNNING"], MaxItems=5, ReverseOrder=True
    )
    assert any(e["DurableExecutionArn"] == arn for e in listed["DurableExecutions"])
    # ... and a paginated history read.
    pages = client.get_paginator("get_durable_execution_history").paginate(
        DurableExecutionArn=arn, PaginationConfig={"PageSize": 1}
    )
    assert sum(len(p["Events"]) for p in pages) >= 3


def test_boto3_settles_a_callback_with_a_raw_body(secured: str) -> None:
    client = lambda_client(secured)
    started = client.invoke(FunctionName="awaits-callback", InvocationType="Event", Payload=b"{}")
    arn = started["DurableExecutionArn"]
    deadline = time.monotonic() + 10
    callback_id = None
    while callback_id is None:
        assert time.monotonic() < deadline
        for ev in client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]:
            if ev["EventType"] == "CallbackStarted":
                callback_id = ev["CallbackStartedDetails"]["CallbackId"]
        time.sleep(0.01)
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"yes"')
    while client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"


def test_boto3_with_a_wrong_secret_is_refused(secured: str) -> None:
    client = lambda_client(secured, secret=SECRET + "x")
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName="greet", Payload=b'"x"')
    code, message, status = error_of(caught)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert "signature we calculated does not match" in message


def test_boto3_with_an_unknown_access_key_is_refused(secured: str) -> None:
    client = lambda_client(secured, key_id="AKIDNOBODY")
    with pytest.raises(ClientError) as caught:
        client.list_durable_executions_by_function(FunctionName="greet")
    assert error_of(caught) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        403,
    )


def test_a_tampered_body_breaks_the_signature(secured: str) -> None:
    """Sign one body, send another: the payload hash is part of what is signed, and a
    declared X-Amz-Content-SHA256 must be the body's."""
    client = lambda_client(secured)

    def swap_body(request: Any, **_: Any) -> None:
        # As long as the signed one, so the request stays well-formed HTTP.
        request.body = b'"bobby"'

    client.meta.events.register_last("before-send.lambda.Invoke", swap_body)
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName="greet", Payload=b'"alice"')
    assert error_of(caught)[0] == "InvalidSignatureException"

    client = lambda_client(secured)

    def declare_hash(request: Any, **_: Any) -> None:
        request.headers["X-Amz-Content-SHA256"] = "0" * 64

    client.meta.events.register("before-sign.lambda.Invoke", declare_hash)
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName="greet", Payload=b'"alice"')
    code, message, _ = error_of(caught)
    assert code == "InvalidSignatureException"
    assert "x-amz-content-sha256" in message


def test_bearer_and_sigv4_both_work_against_one_config(secured: str) -> None:
    status, _, _ = http(secured + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert lambda_client(secured).list_durable_executions_by_function(FunctionName="greet")


def test_signatures_are_dated_within_fifteen_minutes() -> None:
    """Checked against a manual clock: the same signed request is good at its date and
    within 15 minutes either side, refused beyond."""
    signed_at = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)
    amz_date = signed_at.strftime("%Y%m%dT%H%M%SZ")
    body = b'{"a":1}'
    headers = {"host": "perdure.example:8080", "x-amz-date": amz_date}
    request = Request("POST", "/p", {}, {}, headers, body)
    signed = ("host", "x-amz-date")
    canonical = canonical_request(
        "POST", "/p", "b=2&a=1", signed, request, hashlib.sha256(body).hexdigest()
    )
    sig = signature(SECRET, amz_date, "us-east-1", "lambda", canonical)
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={KEY_ID}/{amz_date[:8]}/us-east-1/lambda/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={sig}"
    )
    request = Request("POST", "/p", {}, {}, headers, body)
    base_ms = int(signed_at.timestamp() * 1000)
    config = AuthConfig(access_keys={KEY_ID: SECRET}, required=True)
    for offset_s, good in [(0, True), (-899, True), (899, True), (-901, False), (901, False)]:
        auth = Authenticator(config, ManualClock(base_ms + offset_s * 1000))
        if good:
            auth.check(request, raw_path="/p", raw_query="a=1&b=2")
        else:
            with pytest.raises(InvalidSignatureError, match=r"Signature (expired|not yet)"):
                auth.check(request, raw_path="/p", raw_query="a=1&b=2")


LATIN1 = st.characters(min_codepoint=32, max_codepoint=255)
SIGV4_PIECES = st.sampled_from(
    [
        "AWS4-HMAC-SHA256 ",
        "Bearer ",
        f"Credential={KEY_ID}/20250101/us-east-1/lambda/aws4_request",
        "SignedHeaders=host;x-amz-date",
        f"Signature={'a' * 64}",
        ", ",
        ",",
        "=",
        ";",
        "/",
        " ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    authorization=st.one_of(
        st.text(LATIN1, max_size=200), st.lists(SIGV4_PIECES, max_size=12).map("".join)
    ),
    amz_date=st.one_of(st.none(), st.text(LATIN1, max_size=20), st.just("20250101T000000Z")),
    content_hash=st.one_of(st.none(), st.text(LATIN1, max_size=70)),
    raw_path=st.text(LATIN1, max_size=60),
    raw_query=st.text(LATIN1, max_size=60),
)
def test_any_authorization_header_is_accepted_or_refused_never_crashes(
    authorization: str,
    amz_date: str | None,
    content_hash: str | None,
    raw_path: str,
    raw_query: str,
) -> None:
    headers = {"authorization": authorization, "host": "h"}
    if amz_date is not None:
        headers["x-amz-date"] = amz_date
    if content_hash is not None:
        headers["x-amz-content-sha256"] = content_hash
    config = AuthConfig(tokens=frozenset({TOKEN}), access_keys={KEY_ID: SECRET}, required=True)
    request = Request("POST", raw_path, {}, {}, headers, b"{}")
    try:
        Authenticator(config).check(request, raw_path=raw_path, raw_query=raw_query)
    except AuthenticationError as refusal:
        assert refusal.status == 403
    else:
        raise AssertionError(f"accepted {authorization!r}")


# -- no authentication -------------------------------------------------------------------


def test_nothing_is_checked_when_not_required(open_server: str) -> None:
    status, _, body = http(open_server + invoke_path("greet"), "POST", b'"lin"')
    assert (status, body) == (200, {"hello": "lin"})
    status, _, _ = http(
        open_server + "/metrics", headers={"Authorization": "Bearer whatever-you-like"}
    )
    assert status == 200
    client = lambda_client(open_server, key_id="anything", secret="anything")
    assert client.invoke(FunctionName="greet", Payload=b'"x"')["StatusCode"] == 200


# -- configuration and the listening rule ------------------------------------------------


@pytest.mark.parametrize(
    ("host", "required"),
    [
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("localhost", False),
        ("LOCALHOST", False),
        ("::1", False),
        ("[::1]", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.20", True),
        ("10.0.0.1", True),
        ("example.com", True),
        ("", True),
    ],
)
def test_auth_is_required_beyond_loopback(host: str, required: bool) -> None:
    assert auth_required_for(host) is required


def test_the_startup_message_names_the_address_and_the_ways_out() -> None:
    text = missing_credentials_message("0.0.0.0", 8080)
    assert "listen on 0.0.0.0:8080 without credentials" in text
    assert "127.0.0.1" in text


def test_config_refuses_to_require_credentials_nobody_has() -> None:
    with pytest.raises(ValueError, match="no bearer token or access key"):
        AuthConfig(required=True)
    with pytest.raises(ValueError, match="bearer token"):
        AuthConfig(tokens=frozenset({""}), required=True)
    with pytest.raises(ValueError, match="secret"):
        AuthConfig(access_keys={KEY_ID: ""}, required=True)


def test_config_keeps_secrets_out_of_its_repr() -> None:
    config = AuthConfig(tokens=frozenset({TOKEN}), access_keys={KEY_ID: SECRET}, required=True)
    for text in (repr(config), str(config)):
        assert TOKEN not in text
        assert SECRET not in text


# -- callback ids ------------------------------------------------------------------------


def test_callback_ids_carry_at_least_128_random_bits(open_server: str) -> None:
    """Ids from real executions: each is long enough over its alphabet for 128 bits,
    none repeats, and their characters are spread evenly (no counter, clock or other
    structure taking the place of randomness)."""
    client = lambda_client(open_server)
    ids: list[str] = []
    for _ in range(10):
        resp = client.invoke(
            FunctionName="many-callbacks",
            Payload=json.dumps({"count": CALLBACKS_PER_EXECUTION}),
        )
        assert resp["StatusCode"] == 200, resp
        ids.extend(json.loads(resp["Payload"].read()))
    assert len(ids) == 10 * CALLBACKS_PER_EXECUTION
    assert len(set(ids)) == len(ids)
    alphabet = set("".join(ids))
    assert alphabet <= set(string.hexdigits.lower())
    assert all(len(i) * 4 >= 128 for i in ids)  # 4 bits per hex digit
    # Every hex digit, in every position, about 1/16 of the time.
    counts = Counter("".join(ids))
    expected = len("".join(ids)) / 16
    assert len(counts) == 16
    assert all(0.75 * expected < n < 1.25 * expected for n in counts.values()), counts
    for position in range(len(ids[0])):
        column = Counter(i[position] for i in ids)
        assert len(column) >= 12, (position, column)
