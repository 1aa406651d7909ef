"""Business logic of the workflow's steps: plain functions, no durable operations."""

from __future__ import annotations

import datetime as dt
from typing import Any


def to_work_items(items: list[str]) -> list[dict[str, Any]]:
    return [
        {"id": f"work-item-{index + 1}", "description": description, "status": "pending"}
        for index, description in enumerate(items)
    ]


def process_item(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "status": "completed",
        "processed": True,
        "processingTime": 50,
        "transformedData": f"processed-{item['description']}",
    }


def aggregate(
    *,
    workflow_id: str,
    execution_id: str,
    processed_items: list[dict[str, Any]],
    parallel_results: list[dict[str, Any]],
    advanced_operations: dict[str, Any],
    started_at_ms: int,
    completed_at_ms: int,
) -> dict[str, Any]:
    succeeded = sum(1 for item in processed_items if item["processed"])
    completed = dt.datetime.fromtimestamp(completed_at_ms / 1000, dt.UTC)
    return {
        "workflowId": workflow_id,
        "executionId": execution_id,
        "processedItems": processed_items,
        "parallelResults": parallel_results,
        "advancedOperations": advanced_operations,
        "operationCount": {
            "steps": 8,
            "parallel": len(parallel_results),
            "map": len(processed_items),
            "wait": 1,
            "waitForCondition": 1,
            "invoke": 1,
            "childContext": 1,
        },
        "itemsProcessed": len(processed_items),
        "successRate": succeeded / len(processed_items) if processed_items else 0,
        "totalDuration": completed_at_ms - started_at_ms,
        "completedAt": completed.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
