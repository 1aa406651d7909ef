"""Firing due timers. Each fires in its own transaction; a timer that another process
already fired no longer exists, so each fires exactly once."""

from __future__ import annotations

from functools import partial

from perdure._engine.timers import fire_timer
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.settle import settle_parents
from perdure._store.store import DueTimer


def _fire(ctx: ServiceContext, due: DueTimer, state: ExecutionState) -> Transition | None:
    return fire_timer(state, due.op_id, due.kind, ctx.now())


def fire_due_timers(ctx: ServiceContext, limit: int = 64) -> int:
    fired = 0
    for due in ctx.store.due_timers(ctx.now(), limit):
        _, transition = ctx.transact(due.arn, partial(_fire, ctx, due))
        if transition is not None:
            fired += 1
            if transition.parent_notices:
                settle_parents(ctx, transition)
    if fired:
        ctx.notify()
    return fired
