"""AWS's testing API on Perdure: what its runners add beyond a rename, and where they
lean on Perdure's engine (virtual time, history folded back into operations, the web and
cloud runners driving a served API)."""

from __future__ import annotations

import json
import threading
from dataclasses import fields
from typing import Any

import pytest

from perdure import DurableContext, durable_execution
from perdure.config import CallbackConfig, Duration
from perdure.execution import InvocationStatus
from perdure.lambda_service import ErrorObject, OperationStatus
from perdure.testing.exceptions import DurableFunctionsLocalRunnerError, DurableFunctionsTestError
from perdure.testing.execution import ExecutionStatus
from perdure.testing.function_result import DurableFunctionTestResult
from perdure.testing.model import GetDurableExecutionHistoryResponse, GetDurableExecutionResponse
from perdure.testing.operations import ContextOperation, Operation
from perdure.testing.runner import (
    DurableFunctionCloudTestRunner,
    DurableFunctionTestRunner,
    WebRunner,
    WebRunnerConfig,
)
from perdure.testing.web.server import WebServiceConfig


@durable_execution
def echo(event: Any, context: DurableContext) -> Any:
    return {"got": event}


@durable_execution
def day_long_approval(event: Any, context: DurableContext) -> str:
    callback = context.create_callback(
        name="approval", config=CallbackConfig(timeout=Duration.from_days(1))
    )
    return str(callback.result())


@durable_execution
def nested(event: Any, context: DurableContext) -> list[Any]:
    def block(ctx: DurableContext) -> str:
        ctx.wait(Duration.from_seconds(event.get("nap_seconds", 7200)), name="nap")
        return str(ctx.step(lambda _: "inner", name="inner"))

    first = context.step(lambda _: 1, name="first")
    inner = context.run_in_child_context(block, name="block")
    approved = context.wait_for_callback(lambda cid, ctx: None, name="approve")
    return [first, inner, approved]


def _shape(op: Operation) -> tuple[Any, ...]:
    """An operation as both runners must agree on it: every field but the timestamps,
    children included."""
    values = []
    for f in fields(op):
        value = getattr(op, f.name)
        if f.name == "child_operations":
            value = [_shape(child) for child in value]
        elif f.name.endswith("timestamp"):
            continue
        values.append((f.name, value))
    return tuple(values)


@pytest.mark.parametrize(
    ("given", "received"),
    [('{"a": 1}', {"a": 1}), ("3", 3), ("plain text", "plain text"), (None, None)],
)
def test_a_local_run_keeps_json_text_and_encodes_anything_else(given: Any, received: Any) -> None:
    with DurableFunctionTestRunner(handler=echo) as runner:
        result = runner.run(input=given)
    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result or "null") == {"got": received}


def test_a_day_long_callback_timeout_takes_no_wall_time_under_skip_time() -> None:
    with DurableFunctionTestRunner(handler=day_long_approval) as runner:
        result = runner.run(input="{}", execution_timeout=10)
    assert result.status is InvocationStatus.FAILED
    assert result.execution_status is ExecutionStatus.FAILED
    callback = result.get_callback("approval")
    assert callback.status is OperationStatus.TIMED_OUT


def test_a_stopped_execution_reports_failed_with_its_own_status_beside_it() -> None:
    with DurableFunctionTestRunner(handler=day_long_approval) as runner:
        arn = runner.run_async(input="{}")
        runner.wait_for_callback(arn)
        runner.durable_test_runner.stop(arn)
        result = runner.wait_for_result(arn, timeout=10)
    assert result.status is InvocationStatus.FAILED
    assert result.execution_status is ExecutionStatus.STOPPED


def test_a_missing_operation_names_the_ones_that_exist() -> None:
    with DurableFunctionTestRunner(handler=nested) as runner:
        arn = runner.run_async(input="{}")
        runner.send_callback_success(runner.wait_for_callback(arn, name="approve"), b'"yes"')
        result = runner.wait_for_result(arn)
    with pytest.raises(DurableFunctionsTestError, match="'first', 'block', 'approve'"):
        result.get_step("inner")
    assert result.get_context("block").get_step("inner").result == '"inner"'


