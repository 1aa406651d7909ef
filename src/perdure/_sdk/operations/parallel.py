"""`context.parallel`: run several functions as concurrent, individually durable branches.

Same machinery as map (see `operations.map.run_batch`): a Parallel child context whose
branches are ParallelBranch child contexts named by `ParallelBranch.name` or
`parallel-branch-i`. The default completion config is `all_successful()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from perdure._sdk.batch_result import BatchResult
from perdure._sdk.concurrency import Executable
from perdure._sdk.config import NestingType, ParallelBranch, ParallelConfig
from perdure._sdk.operations.map import run_batch
from perdure._sdk.operations.scope import ScopeT
from perdure.errors import ValidationError

T = TypeVar("T")


def run_parallel(
    ctx: ScopeT,
    functions: Sequence[Callable[[ScopeT], T] | ParallelBranch[T]],
    name: str | None,
    config: ParallelConfig | None,
) -> BatchResult[T]:
    config = config or ParallelConfig()
    branches = list(functions)
    minimum = config.completion_config.min_successful
    if minimum is not None and minimum > len(branches):
        raise ValidationError(
            f"min_successful ({minimum}) exceeds the number of branches ({len(branches)})"
        )
    executables: list[Executable[ScopeT, T]] = []
    for i, fn in enumerate(branches):
        explicit = fn.name if isinstance(fn, ParallelBranch) else None
        call: Callable[[ScopeT], Any] = fn
        executables.append(Executable(i, call, explicit or f"parallel-branch-{i}", explicit))
    return run_batch(
        ctx,
        name,
        executables,
        kind="Parallel",
        iteration_sub_type="ParallelBranch",
        max_concurrency=config.max_concurrency,
        completion_config=config.completion_config,
        serdes=config.serdes,
        item_serdes=config.item_serdes,
        summary_generator=config.summary_generator,
        flat=config.nesting_type is NestingType.FLAT,
    )
