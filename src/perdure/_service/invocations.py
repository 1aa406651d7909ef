"""Invocations as runners see them: claim the next ones under a lease, keep the lease
alive, record how each ended, and give up on those whose runner went silent.

Why an invocation's end is a commit of its own rather than part of its last checkpoint:
that checkpoint is usually a synchronous one (a step's SUCCEED) which the handler waits
on, and between it and the handler's return runs the user's own code, which may act on
the step's result outside any step (call a service, write a file, log). Folding the two
would mean giving the handler the result before it is durable, so a crash could leave
an effect that depends on a result never recorded, and the step would run again,
perhaps with another result. Nothing can show that no such code runs in between, so the
two stay separate commits. A start and its first claim, where no user code runs in
between, do share one (`local_runner`): a one-step execution costs three commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perdure._engine.invocations import begin_invocation, complete_invocation
from perdure._engine.timers import next_due
from perdure._model import ErrorObject, InvocationInput, InvocationOutput
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.limits import bounded_output
from perdure._service.settle import settle_parents


@dataclass(frozen=True)
class ClaimedInvocation:
    """An invocation handed to a runner under a lease: run `input` with `function_name`,
    then record the outcome under `request_id`."""

    arn: str
    request_id: str
    function_name: str
    input: InvocationInput


def due_invocations(ctx: ServiceContext, limit: int = 32) -> list[str]:
    return ctx.store.due_invocations(ctx.now(), limit)


def claim_invocation(
    ctx: ServiceContext, arn: str, owner: str, lease_ms: int
) -> tuple[str, InvocationInput] | None:
    """Start the queued invocation of `arn`: a fresh token and the state to replay.
    Returns (request id, input), or None if it is not due any more."""
    claimed = _claim(ctx, arn, owner, lease_ms)
    return None if claimed is None else (claimed.request_id, claimed.input)


def claim(ctx: ServiceContext, arn: str, owner: str, lease_ms: int) -> ClaimedInvocation | None:
    """As `claim_invocation`, with the function to run it with (its runner needs no
    read of the execution to learn it)."""
    return _claim(ctx, arn, owner, lease_ms)


def claim_due(
    ctx: ServiceContext, functions: Sequence[str], owner: str, lease_ms: int, limit: int
) -> list[ClaimedInvocation]:
    """Claim up to `limit` due invocations of `functions` for `owner`, each leased for
    `lease_ms`. Each claim commits guarded by the execution's row version, so when
    several workers (or server processes) race for one invocation exactly one gets it;
    the losers simply move on to the next due one."""
    claimed: list[ClaimedInvocation] = []
    if limit <= 0 or not functions:
        return claimed
    # Ask for a few more than wanted: some may be taken by a competitor meanwhile.
    for arn in ctx.store.due_invocations(ctx.now(), limit * 2, functions):
        got = _claim(ctx, arn, owner, lease_ms)
        if got is not None:
            claimed.append(got)
            if len(claimed) >= limit:
                break
    return claimed


def _claim(ctx: ServiceContext, arn: str, owner: str, lease_ms: int) -> ClaimedInvocation | None:
    token = ctx.new_token()
    request_id = ctx.new_request_id()
    holder: list[ClaimedInvocation] = []

    def decide(state: ExecutionState) -> Transition | None:
        holder.clear()
        if state.record.invoke_at > ctx.now():
            return None
        begun = begin_invocation(state, ctx.now(), token, request_id)
        if begun is None:
            return None
        transition, inp = begun
        function_name = state.record.execution.function_name
        holder.append(ClaimedInvocation(arn, request_id, function_name, inp))
        return transition

    _, transition = ctx.transact(arn, decide, lease=lambda: (owner, ctx.now() + lease_ms))
    if transition is None:
        return None
    return holder[0]


def finish_invocation(
    ctx: ServiceContext,
    arn: str,
    request_id: str,
    output: InvocationOutput | None,
    failure: ErrorObject | None = None,
) -> bool:
    """Record how invocation `request_id` ended. False if it is not the running
    invocation any more (its lease expired and it was recorded as failed, or it was
    already recorded): a stale runner's outcome is ignored."""

    def decide(state: ExecutionState) -> Transition | None:
        bounded = bounded_output(ctx.settings.limits, state.record.execution, output)
        return complete_invocation(
            state, ctx.now(), request_id, bounded, failure, ctx.settings.retry
        )

    with ctx.locked(arn):
        state, transition = ctx.transact(arn, decide, lease=lambda: ("", 0))
        # Read under the lock: the cached state is only stable there.
        due = next_due(state) if transition is not None else None
    if transition is not None:
        if transition.parent_notices:
            settle_parents(ctx, transition)
            due = 0  # the parents' own work is unknown here: have the dispatcher look
        ctx.notify(due)
    return transition is not None


def renew_lease(ctx: ServiceContext, arn: str, owner: str, lease_ms: int) -> None:
    ctx.store.lease(arn, owner, ctx.now() + lease_ms)


def heartbeat(
    ctx: ServiceContext, arn: str, request_id: str, owner: str, lease_ms: int
) -> int | None:
    """Extend the lease of the running invocation `request_id` to now + `lease_ms`;
    the new expiry, or None if that invocation is no longer running (the worker has
    lost it and must not expect its checkpoints to be accepted)."""
    expires = ctx.now() + lease_ms
    if ctx.store.renew_lease(arn, request_id, owner, expires):
        return expires
    return None


def expire_leases(ctx: ServiceContext, limit: int = 32) -> int:
    """Invocations whose worker stopped heartbeating are recorded as failed (and retried).

    A heartbeat that lands between the lookup and the commit does not save the
    invocation (the lease is not part of the guarded state); the worker then finds its
    token refused and its outcome ignored, which costs a retry, never a double write."""
    count = 0
    for arn in ctx.store.expired_leases(ctx.now(), limit):
        if _give_up(ctx, arn, "The worker running this invocation stopped responding"):
            count += 1
    return count


def lease_owners(ctx: ServiceContext) -> list[str]:
    return ctx.store.lease_owners()


def release_leases_of(ctx: ServiceContext, owner: str, limit: int = 256) -> int:
    """Record the invocations leased to `owner`, a runner known to be gone (its process
    no longer exists), as failed now rather than when their leases expire, so they are
    retried within a backoff instead of a lease period."""
    count = 0
    for arn in ctx.store.leases_held_by(owner, limit):
        if _give_up(ctx, arn, f"The process running this invocation ({owner}) exited"):
            count += 1
    return count


def _give_up(ctx: ServiceContext, arn: str, message: str) -> bool:
    with ctx.locked(arn):
        _, state = ctx.load(arn)
        request_id = state.record.request_id
    if request_id is None:
        return False
    return finish_invocation(
        ctx, arn, request_id, None, ErrorObject(message=message, type="Runtime.LeaseExpired")
    )
