"""The batch workflow on the local runner: the response has every documented field with
the values the application documents, and the history shows the nine stages in order
(virtual time: the 5 s wait and the 3 s polls take no real time)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from batch_workflow import durable_function_example, hello_world

from perdure.testing import DurableTestRunner

EVENT = json.loads((Path(__file__).parent / "test-event.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def result() -> Any:
    functions = {"hello_world": hello_world}
    with DurableTestRunner(durable_function_example, functions=functions) as runner:
        arn = runner.run_async(input=EVENT)
        callback_id = runner.wait_for_callback(arn, name="external-approval")
        runner.send_callback_success(callback_id, b'"approved"')
        return runner.wait_for_result(arn)


def test_the_workflow_succeeds_with_the_documented_response_fields(result: Any) -> None:
    assert result.status == "SUCCEEDED"
    assert set(result.result) == {
        "workflowId",
        "executionId",
        "processedItems",
        "parallelResults",
        "advancedOperations",
        "operationCount",
        "itemsProcessed",
        "successRate",
        "totalDuration",
        "completedAt",
    }
    assert result.result["workflowId"] == "durable-demo-001"
    assert result.arn.endswith("/" + result.result["executionId"])


def test_every_item_is_processed_once_with_its_transformed_data(result: Any) -> None:
    items = result.result["processedItems"]
    assert [i["id"] for i in items] == [f"work-item-{n}" for n in range(1, 6)]
    assert items[0] == {
        "id": "work-item-1",
        "status": "completed",
        "processed": True,
        "processingTime": 50,
        "transformedData": "processed-Process customer data batch A",
    }
    assert (result.result["itemsProcessed"], result.result["successRate"]) == (5, 1.0)


def test_the_three_parallel_tasks_report_in_order(result: Any) -> None:
    tasks = result.result["parallelResults"]
    assert [(t["task"], t["type"], t["result"]) for t in tasks] == [
        (1, "validation", "completed"),
        (2, "enrichment", "completed"),
        (3, "notification", "completed"),
    ]
    assert tasks[0]["itemsValidated"] == 5


def test_the_advanced_operations_hold_the_condition_invoke_and_child_results(result: Any) -> None:
    advanced = result.result["advancedOperations"]
    assert advanced["conditionResult"] == {
        "ready": True,
        "attempts": 3,
        "lastCheck": {"ready": True, "attempt": 3, "note": "System ready after 3 attempts"},
    }
    execution_id = result.result["executionId"]
    assert advanced["invokeResult"] == {
        "statusCode": 200,
        "greeting": f"Hello, DurableExecution-{execution_id}!",
    }
    assert advanced["childContextResult"] == {
        "metadata": {"version": "1.0.0", "processingNode": "child-context", "isolated": True},
        "validation": {"valid": True, "configVersion": "2.1.0"},
    }


def test_the_operation_counts_and_timing_are_reported(result: Any) -> None:
    assert result.result["operationCount"] == {
        "steps": 8,
        "parallel": 3,
        "map": 5,
        "wait": 1,
        "waitForCondition": 1,
        "invoke": 1,
        "childContext": 1,
    }
    assert isinstance(result.result["totalDuration"], int)
    assert result.result["totalDuration"] >= 0
    assert result.result["completedAt"].endswith("Z")
    datetime.fromisoformat(result.result["completedAt"])


def test_the_history_runs_the_nine_stages_in_order(result: Any) -> None:
    firsts = [
        ("StepStarted", "process_input_data"),
        ("CallbackStarted", "external-approval create callback id"),
        ("WaitStarted", "simple-wait"),
        ("ContextStarted", "parallel-operations"),
        ("ContextStarted", "process-items"),
        ("StepStarted", "system-readiness"),
        ("ChainedInvokeStarted", "hello-world"),
        ("ContextStarted", "child-context"),
        ("StepStarted", "aggregate_results"),
    ]
    seen = [(e["EventType"], e.get("Name")) for e in result.history]
    positions = [seen.index(first) for first in firsts]
    assert positions == sorted(positions)
    assert seen.count(("StepStarted", "system-readiness")) == 3  # ready at the third check
    assert seen.count(("CallbackSucceeded", "external-approval create callback id")) == 1
