"""The three tasks the workflow runs in parallel, each a durable step of its branch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python import DurableContext


def create_parallel_operations(item_count: int) -> list[Callable[[DurableContext], Any]]:
    def validate(ctx: DurableContext) -> Any:
        return ctx.step(
            lambda _: {
                "task": 1,
                "type": "validation",
                "result": "completed",
                "itemsValidated": item_count,
            },
            name="validate",
        )

    def enrich(ctx: DurableContext) -> Any:
        return ctx.step(
            lambda _: {
                "task": 2,
                "type": "enrichment",
                "result": "completed",
                "itemsEnriched": item_count,
            },
            name="enrich",
        )

    def notify(ctx: DurableContext) -> Any:
        return ctx.step(
            lambda _: {
                "task": 3,
                "type": "notification",
                "result": "completed",
                "notificationsSent": 1,
            },
            name="notify",
        )

    return [validate, enrich, notify]
