"""Handlers for the ``parallel`` suite (8-x).

Almost every requirement sets max_concurrency=1 so branches run in index order and the
EventIds are deterministic; branches that "fail" raise a plain error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from perdure import DurableContext, ParallelBranch, durable_execution
from perdure.config import CompletionConfig, Duration, ParallelConfig
from perdure.serdes import SerDes, SerDesContext
from tests.conformance.handlers._support import batch_projection

Branch = Callable[[DurableContext], Any]

FULL_PROJECTION = ("completionReason", "status", "successCount", "failureCount", "totalCount")
NO_STATUS_PROJECTION = ("completionReason", "successCount", "failureCount", "totalCount")


def returns(value: Any) -> Branch:
    """A branch that returns `value` directly, without any durable operation."""

    def branch(context: DurableContext) -> Any:
        return value

    return branch


def fails(message: str) -> Branch:
    """A branch that raises."""

    def branch(context: DurableContext) -> Any:
        raise RuntimeError(message)

    return branch


def step_returning(value: Any) -> Branch:
    """A branch that runs one step returning `value`."""

    def branch(context: DurableContext) -> Any:
        return context.step(lambda _: value)

    return branch


def sequential(**completion: Any) -> ParallelConfig:
    """max_concurrency=1, with an optional completion config."""
    if completion:
        return ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))
    return ParallelConfig(max_concurrency=1)


@durable_execution
def handler_8_1(event: Any, context: DurableContext) -> list[Any]:
    """8-1: two branches, one step each, run one at a time."""
    branches = [step_returning("task-1"), step_returning("task-2")]
    return context.parallel(branches, name="parallel", config=sequential()).get_results()


@durable_execution
def handler_8_2(event: Any, context: DurableContext) -> list[Any]:
    """8-2: the branches-only form (no name)."""
    branches = [returns("alpha"), returns("beta")]
    return context.parallel(branches, config=sequential()).get_results()


@durable_execution
def handler_8_3(event: Any, context: DurableContext) -> list[Any]:
    """8-3: named ParallelBranch objects."""
    branches = [
        ParallelBranch(func=returns("one"), name="first"),
        ParallelBranch(func=returns("two"), name="second"),
    ]
    return context.parallel(branches, name="named", config=sequential()).get_results()


@durable_execution
def handler_8_4(event: Any, context: DurableContext) -> list[Any]:
    """8-4: branches return a string, a number and an object."""
    branches = [returns("hello"), returns(42), returns({"k": "v"})]
    return context.parallel(branches, name="hetero", config=sequential()).get_results()


@durable_execution
def handler_8_5(event: Any, context: DurableContext) -> list[Any]:
    """8-5: an empty branch list completes at once."""
    return context.parallel([], name="empty").get_results()


@durable_execution
def handler_8_6(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-6: fail-fast (tolerated count 0): branch 1 fails, branch 2 never starts."""
    branches = [returns("ok"), fails("branch 1 fails"), returns("never")]
    config = sequential(tolerated_failure_count=0)
    result = context.parallel(branches, name="failfast", config=config)
    return batch_projection(result, *FULL_PROJECTION)


@durable_execution
def handler_8_7(event: Any, context: DurableContext) -> list[Any]:
    """8-7: throw_if_error() re-raises the first branch failure, failing the execution."""
    branches = [fails("branch 0 fails"), returns("never")]
    result = context.parallel(
        branches, name="throwing", config=sequential(tolerated_failure_count=0)
    )
    result.throw_if_error()
    return result.get_results()


