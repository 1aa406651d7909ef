"""The durable function: a batch of work items through every durable operation."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from advanced_operations import check_system_readiness, run_isolated_operations
from aws_durable_execution_sdk_python import BatchResult, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)
from data_processor import aggregate, process_item, to_work_items
from parallel_operations import create_parallel_operations

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _readiness(state: dict[str, Any], _attempts: int) -> WaitForConditionDecision:
    if state["ready"]:
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(3))


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    execution_arn = context.execution_context.durable_execution_arn
    execution_id = execution_arn.rpartition("/")[2]
    started_at: int = context.step(lambda _: _now_ms(), name="start-time")

    # 1. Process input data into work items.
    logger.info("Executing step: processInputData")
    work_items: list[dict[str, Any]] = context.step(
        lambda _: to_work_items(event.get("items", [])), name="processInputData"
    )

    # 2. Wait for an external system to confirm the batch.
    approval = context.wait_for_callback(
        lambda callback_id, _: logger.info("Waiting for callback: %s", callback_id),
        name="external-approval",
        config=WaitForCallbackConfig(timeout=Duration.from_minutes(60)),
    )
    logger.info("Callback received: %s", approval)

    # 3. A time-based wait.
    context.wait(Duration.from_seconds(5), name="cool-down")

    # 4. Three tasks in parallel.
    logger.info("Executing 3 parallel operations")
    parallel: BatchResult[Any] = context.parallel(
        create_parallel_operations(len(work_items)), name="parallel-tasks"
    )

    # 5. Each work item in a map, one checkpoint each.
    logger.info("Processing %d items with map operation", len(work_items))
    mapped: BatchResult[Any] = context.map(
        work_items,
        lambda child, item, _index, _items: child.step(
            lambda _: process_item(item), name=f"process-{item['id']}"
        ),
        name="process-items",
    )

    # 6. Poll the external system until it is ready.
    logger.info("Polling system readiness...")
    condition_result = context.wait_for_condition(
        check_system_readiness,
        WaitForConditionConfig(
            wait_strategy=_readiness, initial_state={"ready": False, "attempts": 0}
        ),
        name="system-ready",
    )

    # 7. Invoke the Hello World function.
    logger.info("Invoking Hello World function")
    invoke_result: dict[str, Any] = context.invoke(
        os.environ["HELLO_WORLD_FUNCTION_ARN"],
        {"name": f"DurableExecution-{execution_id}"},
        name="invoke-hello-world",
    )

    # 8. Isolated operations in a child context.
    logger.info("Executing in child context")
    child_result = context.run_in_child_context(run_isolated_operations, name="isolated-operations")

    # 9. Final aggregation.
    logger.info("Executing step: aggregateResults")
    result: dict[str, Any] = context.step(
        lambda _: aggregate(
            workflow_id=event.get("workflowId", "durable-demo-001"),
            execution_id=execution_id,
            processed_items=mapped.get_results(),
            parallel_results=parallel.get_results(),
            advanced_operations={
                "conditionResult": condition_result,
                "invokeResult": invoke_result,
                "childContextResult": child_result,
            },
            started_at_ms=started_at,
            completed_at_ms=_now_ms(),
        ),
        name="aggregateResults",
    )
    return result
