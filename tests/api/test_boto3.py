"""boto3's `lambda` client against Perdure's HTTP API, for every durable-execution
operation in botocore's model (and Invoke), with parsed responses checked the way a user
of boto3 sees them: datetimes, ClientError codes and messages."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api import handlers
from tests.api.coverage import covers
from tests.api.server import Served, serve

UNKNOWN_ARN = (
    "arn:aws:lambda:us-east-1:000000000000:function:greet:$LATEST"
    "/durable-execution/nobody/00000000-0000-0000-0000-000000000000"
)


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def status_of(client: Any, arn: str) -> str:
    return str(client.get_durable_execution(DurableExecutionArn=arn)["Status"])


def events(client: Any, arn: str, **kw: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator("get_durable_execution_history").paginate(
        DurableExecutionArn=arn, **kw
    )
    return [ev for page in pages for ev in page["Events"]]


def callback_id(client: Any, arn: str) -> str:
    def find() -> str | None:
        for ev in events(client, arn):
            if ev["EventType"] == "CallbackStarted":
                return str(ev["CallbackStartedDetails"]["CallbackId"])
        return None

    found: str = wait_for(find)
    return found


def invocations_completed(client: Any, arn: str) -> int:
    return sum(e["EventType"] == "InvocationCompleted" for e in events(client, arn))


def start(client: Any, function: str, payload: Any, name: str | None = None) -> str:
    kw: dict[str, Any] = {"DurableExecutionName": name} if name else {}
    resp = client.invoke(
        FunctionName=function, InvocationType="Event", Payload=json.dumps(payload), **kw
    )
    assert resp["StatusCode"] == 202
    return str(resp["DurableExecutionArn"])


# -- Invoke ------------------------------------------------------------------------------


@covers("Invoke")
def test_sync_invoke_waits_for_the_result(served: Served) -> None:
    client = served.client()
    resp = client.invoke(FunctionName="greet", Payload=b'{"who": "ada"}')
    assert resp["StatusCode"] == 200
    assert "FunctionError" not in resp
    assert json.loads(resp["Payload"].read()) == {"hello": {"who": "ada"}}
    assert resp["ExecutedVersion"] == "$LATEST"
    arn = resp["DurableExecutionArn"]
    assert ":function:greet:$LATEST/durable-execution/" in arn
    assert status_of(client, arn) == "SUCCEEDED"


def test_sync_invoke_of_a_failing_function_reports_a_function_error(served: Served) -> None:
    resp = served.client().invoke(FunctionName="fails", Payload=b"{}")
    assert resp["StatusCode"] == 200
    assert resp["FunctionError"] == "Unhandled"
    payload = json.loads(resp["Payload"].read())
    assert "card declined" in payload["errorMessage"]
    assert payload["errorType"]
    assert resp["DurableExecutionArn"]


def test_event_invoke_answers_at_once_and_the_execution_runs(served: Served) -> None:
    client = served.client()
    arn = start(client, "greet", {"n": 1})
    wait_for(lambda: status_of(client, arn) == "SUCCEEDED")


def test_invoke_by_name_is_idempotent_and_refuses_a_different_payload(served: Served) -> None:
    client = served.client()
    first = start(client, "waits-a-day", {"order": 1}, name="order-1")
    again = start(client, "waits-a-day", {"order": 1}, name="order-1")
    assert again == first
    with pytest.raises(ClientError) as caught:
        start(client, "waits-a-day", {"order": 2}, name="order-1")
    assert error_code(caught) == "DurableExecutionAlreadyStartedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_invoke_refusals(served: Served) -> None:
    client = served.client()
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert error_code(caught) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName="greet", Payload=b"{not json")
    assert error_code(caught) == "InvalidRequestContentException"
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName="greet", Payload=b"{}", DurableExecutionName="has spaces")
    assert error_code(caught) == "InvalidParameterValueException"
    assert client.invoke(FunctionName="greet", InvocationType="DryRun")["StatusCode"] == 204


def test_invoke_records_a_numeric_qualifier_in_the_arn(served: Served) -> None:
    client = served.client()
    resp = client.invoke(FunctionName="greet", Qualifier="7", Payload=b"1")
    assert ":function:greet:7/durable-execution/" in resp["DurableExecutionArn"]
    assert resp["ExecutedVersion"] == "7"
    listed = client.list_durable_executions_by_function(FunctionName="greet", Qualifier="7")
    assert [e["DurableExecutionArn"] for e in listed["DurableExecutions"]] == [
        resp["DurableExecutionArn"]
    ]


def test_a_sync_invoke_still_running_at_the_limit_answers_and_the_execution_goes_on(
    tmp_path: Any,
) -> None:
    functions = {"waits-a-day": handlers.waits_a_day}
    with serve(str(tmp_path / "db.sqlite"), functions, invoke_timeout=0.2) as short:
        client = short.client()
        resp = client.invoke(FunctionName="waits-a-day", Payload=b"{}")
        assert resp["StatusCode"] == 200
        assert resp["FunctionError"] == "Unhandled"
        assert json.loads(resp["Payload"].read())["errorType"] == "Sandbox.Timedout"
        assert status_of(client, resp["DurableExecutionArn"]) == "RUNNING"


# -- reads -------------------------------------------------------------------------------


@covers("GetDurableExecution")
def test_get_durable_execution(served: Served) -> None:
    client = served.client()
    resp = client.invoke(FunctionName="greet", Payload=b'{"x": 1}', DurableExecutionName="get-1")
    arn = resp["DurableExecutionArn"]
    got = client.get_durable_execution(DurableExecutionArn=arn)
    assert got["DurableExecutionName"] == "get-1"
    assert got["Status"] == "SUCCEEDED"
    assert got["InputPayload"] == '{"x": 1}'
    assert json.loads(got["Result"]) == {"hello": {"x": 1}}
    assert isinstance(got["StartTimestamp"], dt.datetime)
    assert isinstance(got["EndTimestamp"], dt.datetime)
    assert got["EndTimestamp"] >= got["StartTimestamp"]
    assert abs(got["StartTimestamp"].timestamp() - time.time()) < 60
    assert got["FunctionArn"].endswith(":function:greet:$LATEST")
    bare = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert "InputPayload" not in bare and "Result" not in bare
    assert bare["ExecutionDataIncluded"] is False


def test_unknown_and_malformed_arns(served: Served) -> None:
    client = served.client()
    with pytest.raises(ClientError) as caught:
        client.get_durable_execution(DurableExecutionArn=UNKNOWN_ARN)
    assert error_code(caught) == "ResourceNotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as caught:
        client.get_durable_execution_history(DurableExecutionArn="not-an-arn")
    assert error_code(caught) == "InvalidParameterValueException"
    assert "Invalid Durable Execution ARN" in caught.value.response["Error"]["Message"]


@covers("GetDurableExecutionHistory")
def test_history_pages_in_both_orders_and_can_withhold_data(served: Served) -> None:
    client = served.client()
    arn = client.invoke(FunctionName="many-steps", Payload=b'{"steps": 5}')["DurableExecutionArn"]
    forward = events(client, arn, PaginationConfig={"PageSize": 3})
    ids = [ev["EventId"] for ev in forward]
    assert ids == list(range(1, len(ids) + 1))
    assert len(ids) >= 12  # started, 5 x (started, succeeded), invocation, succeeded
    assert all(isinstance(ev["EventTimestamp"], dt.datetime) for ev in forward)
    assert forward[0]["EventType"] == "ExecutionStarted"
    assert forward[-1]["EventType"] == "ExecutionSucceeded"
    backward = events(client, arn, ReverseOrder=True, PaginationConfig={"PageSize": 4})
    assert [ev["EventId"] for ev in backward] == ids[::-1]
    page = client.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=2)
    assert len(page["Events"]) == 2 and page["NextMarker"]
    withheld = events(client, arn, IncludeExecutionData=False)
    started = withheld[0]["ExecutionStartedDetails"]["Input"]
    assert started == {"Truncated": True}


@covers("ListDurableExecutionsByFunction")
def test_list_executions_filters_and_pages(served: Served) -> None:
    client = served.client()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    arns = [
        client.invoke(
            FunctionName="listed", Payload=b'{"steps": 1}', DurableExecutionName=f"list-{i}"
        )["DurableExecutionArn"]
        for i in range(3)
    ]
    running = start(client, "waits-a-day", {}, name="list-running")
    pages = client.get_paginator("list_durable_executions_by_function").paginate(
        FunctionName="listed", StartedAfter=before, PaginationConfig={"PageSize": 2}
    )
    listed = [e for page in pages for e in page["DurableExecutions"]]
    assert [e["DurableExecutionArn"] for e in listed] == arns[::-1]  # newest first
    assert all(isinstance(e["StartTimestamp"], dt.datetime) for e in listed)
    oldest_first = client.list_durable_executions_by_function(
        FunctionName="listed", StartedAfter=before, ReverseOrder=True
    )
    assert [e["DurableExecutionArn"] for e in oldest_first["DurableExecutions"]] == arns
    named = client.list_durable_executions_by_function(
        FunctionName="listed", DurableExecutionName="list-1"
    )
    assert [e["DurableExecutionArn"] for e in named["DurableExecutions"]] == [arns[1]]
    by_status = client.list_durable_executions_by_function(
        FunctionName="waits-a-day", Statuses=["RUNNING"], StartedAfter=before
    )
    assert running in [e["DurableExecutionArn"] for e in by_status["DurableExecutions"]]
    none = client.list_durable_executions_by_function(FunctionName="listed", StartedBefore=before)
    assert all(e["DurableExecutionArn"] not in arns for e in none["DurableExecutions"])
    with pytest.raises(ClientError) as caught:
        client.list_durable_executions_by_function(FunctionName="many-steps", Statuses=["NOPE"])
    assert error_code(caught) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as caught:
        client.list_durable_executions_by_function(FunctionName="no-such-function")
    assert error_code(caught) == "ResourceNotFoundException"


# -- the handler's calls, over HTTP ------------------------------------------------------


@covers("CheckpointDurableExecution", "GetDurableExecutionState")
def test_a_handler_checkpoints_and_reads_state_over_http(served: Served) -> None:
    client = served.client()
    seen: list[list[str]] = []

    def probe(c: Any, arn: str, token: str) -> str:
        # A refresh (empty checkpoint) consumes the token and returns the next one.
        refreshed = c.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken=token, Updates=[], ClientToken=f"r-{token}"
        )
        new_token = str(refreshed["CheckpointToken"])
        assert new_token != token
        # A retried request (same ClientToken and token) gets the same answer, not a
        # stale-token error.
        retried = c.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken=token, Updates=[], ClientToken=f"r-{token}"
        )
        assert retried["CheckpointToken"] == new_token
        for op in refreshed["NewExecutionState"]["Operations"]:
            assert isinstance(op["StartTimestamp"], dt.datetime)
        pages = c.get_paginator("get_durable_execution_state").paginate(
            DurableExecutionArn=arn, CheckpointToken=new_token, PaginationConfig={"PageSize": 1}
        )
        seen.append([op["Id"] for page in pages for op in page["Operations"]])
        return new_token

    served.app.registry.register(
        "remote", handlers.over_http(served.client(), handlers.remote_steps, probe)
    )
    arn = start(client, "remote", {"via": "http"})
    cb = callback_id(client, arn)
    wait_for(lambda: invocations_completed(client, arn) == 1)
    client.send_durable_execution_callback_success(CallbackId=cb, Result=b"yes")
    wait_for(lambda: status_of(client, arn) == "SUCCEEDED")
    got = client.get_durable_execution(DurableExecutionArn=arn)
    assert json.loads(got["Result"]) == "one-yes-two"
    # The second invocation saw every operation through GetDurableExecutionState pages.
    assert len(seen) == 2 and len(seen[1]) == 3
    step_events = [e for e in events(client, arn) if e["EventType"].startswith("Step")]
    assert [e["Name"] for e in step_events] == ["first", "first", "second", "second"]
    with pytest.raises(ClientError) as caught:
        client.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken="AAAA", Updates=[]
        )
    assert error_code(caught) == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"].startswith("Invalid checkpoint token")
    with pytest.raises(ClientError) as caught:
        client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken="AAAA")
    assert caught.value.response["Error"]["Message"].startswith("Invalid checkpoint token")
