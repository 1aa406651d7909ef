"""Handlers for the ``map`` suite (9-x).

Map functions have the SDK's signature ``fn(context, item, index, items)``; almost every
requirement sets max_concurrency=1 for a deterministic history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perdure import DurableContext, durable_execution
from perdure.concurrency.models import BatchItem, BatchItemStatus, BatchResult, CompletionReason
from perdure.config import CompletionConfig, Duration, MapConfig
from perdure.serdes import EXTENDED_TYPES_SERDES, SerDes, SerDesContext
from tests.conformance.handlers._support import batch_projection

FULL_PROJECTION = ("completionReason", "status", "successCount", "failureCount", "totalCount")
NO_STATUS_PROJECTION = ("completionReason", "successCount", "failureCount", "totalCount")


def sequential(**completion: Any) -> MapConfig[Any]:
    """max_concurrency=1, with an optional completion config."""
    if completion:
        return MapConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))
    return MapConfig(max_concurrency=1)


def double(context: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
    return item * 2


def upper(context: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
    return item.upper()


def ok_unless_fail(context: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
    """Items named "fail..." raise; others are returned as-is."""
    if item.startswith("fail"):
        raise RuntimeError(f"item {index} fails")
    return item


@durable_execution
def handler_9_2(event: list[int], context: DurableContext) -> list[Any]:
    """9-2: the items-only form (no name); each item is doubled directly."""
    return context.map(event, double, config=sequential()).get_results()


@durable_execution
def handler_9_3(event: list[int], context: DurableContext) -> list[Any]:
    """9-3: the map function uses the item and its index."""

    def add_index(context: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
        return item + index

    return context.map(event, add_index, name="indexed", config=sequential()).get_results()


@durable_execution
def handler_9_4(event: list[Any], context: DurableContext) -> list[Any]:
    """9-4: an empty item list completes at once."""
    return context.map(event, double, name="empty").get_results()


@durable_execution
def handler_9_5(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-5: fail-fast (tolerated count 0): item 1 fails, item 2 never starts."""
    result = context.map(
        ["ok", "fail", "never"],
        ok_unless_fail,
        name="failfast",
        config=sequential(tolerated_failure_count=0),
    )
    return batch_projection(result, *FULL_PROJECTION)


@durable_execution
def handler_9_6(event: Any, context: DurableContext) -> list[Any]:
    """9-6: throw_if_error() re-raises the first item failure, failing the execution."""
    result = context.map(
        ["fail", "never"],
        ok_unless_fail,
        name="throwing",
        config=sequential(tolerated_failure_count=0),
    )
    result.throw_if_error()
    return result.get_results()


