"""Invocations as the runtime sees them: claim the next one, record how it ended."""

from __future__ import annotations

from perdure._engine.invocations import begin_invocation, complete_invocation
from perdure._model import ErrorObject, InvocationInput, InvocationOutput
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.settle import settle_parents


def due_invocations(ctx: ServiceContext, limit: int = 32) -> list[str]:
    return ctx.store.due_invocations(ctx.now(), limit)


def claim_invocation(
    ctx: ServiceContext, arn: str, owner: str, lease_ms: int
) -> tuple[str, InvocationInput] | None:
    """Start the queued invocation of `arn`: a fresh token and the state to replay.
    Returns (request id, input), or None if it is not due any more."""
    token = ctx.new_token()
    request_id = ctx.new_request_id()
    holder: list[InvocationInput] = []

    def decide(state: ExecutionState) -> Transition | None:
        holder.clear()
        if state.record.invoke_at > ctx.now():
            return None
        begun = begin_invocation(state, ctx.now(), token, request_id)
        if begun is None:
            return None
        transition, inp = begun
        holder.append(inp)
        return transition

    _, transition = ctx.transact(arn, decide, lease=lambda: (owner, ctx.now() + lease_ms))
    if transition is None:
        return None
    return request_id, holder[0]


def finish_invocation(
    ctx: ServiceContext,
    arn: str,
    request_id: str,
    output: InvocationOutput | None,
    failure: ErrorObject | None = None,
) -> None:
    def decide(state: ExecutionState) -> Transition | None:
        return complete_invocation(
            state, ctx.now(), request_id, output, failure, ctx.settings.retry
        )

    _, transition = ctx.transact(arn, decide, lease=lambda: ("", 0))
    if transition is not None:
        if transition.parent_notices:
            settle_parents(ctx, transition)
        ctx.notify()


def renew_lease(ctx: ServiceContext, arn: str, owner: str, lease_ms: int) -> None:
    ctx.store.lease(arn, owner, ctx.now() + lease_ms)


def expire_leases(ctx: ServiceContext, limit: int = 32) -> int:
    """Invocations whose worker stopped heartbeating are recorded as failed (and retried)."""
    count = 0
    for arn in ctx.store.expired_leases(ctx.now(), limit):
        _, state = ctx.load(arn)
        request_id = state.record.request_id
        if request_id is None:
            continue
        finish_invocation(
            ctx,
            arn,
            request_id,
            None,
            ErrorObject(
                message="The worker running this invocation stopped responding",
                type="Runtime.LeaseExpired",
            ),
        )
        count += 1
    return count