def test_history_folds_back_into_the_tree_the_local_runner_gives() -> None:
    with DurableFunctionTestRunner(handler=nested) as runner:
        arn = runner.run_async(input="{}")
        callback_id = runner.wait_for_callback(arn, name="approve")
        runner.send_callback_failure(
            callback_id, ErrorObject(message="no", type="Refused", data=None, stack_trace=None)
        )
        local = runner.wait_for_result(arn)
        history = runner.get_execution_history(arn, include_execution_data=True)
        description = GetDurableExecutionResponse.from_dict(
            runner.durable_test_runner.get_execution(arn)
        )
    folded = DurableFunctionTestResult.from_execution_history(description, history)

    assert local.status is InvocationStatus.FAILED
    assert [_shape(op) for op in folded.operations] == [_shape(op) for op in local.operations]
    assert (folded.status, folded.error, folded.result) == (local.status, local.error, None)
    approve = folded.get_context("approve")
    assert isinstance(approve, ContextOperation)
    assert approve.get_callback("approve create callback id").error == ErrorObject(
        message="no", type="Refused", data=None, stack_trace=None
    )


def test_history_without_execution_data_withholds_payloads() -> None:
    with DurableFunctionTestRunner(handler=echo) as runner:
        arn = runner.run_async(input='{"secret": 1}')
        runner.wait_for_result(arn)
        bare = runner.get_execution_history(arn)
        full = runner.get_execution_history(arn, include_execution_data=True)
    assert isinstance(bare, GetDurableExecutionHistoryResponse)
    withheld = bare.events[0].execution_started_details
    given = full.events[0].execution_started_details
    assert withheld is not None and given is not None
    assert withheld.input.truncated is True
    assert withheld.input.payload is None
    assert given.input.payload == '{"secret": 1}'


def test_the_web_runner_serves_functions_that_the_cloud_runner_drives() -> None:
    config = WebRunnerConfig(WebServiceConfig(port=0), functions={"nested": nested})
    with WebRunner(config) as web:
        serving = threading.Thread(target=web.serve_forever, daemon=True)
        serving.start()
        with DurableFunctionCloudTestRunner(
            "nested", lambda_endpoint=web.url, poll_interval=0.02
        ) as cloud:
            arn = cloud.run_async(input={"nap_seconds": 1})
            callback_id = cloud.wait_for_callback(arn, name="approve", timeout=20)
            cloud.send_callback_success(callback_id, b'"yes"')
            result = cloud.wait_for_result(arn, timeout=20)
    serving.join(10)
    assert not serving.is_alive()
    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result or "") == [1, "inner", '"yes"']
    assert result.get_context("block").get_wait("nap").status is OperationStatus.SUCCEEDED


def test_the_web_runner_refuses_what_it_cannot_serve() -> None:
    with pytest.raises(DurableFunctionsLocalRunnerError, match="only on loopback"):
        WebRunner(WebRunnerConfig(WebServiceConfig(host="0.0.0.0", port=0))).start()
    with pytest.raises(DurableFunctionsLocalRunnerError, match="skip_time"):
        WebRunner(WebRunnerConfig(WebServiceConfig(port=0), skip_time=True)).start()
    with pytest.raises(DurableFunctionsLocalRunnerError, match="not started"):
        WebRunner(WebRunnerConfig(WebServiceConfig(port=0))).serve_forever()


def test_the_cloud_runner_says_where_it_could_not_reach() -> None:
    cloud = DurableFunctionCloudTestRunner("nested", lambda_endpoint="http://127.0.0.1:9")
    with pytest.raises(DurableFunctionsTestError, match=r"nested at http://127\.0\.0\.1:9"):
        cloud.run_async(input={})
