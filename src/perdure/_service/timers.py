"""Firing due timers. Each fires in its own transaction; a timer that another process
already fired no longer exists, so each fires exactly once."""

from __future__ import annotations

from perdure._engine.timers import fire_timer
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.settle import settle_parents


def fire_due_timers(ctx: ServiceContext, limit: int = 64) -> int:
    fired = 0
    for due in ctx.store.due_timers(ctx.now(), limit):

        def decide(state: ExecutionState, d=due) -> Transition | None:  # type: ignore[no-untyped-def]
            return fire_timer(state, d.op_id, d.kind, ctx.now())

        _, transition = ctx.transact(due.arn, decide)
        if transition is not None:
            fired += 1
            if transition.parent_notices:
                settle_parents(ctx, transition)
    if fired:
        ctx.notify()
    return fired
