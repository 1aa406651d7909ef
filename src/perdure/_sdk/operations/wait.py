"""`context.wait`: pause the execution for a duration without holding a process.

The service owns the timer: START records the wait with its end time, the invocation
suspends, and the service completes the wait and re-invokes. Like AWS, a wait found not
yet SUCCEEDED suspends for its full duration from now (the recorded end time is ignored).
"""

from __future__ import annotations

from perdure._model import Operation, OperationAction, OperationStatus, OperationType, WaitOptions
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.operations import RETURN, START, Action, Decision
from perdure._sdk.operations.scope import OperationScope
from perdure._sdk.values import Duration
from perdure.errors import TimedSuspendExecution, ValidationError


def decide_wait(op: Operation | None, wait_seconds: int, now_ms: int) -> Decision:
    if op is None:
        return START
    if op.status is OperationStatus.SUCCEEDED:
        return RETURN
    return Decision(Action.SUSPEND, resume_at_ms=now_ms + wait_seconds * 1000)


def run_wait(ctx: OperationScope, duration: Duration, name: str | None) -> None:
    seconds = duration.to_seconds()
    if seconds < 1:
        raise ValidationError("Wait duration must be at least 1 second")
    state = ctx.state
    op_id = ctx._begin_operation()
    ident = OperationIdentifier(op_id, "Wait", ctx._parent_id, name, OperationType.WAIT)
    decision = decide_wait(state.get_checkpoint(ident), seconds, state.clock.now_ms())
    if decision.action is Action.START:
        state.create_checkpoint(
            ident.update(OperationAction.START, wait_options=WaitOptions(wait_seconds=seconds)),
            is_sync=True,
        )
        decision = decide_wait(state.get_checkpoint(ident), seconds, state.clock.now_ms())
        if decision.action is Action.START:  # the response did not echo the wait
            decision = Decision(Action.SUSPEND, resume_at_ms=state.clock.now_ms() + seconds * 1000)
    if decision.action is Action.RETURN:
        ctx._end_operation(op_id)
        return
    assert decision.resume_at_ms is not None
    raise TimedSuspendExecution(
        f"Wait {name or op_id} for {seconds}s", decision.resume_at_ms / 1000
    )
