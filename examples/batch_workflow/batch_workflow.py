"""A batch of work items through every kind of durable operation: a Python port, on
Perdure's SDK, of the durable-functions example application AWS publishes for Node.js.

`durable_function_example` runs nine stages in order, each checkpointed:

1. a step turns the input's items into work items;
2. `wait_for_callback` waits (up to an hour) for an outside system to approve the batch;
3. a 5-second durable wait;
4. `parallel` runs three tasks (validation, enrichment, notification);
5. `map` processes each work item in a branch of its own;
6. `wait_for_condition` polls a system until it is ready (at the 3rd check, 3 s apart);
7. `invoke` calls the durable function `hello_world` and waits for its greeting;
8. a child context runs two steps of its own (metadata, configuration check);
9. a step aggregates everything into the response, with the operation counts.

The response has the application's documented shape: workflowId, executionId,
processedItems, parallelResults, advancedOperations (conditionResult, invokeResult,
childContextResult), operationCount, itemsProcessed, successRate, totalDuration and
completedAt. Clocks are read only inside steps, so replays see the recorded times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration, WaitForCallbackConfig
from perdure.serdes import JsonSerDes
from perdure.types import WaitForCallbackContext, WaitForConditionCheckContext
from perdure.waits import WaitForConditionConfig, WaitForConditionDecision

HELLO_WORLD = "hello_world"
READY_AT_ATTEMPT = 3


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


# --- 1. input --------------------------------------------------------------------------


@durable_step
def process_input_data(step_ctx: StepContext, items: list[str]) -> dict[str, Any]:
    step_ctx.logger.info("Executing step: processInputData (%d items)", len(items))
    work = [
        {"id": f"work-item-{i}", "description": text, "status": "pending"}
        for i, text in enumerate(items, start=1)
    ]
    return {"startedAt": _now_ms(), "workItems": work}


# --- 2. callback -------------------------------------------------------------------------


def request_approval(callback_id: str, ctx: WaitForCallbackContext) -> None:
    """Hand the callback id to the outside system (here: the log)."""
    ctx.logger.info("Waiting for callback: %s", callback_id)


# --- 4. parallel tasks -----------------------------------------------------------------


def parallel_tasks(count: int) -> list[Callable[[DurableContext], dict[str, Any]]]:
    """Three tasks over the batch, each a step in a branch of its own."""

    def validation(ctx: DurableContext) -> dict[str, Any]:
        return ctx.step(
            lambda _: {
                "task": 1,
                "type": "validation",
                "result": "completed",
                "itemsValidated": count,
            },
            name="validation",
        )

    def enrichment(ctx: DurableContext) -> dict[str, Any]:
        return ctx.step(
            lambda _: {
                "task": 2,
                "type": "enrichment",
                "result": "completed",
                "itemsEnriched": count,
            },
            name="enrichment",
        )

    def notification(ctx: DurableContext) -> dict[str, Any]:
        return ctx.step(
            lambda _: {
                "task": 3,
                "type": "notification",
                "result": "completed",
                "notificationsSent": 1,
            },
            name="notification",
        )

    return [validation, enrichment, notification]


# --- 5. map ------------------------------------------------------------------------------


def process_item(
    ctx: DurableContext, item: dict[str, Any], index: int, _: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    def run(step_ctx: StepContext) -> dict[str, Any]:
        return {
            "id": item["id"],
            "status": "completed",
            "processed": True,
            "processingTime": 50,
            "transformedData": f"processed-{item['description']}",
        }

    return ctx.step(run, name=f"process-{item['id']}")


# --- 6. condition ------------------------------------------------------------------------


def check_system_readiness(
    state: dict[str, Any], ctx: WaitForConditionCheckContext
) -> dict[str, Any]:
    attempt = state["attempts"] + 1
    ready = attempt >= READY_AT_ATTEMPT
    ctx.logger.info("Polling system readiness... attempt %d", attempt)
    note = f"System ready after {attempt} attempts" if ready else "System not ready yet"
    return {
        "ready": ready,
        "attempts": attempt,
        "lastCheck": {"ready": ready, "attempt": attempt, "note": note},
    }


def every_three_seconds(state: dict[str, Any], attempt: int) -> WaitForConditionDecision:
    return WaitForConditionDecision(
        should_continue=not state["ready"], delay=Duration.from_seconds(3)
    )


# --- 8. child context --------------------------------------------------------------------


def isolated_operations(ctx: DurableContext) -> dict[str, Any]:
    ctx.logger.info("Executing in child context")
    metadata = ctx.step(
        lambda _: {"version": "1.0.0", "processingNode": "child-context", "isolated": True},
        name="metadata",
    )
    validation = ctx.step(lambda _: {"valid": True, "configVersion": "2.1.0"}, name="config")
    return {"metadata": metadata, "validation": validation}


# --- 9. aggregation ----------------------------------------------------------------------


@durable_step
def aggregate_results(step_ctx: StepContext, parts: dict[str, Any]) -> dict[str, Any]:
    step_ctx.logger.info("Executing step: aggregateResults")
    processed = parts["processedItems"]
    succeeded = [item for item in processed if item["status"] == "completed"]
    finished = _now_ms()
    return {
        "workflowId": parts["workflowId"],
        "executionId": parts["executionId"],
        "processedItems": processed,
        "parallelResults": parts["parallelResults"],
        "advancedOperations": parts["advancedOperations"],
        "operationCount": {
            "steps": 8,  # the application's own tally of its step-like stages
            "parallel": len(parts["parallelResults"]),
            "map": len(processed),
            "wait": 1,
            "waitForCondition": 1,
            "invoke": 1,
            "childContext": 1,
        },
        "itemsProcessed": len(processed),
        "successRate": len(succeeded) / len(processed) if processed else 1.0,
        "totalDuration": finished - parts["startedAt"],
        "completedAt": datetime.fromtimestamp(finished / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
    }


# --- the workflow -------------------------------------------------------------------------


@durable_execution
def durable_function_example(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    arn = context.execution_context.durable_execution_arn
    execution_id = arn.rsplit("/", 1)[-1]
    items = [str(i) for i in event.get("items", [])]

    data = context.step(process_input_data(items))
    work_items = data["workItems"]

    approval = WaitForCallbackConfig(timeout=Duration.from_hours(1), serdes=JsonSerDes())
    context.wait_for_callback(request_approval, name="external-approval", config=approval)

    context.wait(Duration.from_seconds(5), name="simple-wait")

    context.logger.info("Executing 3 parallel operations")
    parallel = context.parallel(parallel_tasks(len(work_items)), name="parallel-operations")

    context.logger.info("Processing %d items with map operation", len(work_items))
    mapped = context.map(work_items, process_item, name="process-items")

    condition = context.wait_for_condition(
        check_system_readiness,
        config=WaitForConditionConfig(
            wait_strategy=every_three_seconds,
            initial_state={"ready": False, "attempts": 0, "lastCheck": None},
        ),
        name="system-readiness",
    )

    context.logger.info("Invoking Hello World function")
    greeting: dict[str, Any] = context.invoke(
        str(event.get("helloWorldFunction", HELLO_WORLD)),
        {"name": f"DurableExecution-{execution_id}"},
        name="hello-world",
    )

    child = context.run_in_child_context(isolated_operations, name="child-context")

    parts = {
        "workflowId": str(event.get("workflowId", "durable-demo-001")),
        "executionId": execution_id,
        "startedAt": data["startedAt"],
        "processedItems": mapped.get_results(),
        "parallelResults": parallel.get_results(),
        "advancedOperations": {
            "conditionResult": condition,
            "invokeResult": greeting,
            "childContextResult": child,
        },
    }
    return context.step(aggregate_results(parts))


@durable_execution
def hello_world(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """The helper the workflow invokes: a greeting, as the application's function gives."""
    name = str((event or {}).get("name", "World"))
    return {"statusCode": 200, "greeting": f"Hello, {name}!"}
