"""Pausing and resuming an execution from outside, and what a paused execution reports.

The rules live in `_engine.pause`; this module loads, decides and commits. A pause's
details (when it was asked for, why, whether the timeout stopped counting) are not a
column of their own: they are the last ExecutionPaused event, written in the same commit
as the status change, so the two can never disagree.
"""

from __future__ import annotations

from perdure._engine.pause import PAUSED_STATUSES, PauseInfo, pause_execution, resume_execution
from perdure._model import EventType, Execution
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure.errors import ResourceNotFoundError

_PAGE = 100


def pause(
    ctx: ServiceContext, arn: str, reason: str | None = None, timeout_paused: bool = True
) -> Execution:
    def decide(state: ExecutionState) -> Transition | None:
        return pause_execution(state, reason, timeout_paused, ctx.now())

    state, _ = ctx.transact(arn, decide)
    return state.record.execution


def resume(ctx: ServiceContext, arn: str, reason: str | None = None) -> Execution:
    with ctx.locked(arn):  # the pause read is the one the decision sees
        info = pause_info(ctx, arn)

        def decide(state: ExecutionState) -> Transition | None:
            return resume_execution(state, reason, info, ctx.now())

        state, transition = ctx.transact(arn, decide)
    if transition is not None:
        ctx.notify()  # what was held while paused is due now
    return state.record.execution


def pause_info(ctx: ServiceContext, arn: str) -> PauseInfo | None:
    """The latest pause of `arn` as its ExecutionPaused event recorded it, or None."""
    if ctx.store.row_version(arn) is None:
        raise ResourceNotFoundError(f"Durable execution {arn} does not exist")
    after = 0
    while True:
        events = ctx.store.events(arn, after, _PAGE, True)
        for ev in events:
            if ev.event_type is EventType.EXECUTION_RESUMED:
                return None
            if ev.event_type is EventType.EXECUTION_PAUSED:
                reason = ev.details.get("Reason") or {}
                return PauseInfo(
                    requested_at=int(ev.details["PauseRequestTimestamp"]),
                    reason=reason.get("Payload"),
                    timeout_paused=bool(ev.details.get("ExecutionTimeoutPaused", True)),
                )
        if len(events) < _PAGE:
            return None
        after = events[-1].event_id


def current_pause(ctx: ServiceContext, execution: Execution) -> PauseInfo | None:
    """The pause in force, for an execution that is PAUSED or PAUSING."""
    if execution.status not in PAUSED_STATUSES:
        return None
    return pause_info(ctx, execution.arn)
