"""Retention: an ended execution is kept, with its history, for its function's
`RetentionPeriodInDays` (AWS's default, 14 days, unless configured), then deleted.

`prune_ended` deletes one batch; `prune_due` is what a scheduler calls on every pass:
it prunes at most once a minute while nothing is left to delete, and at once again
while a full batch was deleted, so a process that falls behind (or starts on a
database full of expired executions) catches up without one long transaction.
"""

from __future__ import annotations

from perdure._service.context import ServiceContext

BATCH = 100
IDLE_INTERVAL_MS = 60_000


def prune_ended(ctx: ServiceContext, now: int, limit: int = BATCH) -> int:
    """Delete up to `limit` executions whose retention ran out by `now` (epoch ms);
    how many were deleted."""
    arns = ctx.store.prune_ended(now, limit)
    for arn in arns:
        ctx.forget(arn)
    return len(arns)


def prune_due(ctx: ServiceContext) -> int:
    """`prune_ended` when it is time to look again; cheap to call on every pass."""
    now = ctx.now()
    if now < ctx.next_prune_at:
        return 0
    pruned = prune_ended(ctx, now, BATCH)
    ctx.next_prune_at = now if pruned >= BATCH else now + IDLE_INTERVAL_MS
    return pruned
