"""`with_retry`: retry a block of durable code, not just one step.

Each attempt runs `func(ctx, attempt)`; on failure the retry strategy decides, and a
durable `wait` spaces the attempts, so the retry loop itself survives restarts and
replays deterministically. By default the loop runs in a child context, so a final
failure surfaces as ChildContextError and the block replays as a unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from perdure._sdk.retries import WithRetryConfig, create_retry_strategy

if TYPE_CHECKING:
    from perdure._sdk.context import DurableContext

__all__ = ["with_retry"]

T = TypeVar("T")


def with_retry(
    context: DurableContext,
    func: Callable[[DurableContext, int], T],
    config: WithRetryConfig[T],
    name: str | None = None,
) -> T:
    strategy = config.retry_strategy or create_retry_strategy()

    def loop(ctx: DurableContext) -> T:
        attempt = 1
        while True:
            try:
                return func(ctx, attempt)
            except Exception as exc:  # SuspendExecution is a BaseException: never caught
                decision = strategy(exc, attempt)
                if not decision.should_retry:
                    raise
                ctx.wait(decision.delay, name=f"{name}-backoff-{attempt}" if name else None)
                attempt += 1

    if config.wrap_with_run_in_child_context:
        return context.run_in_child_context(loop, name=name, config=config.child_context_config)
    return loop(context)
