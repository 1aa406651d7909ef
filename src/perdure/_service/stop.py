"""Stopping an execution from outside."""

from __future__ import annotations

from perdure._engine.lifecycle import stop_execution as engine_stop
from perdure._model import TERMINAL_EXECUTION_STATUSES, ErrorObject, Execution
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.limits import check_error
from perdure._service.settle import settle_parents


def stop_execution(ctx: ServiceContext, arn: str, error: ErrorObject | None) -> Execution:
    if error is not None:
        check_error(ctx.settings.limits, error, "The stop request's")

    def decide(state: ExecutionState) -> Transition | None:
        if state.record.execution.status in TERMINAL_EXECUTION_STATUSES:
            return None
        return engine_stop(state, error, ctx.now())

    state, transition = ctx.transact(arn, decide)
    if transition is not None:
        if transition.parent_notices:
            settle_parents(ctx, transition)
        ctx.notify()
    return state.record.execution
