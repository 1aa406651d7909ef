"""The handler's calls: checkpoint a batch of updates, read state pages.

A checkpoint is decided in three steps, each with one job: mint the identifiers the batch
needs (a new token, callback ids, child executions) before the transaction; inside it,
check the token, the limits and the functions a chained invoke targets, and let the
engine decide (`checkpoint_transition`, data in and data out); then carry out the
effects the transition asks for, child executions in the same commit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from perdure._engine.checkpoint import NOTHING_MINTED, ChildIds, Minted, checkpoint_transition
from perdure._engine.lifecycle import start_execution as engine_start
from perdure._engine.pause import held_record
from perdure._engine.validation import check_token, invoke_target
from perdure._model import (
    CheckpointResponse,
    OperationAction,
    OperationType,
    OperationUpdate,
    StateResponse,
)
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.limits import check_checkpoint, page_size
from perdure._service.settle import settle_parents
from perdure._service.start import new_execution, new_execution_ids
from perdure._store.store import SavedReply
from perdure.errors import InvalidParameterValueError


def checkpoint(
    ctx: ServiceContext,
    arn: str,
    token: str,
    updates: Sequence[OperationUpdate],
    client_token: str | None = None,
) -> CheckpointResponse:
    """Apply the running invocation's batch of `updates` under its `token`; the response
    carries the next token and every operation changed since the invocation last looked.
    A retried request with the same `client_token` gets the first one's answer: the
    commit saves it, so a retry finds its token used up and the answer saved."""
    minted = _mint(ctx, updates)
    decision = _Decision(ctx, token, updates, ctx.new_token(), minted, client_token)
    with ctx.locked(arn):
        try:
            state, transition = ctx.transact(
                arn, decision, decision.children, reply=decision.saved_reply
            )
        except InvalidParameterValueError:
            # Every commit rotates or withdraws the token, so a request whose reply was
            # saved is refused for its token before anything else is checked.
            saved = None
            if client_token is not None:
                saved = ctx.store.saved_reply(arn, client_token, token)
            if saved is None:
                raise
            return _replay_reply(ctx, arn, saved)
        assert transition is not None
        ops = [state.ops[op_id] for op_id in decision.answered]
    if transition.child_starts or transition.parent_notices:
        settle_parents(ctx, transition)
        ctx.notify()
    elif transition.timers_set:
        ctx.announce_due(min(timer.due_ms for timer in transition.timers_set))
    return CheckpointResponse(checkpoint_token=transition.record.token, operations=ops)


def _mint(ctx: ServiceContext, updates: Sequence[OperationUpdate]) -> Minted:
    """A callback id per CALLBACK START and a child execution per CHAINED_INVOKE START.
    Most batches need neither and share one empty value."""
    callback_ids: dict[str, str] | None = None
    children: dict[str, ChildIds] | None = None
    for u in updates:
        if u.action is not OperationAction.START:
            continue
        if u.operation_type is OperationType.CALLBACK:
            if callback_ids is None:
                callback_ids = {}
            callback_ids[u.operation_id] = ctx.new_callback_id()
            continue
        function_name = invoke_target(u)
        if function_name is not None:
            if children is None:
                children = {}
            child_arn, child_id = new_execution_ids(ctx, function_name)
            children[u.operation_id] = ChildIds(function_name, child_arn, child_id)
    if callback_ids is None and children is None:
        return NOTHING_MINTED
    return Minted(callback_ids or {}, children or {})


@dataclass(slots=True)
class _Decision:
    """One checkpoint's decision, made again as is if another writer commits first.
    Its answer carries the next token and `answered`: every operation changed since
    the invocation last looked."""

    ctx: ServiceContext
    token: str
    updates: Sequence[OperationUpdate]
    new_token: str
    minted: Minted
    client_token: str | None = None
    answered: list[str] = field(default_factory=list)
    answer_token: str | None = None

    def __call__(self, state: ExecutionState) -> Transition:
        check_token(state, self.token)
        check_checkpoint(self.ctx.settings.limits, state, self.updates)
        for child in self.minted.children.values():
            if not self.ctx.function_exists(child.function_name):
                raise InvalidParameterValueError(
                    f"Function not found: {child.function_name}. Register it with the "
                    "runtime before invoking it"
                )
        seen_before = state.record.token_seen_seq
        transition = checkpoint_transition(
            state, self.updates, self.ctx.now(), self.new_token, self.minted
        )
        self.answer_token = transition.record.token
        # A pause that took hold sends neither token nor operations (reference §3.2).
        held = held_record(transition.record)
        self.answered = [] if held else state.changed_ids_since(seen_before, transition)
        return transition

    def saved_reply(self) -> SavedReply | None:
        """The answer of the decision just made, to save in its commit for retries."""
        if self.client_token is None:
            return None
        reply = json.dumps({"token": self.answer_token, "ops": self.answered})
        return SavedReply(self.client_token, self.token, reply, self.ctx.now())

    def children(self, transition: Transition) -> list[tuple[ExecutionState, Transition]]:
        """The child executions `transition` starts, built to commit with it."""
        parent_arn = transition.record.execution.arn
        children = []
        for start in transition.child_starts:
            child = new_execution(
                self.ctx,
                start.function_name,
                start.payload,
                execution_id=start.child_execution_id,
                arn=start.child_arn,
                tenant_id=start.tenant_id,
                parent_arn=parent_arn,
                parent_operation_id=start.op_id,
            )
            children.append(engine_start(child, self.ctx.now()))
        return children


def _replay_reply(ctx: ServiceContext, arn: str, saved: str) -> CheckpointResponse:
    data = json.loads(saved)
    _, state = ctx.load(arn)
    ops = [state.ops[i] for i in data["ops"] if i in state.ops]
    return CheckpointResponse(checkpoint_token=data["token"], operations=ops)


def get_state(
    ctx: ServiceContext, arn: str, token: str, marker: str | None, max_items: int | None
) -> StateResponse:
    limit = page_size(ctx.settings.limits, max_items)
    with ctx.locked(arn):
        _, state = ctx.load(arn)
        check_token(state, token)
        ops = list(state.ops.values())
    start = 0
    if marker:
        try:
            start = int(marker)
        except ValueError:
            raise InvalidParameterValueError(
                "Invalid Marker: pass the NextMarker of the previous page unchanged"
            ) from None
    page = ops[start : start + limit]
    nxt = str(start + limit) if start + limit < len(ops) else None
    return StateResponse(operations=page, next_marker=nxt)