@durable_execution
def handler_9_7(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-7: min_successful=2 stops the map after two successes."""

    def constant(context: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
        return "done"

    result = context.map(
        ["i0", "i1", "i2", "i3"],
        constant,
        name="min-successful",
        config=sequential(min_successful=2),
    )
    return batch_projection(result, "completionReason", "successCount", "totalCount")


@durable_execution
def handler_9_8(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-8: one tolerated failure: every item runs; ALL_COMPLETED yet FAILED."""
    result = context.map(
        ["ok-0", "fail-1", "ok-2"],
        ok_unless_fail,
        name="tolerated",
        config=sequential(tolerated_failure_count=1),
    )
    return batch_projection(result, *FULL_PROJECTION)


@durable_execution
def handler_9_9(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-9: a second failure exceeds the tolerance of 1 and stops the map."""
    result = context.map(
        ["fail-0", "fail-1", "ok-2"],
        ok_unless_fail,
        name="tolerated-exceeded",
        config=sequential(tolerated_failure_count=1),
    )
    return batch_projection(result, *NO_STATUS_PROJECTION)


@durable_execution
def handler_9_10(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-10: 2 of 4 failed (50%) exceeds the tolerated 25%."""
    result = context.map(
        ["fail-0", "fail-1", "ok-2", "ok-3"],
        ok_unless_fail,
        name="tolerated-pct",
        config=sequential(tolerated_failure_percentage=25),
    )
    return batch_projection(result, *NO_STATUS_PROJECTION)


@durable_execution
def handler_9_13(event: list[int], context: DurableContext) -> list[Any]:
    """9-13: a custom item namer names the iterations item-1, item-2."""

    def times_ten(context: DurableContext, item: int, index: int, items: Sequence[int]) -> int:
        return item * 10

    config: MapConfig[int] = MapConfig(
        max_concurrency=1, item_namer=lambda item, index: f"item-{item}"
    )
    return context.map(event, times_ten, name="named-items", config=config).get_results()


class PrefixSerDes(SerDes[str]):
    """Per-item serdes: ``"X"`` is checkpointed as ``wrapped:X`` and read back (9-14)."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return f"wrapped:{value}"

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        if not data.startswith("wrapped:"):
            raise ValueError(f"not a wrapped payload: {data!r}")
        return data.removeprefix("wrapped:")


@durable_execution
def handler_9_14(event: Any, context: DurableContext) -> list[Any]:
    """9-14: the per-item serdes shapes each iteration's checkpointed payload."""
    config: MapConfig[str] = MapConfig(max_concurrency=1, item_serdes=PrefixSerDes())
    return context.map(["x", "y"], upper, name="serdes", config=config).get_results()


@durable_execution
def handler_9_15(event: Any, context: DurableContext) -> list[Any]:
    """9-15: iteration 1 waits 1 s, suspending the map; iteration 0 is not re-run."""

    def step_after_optional_wait(
        context: DurableContext, item: str, index: int, items: Sequence[str]
    ) -> str:
        if index == 1:
            context.wait(Duration.from_seconds(1))
        return context.step(lambda _: item)

    return context.map(
        ["r0", "r1"], step_after_optional_wait, name="suspend", config=sequential()
    ).get_results()


LARGE_ITEM_CHARS = 70 * 1024


@durable_execution
def handler_9_16(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-16: four ~70 KB results (>256 KB together) make the Map context ReplayChildren."""

    def large(context: DurableContext, item: int, index: int, items: Sequence[int]) -> str:
        return str(item) * LARGE_ITEM_CHARS

    result = context.map([0, 1, 2, 3], large, name="large", config=sequential())
    return batch_projection(result, "successCount", "totalCount")


@durable_execution
def handler_9_17(event: Any, context: DurableContext) -> list[Any]:
    """9-17: a 1 s wait after a successful map; the replay does not re-run the map."""
    result = context.map(["a", "b"], upper, name="then-wait", config=sequential())
    context.wait(Duration.from_seconds(1))
    return result.get_results()


@durable_execution
def handler_9_18(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-18: a 1 s wait after a map with a tolerated failure; no rethrow, no re-run."""
    result = context.map(
        ["ok", "fail"],
        ok_unless_fail,
        name="fail-then-wait",
        config=sequential(tolerated_failure_count=1),
    )
    context.wait(Duration.from_seconds(1))
    return batch_projection(result, *FULL_PROJECTION)


class OperationSerDes(SerDes[BatchResult[Any]]):
    """Operation-level serdes for the whole map result: ``OPSERDE:X,Y`` and back (9-19/20)."""

    PREFIX = "OPSERDE:"

    def serialize(self, value: BatchResult[Any], serdes_context: SerDesContext) -> str:
        return self.PREFIX + ",".join(str(item) for item in value.get_results())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> BatchResult[Any]:
        if not data.startswith(self.PREFIX):
            raise ValueError(f"not an OPSERDE payload: {data!r}")
        body = data.removeprefix(self.PREFIX)
        results = body.split(",") if body else []
        items = [
            BatchItem(index=index, status=BatchItemStatus.SUCCEEDED, result=value)
            for index, value in enumerate(results)
        ]
        return BatchResult(all=items, completion_reason=CompletionReason.ALL_COMPLETED)


def op_serdes_config() -> MapConfig[str]:
    """Operation-level serdes only for the Map result; items keep the default serdes.

    The SDK serializes iterations with ``item_serdes or serdes``, so the default item serdes
    is named explicitly to keep OperationSerDes off the individual items.
    """
    return MapConfig(max_concurrency=1, serdes=OperationSerDes(), item_serdes=EXTENDED_TYPES_SERDES)


@durable_execution
def handler_9_19(event: Any, context: DurableContext) -> list[Any]:
    """9-19: the operation-level serdes writes the Map context payload 'OPSERDE:X,Y'."""
    return context.map(["x", "y"], upper, name="op-serde", config=op_serdes_config()).get_results()


@durable_execution
def handler_9_20(event: Any, context: DurableContext) -> list[Any]:
    """9-20: after a 1 s wait the map result is rebuilt through the operation serdes."""
    result = context.map(["x", "y"], upper, name="op-serde-replay", config=op_serdes_config())
    context.wait(Duration.from_seconds(1))
    return result.get_results()
