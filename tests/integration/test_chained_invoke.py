"""context.invoke starts an execution of another registered function."""

from __future__ import annotations

from perdure.testing import DurableTestRunner
from tests.integration.handlers import caller, echo


def test_invoke_runs_the_target_and_returns_its_result() -> None:
    with DurableTestRunner(caller, functions={"echo": echo}) as runner:
        result = runner.run(input="world", timeout=5)
        started = result.events_of_type("ChainedInvokeStarted")[0]
        details = started["ChainedInvokeStartedDetails"]
        child = runner.get_execution(details["DurableExecutionArn"])
    assert result.status == "SUCCEEDED", result.error
    assert result.result == {"hello": "world"}
    assert details["FunctionName"] == "echo"
    assert details["Input"]["Payload"] == '{"hello": "world"}'
    assert child["Status"] == "SUCCEEDED"
    assert child["Result"] == '{"hello": "world"}'
    succeeded = result.events_of_type("ChainedInvokeSucceeded")[0]
    assert succeeded["ChainedInvokeSucceededDetails"]["Result"]["Payload"] == child["Result"]


def test_invoking_an_unknown_function_fails_the_execution() -> None:
    with DurableTestRunner(caller) as runner:
        result = runner.run(input="x", timeout=5)
    assert result.status == "FAILED"
