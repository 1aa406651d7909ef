"""`context.map`: run a function over inputs as concurrent, individually durable branches.

The batch is a child context (subtype Map) whose result is the BatchResult; branch i is
a MapIteration child context with id `blake2b("<batchId>-i")`, named by `item_namer`
or `map-item-i`. The default completion config fails fast; branch failures never raise
here — callers use `BatchResult.throw_if_error()`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from perdure._sdk.batch_result import BatchResult
from perdure._sdk.concurrency import ConcurrentExecutor, Executable, summary_envelope
from perdure._sdk.config import MapConfig, NestingType
from perdure._sdk.operations.child import run_child
from perdure._sdk.operations.scope import OperationScope, ScopeT
from perdure.errors import ValidationError

T = TypeVar("T")
U = TypeVar("U")


def run_map(
    ctx: ScopeT,
    inputs: Sequence[U],
    func: Callable[[ScopeT, U, int, Sequence[U]], T],
    name: str | None,
    config: MapConfig[T] | None,
) -> BatchResult[T]:
    config = config or MapConfig()
    items = list(inputs)
    minimum = config.completion_config.min_successful
    if minimum is not None and minimum > len(items):
        raise ValidationError(
            f"min_successful ({minimum}) exceeds the number of items ({len(items)})"
        )
    namer: Callable[[Any, int], str] | None = config.item_namer
    explicit = [namer(item, i) if namer is not None else None for i, item in enumerate(items)]

    def branch(i: int, item: U) -> Callable[[ScopeT], T]:
        return lambda c: func(c, item, i, inputs)

    executables = [
        Executable(i, branch(i, item), explicit[i] or f"map-item-{i}", explicit[i])
        for i, item in enumerate(items)
    ]
    return run_batch(
        ctx,
        name,
        executables,
        kind="Map",
        iteration_sub_type="MapIteration",
        max_concurrency=config.max_concurrency,
        completion_config=config.completion_config,
        serdes=config.serdes,
        item_serdes=config.item_serdes,
        summary_generator=config.summary_generator,
        flat=config.nesting_type is NestingType.FLAT,
    )


def run_batch(
    ctx: ScopeT,
    name: str | None,
    executables: list[Executable[ScopeT, T]],
    *,
    kind: str,
    iteration_sub_type: str,
    max_concurrency: int | None,
    completion_config: Any,
    serdes: Any,
    item_serdes: Any,
    summary_generator: Any,
    flat: bool,
) -> BatchResult[T]:
    """The batch container shared by map and parallel."""

    def body(batch_ctx: ScopeT) -> BatchResult[T]:
        batch_id = batch_ctx._namespace.prefix
        assert batch_id is not None
        executor = ConcurrentExecutor(
            batch_ctx,
            batch_id,
            executables,
            max_concurrency=max_concurrency,
            completion_config=completion_config,
            iteration_sub_type=iteration_sub_type,
            item_serdes=item_serdes if item_serdes is not None else serdes,
            flat=flat,
        )
        if batch_ctx._replaying_children:
            return executor.replay(_recorded_summary(batch_ctx, batch_id))
        return executor.execute()

    def summarize(result: BatchResult[T]) -> str:
        if summary_generator is not None:
            return str(summary_generator(result))
        return json.dumps(summary_envelope(f"{kind}Result", result))

    result: BatchResult[T] = run_child(
        ctx, body, name, sub_type=kind, serdes=serdes, summary_generator=summarize
    )
    return result


def _recorded_summary(batch_ctx: OperationScope, batch_id: str) -> dict[str, Any] | None:
    op = batch_ctx.state.get_operation(batch_id)
    raw = op.context_details.result if op is not None and op.context_details else None
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("type") in ("MapResult", "ParallelResult"):
        return data
    return None