@durable_execution
def handler_8_9(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-9: one tolerated failure: every branch runs; ALL_COMPLETED yet FAILED."""
    branches = [returns("ok-0"), fails("branch 1 fails"), returns("ok-2")]
    config = sequential(tolerated_failure_count=1)
    result = context.parallel(branches, name="tolerated", config=config)
    return batch_projection(result, *FULL_PROJECTION)


@durable_execution
def handler_8_10(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-10: a second failure exceeds the tolerance of 1 and stops the batch."""
    branches = [fails("branch 0 fails"), fails("branch 1 fails"), returns("never")]
    config = sequential(tolerated_failure_count=1)
    result = context.parallel(branches, name="tolerated-exceeded", config=config)
    return batch_projection(result, *NO_STATUS_PROJECTION)


@durable_execution
def handler_8_11(event: Any, context: DurableContext) -> list[Any]:
    """8-11: max_concurrency=2; results come back in branch order whatever the timing."""
    branches = [returns("r0"), returns("r1"), returns("r2")]
    config = ParallelConfig(max_concurrency=2)
    return context.parallel(branches, name="concurrent", config=config).get_results()


@durable_execution
def handler_8_13(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-13: 2 of 4 failed (50%) exceeds the tolerated 25% and stops the batch."""
    branches = [fails("b0"), fails("b1"), returns("ok-2"), returns("ok-3")]
    config = sequential(tolerated_failure_percentage=25)
    result = context.parallel(branches, name="tolerated-pct", config=config)
    return batch_projection(result, *NO_STATUS_PROJECTION)


def waits_then_returns(value: str) -> Branch:
    def branch(context: DurableContext) -> Any:
        context.wait(Duration.from_seconds(2))
        return value

    return branch


@durable_execution
def handler_8_14(event: Any, context: DurableContext) -> list[Any]:
    """8-14: branch 1 suspends on a 2 s wait; on replay branch 0 is not re-run."""
    branches = [step_returning("b0"), waits_then_returns("b1")]
    return context.parallel(branches, name="replay", config=sequential()).get_results()


class WrappingSerDes(SerDes[Any]):
    """Serializes v as ``{"wrapped": v}`` and unwraps it again (8-15)."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return json.loads(data)["wrapped"]


@durable_execution
def handler_8_15(event: Any, context: DurableContext) -> list[Any]:
    """8-15: a per-branch item serdes wraps each checkpointed result."""
    config = ParallelConfig(max_concurrency=1, item_serdes=WrappingSerDes())
    return context.parallel([returns("x"), returns("y")], name="serde", config=config).get_results()


@durable_execution
def handler_8_16(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-16: all three fail within a tolerance of 3: ALL_COMPLETED, FAILED."""
    branches = [fails("b0"), fails("b1"), fails("b2")]
    config = sequential(tolerated_failure_count=3)
    result = context.parallel(branches, name="all-fail", config=config)
    return batch_projection(result, *FULL_PROJECTION)


@durable_execution
def handler_8_18(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-18: min_successful=3 with tolerated count 1: the tolerance is exceeded first."""
    branches = [fails("b0"), fails("b1"), returns("ok-2"), returns("ok-3")]
    config = sequential(min_successful=3, tolerated_failure_count=1)
    result = context.parallel(branches, name="combined", config=config)
    return batch_projection(result, *NO_STATUS_PROJECTION)


@durable_execution
def handler_8_19(event: Any, context: DurableContext) -> list[Any]:
    """8-19: max_concurrency=0 is rejected before anything is checkpointed."""
    config = ParallelConfig(max_concurrency=0)
    branches = [returns("a"), returns("b")]
    return context.parallel(branches, name="bad-concurrency", config=config).get_results()


@durable_execution
def handler_8_20(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-20: the BatchResult accessors succeeded(), failed(), get_errors(), has_failure."""
    branches = [returns("ok-0"), fails("branch 1 fails"), returns("ok-2")]
    config = sequential(tolerated_failure_count=1)
    result = context.parallel(branches, name="accessors", config=config)
    return {
        "hasFailure": result.has_failure,
        "successCount": len(result.succeeded()),
        "failureCount": len(result.failed()),
        "errorCount": len(result.get_errors()),
    }


@durable_execution
def handler_8_22(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-22: exactly 25% failed against a 25% tolerance does not stop the batch."""
    branches = [fails("b0"), returns("ok-1"), returns("ok-2"), returns("ok-3")]
    config = sequential(tolerated_failure_percentage=25)
    result = context.parallel(branches, name="pct-boundary", config=config)
    return batch_projection(result, *FULL_PROJECTION)
