"""Handlers for the ``wait`` suite (2-x)."""

from __future__ import annotations

from typing import Any

from perdure import DurableContext, durable_execution
from perdure.config import Duration


@durable_execution
def handler_2_1(event: Any, context: DurableContext) -> str:
    """2-1: one 2 s wait; WaitStarted/WaitSucceeded carry Duration 2."""
    context.wait(Duration.from_seconds(2))
    return "waited"


@durable_execution
def handler_2_2(event: Any, context: DurableContext) -> str:
    """2-2: a named wait."""
    context.wait(Duration.from_seconds(2), name="custom_wait_name")
    return "waited"


@durable_execution
def handler_2_3(event: Any, context: DurableContext) -> dict[str, int]:
    """2-3: two sequential 2 s waits, three invocations."""
    context.wait(Duration.from_seconds(2), name="wait-1")
    context.wait(Duration.from_seconds(2), name="wait-2")
    return {"completedWaits": 2}


@durable_execution
def handler_2_5(event: Any, context: DurableContext) -> str:
    """2-5: Duration.from_hours(1) is recorded as 3600 s (history-only, left suspended)."""
    context.wait(Duration.from_hours(1))
    return "waited"
