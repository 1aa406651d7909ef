"""Effects that cross executions: a finished child settles its parent's chained invoke."""

from __future__ import annotations

from functools import partial

from perdure._engine.callbacks import settle_chained_invoke
from perdure._model.state import ExecutionState, ParentNotice, Transition
from perdure._service.context import ServiceContext
from perdure.errors import ResourceNotFoundError


def _settle(ctx: ServiceContext, n: ParentNotice, state: ExecutionState) -> Transition | None:
    return settle_chained_invoke(state, n.parent_op_id, n.status, n.result, n.error, ctx.now())


def settle_parents(ctx: ServiceContext, transition: Transition) -> None:
    pending = list(transition.parent_notices)
    while pending:
        notice = pending.pop(0)

        try:
            _, t = ctx.transact(notice.parent_arn, partial(_settle, ctx, notice))
        except ResourceNotFoundError:
            continue
        if t is not None:
            pending.extend(t.parent_notices)
