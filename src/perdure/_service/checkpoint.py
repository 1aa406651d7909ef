"""The handler's calls: checkpoint a batch of updates, read state pages."""

from __future__ import annotations

import json
from collections.abc import Sequence

from perdure._engine.checkpoint import CheckpointIds, apply_checkpoint, check_token
from perdure._engine.lifecycle import start_execution as engine_start
from perdure._engine.pause import held, take_hold
from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.limits import check_checkpoint, page_size
from perdure._service.settle import settle_parents
from perdure._service.start import new_execution
from perdure.errors import InvalidParameterValueError, ResourceNotFoundError


def checkpoint(
    ctx: ServiceContext,
    arn: str,
    token: str,
    updates: Sequence[OperationUpdate],
    client_token: str | None = None,
) -> CheckpointResponse:
    with ctx.lock:
        if client_token is not None:
            saved = ctx.store.saved_reply(arn, client_token, token)
            if saved is not None:
                return _replay_reply(ctx, arn, saved)
        minted: list[tuple[str, str]] = []
        new_token = ctx.new_token()
        seen_before = 0
        children: list[tuple[ExecutionState, Transition]] = []

        def new_child(function_name: str) -> tuple[str, str]:
            if not ctx.function_exists(function_name):
                raise InvalidParameterValueError(
                    f"Function not found: {function_name}. Register it with the runtime "
                    "before invoking it"
                )
            ex = new_execution(ctx, function_name, None)
            minted.append((ex.arn, ex.execution_id))
            return ex.arn, ex.execution_id

        ids = CheckpointIds(
            new_token=lambda: new_token,
            new_callback_id=ctx.new_callback_id,
            new_child_execution=new_child,
        )

        def decide(state: ExecutionState) -> Transition:
            nonlocal seen_before
            check_token(state, token)
            check_checkpoint(ctx.settings.limits, state, updates)
            minted.clear()
            seen_before = state.record.token_seen_seq
            draft = apply_checkpoint(state, updates, ctx.now(), ids)
            if take_hold(draft):
                return draft.finish(seen=True)
            closing = draft.record.closing_status is not None
            return draft.finish(seen=True, token=None if closing else new_token)

        def make_children(t: Transition) -> list[tuple[ExecutionState, Transition]]:
            children.clear()
            parent = t.record.execution
            for start in t.child_starts:
                child = new_execution(
                    ctx,
                    start.function_name,
                    start.payload,
                    execution_id=start.child_execution_id,
                    arn=start.child_arn,
                    tenant_id=start.tenant_id,
                    parent_arn=parent.arn,
                    parent_operation_id=start.op_id,
                )
                children.append(engine_start(child, ctx.now()))
            return children

        state, transition = ctx.transact(arn, decide, make_children)
        assert transition is not None
        resp_token = transition.record.token
        # A pause that took hold sends neither token nor operations (reference §3.2).
        ops = [] if held(state) else state.changed_since(seen_before)
        if client_token is not None:
            reply = json.dumps({"token": resp_token, "ops": [op.operation_id for op in ops]})
            ctx.store.save_reply(arn, client_token, token, reply, ctx.now())
    if children or transition.parent_notices:
        settle_parents(ctx, transition)
        ctx.notify()
    return CheckpointResponse(checkpoint_token=resp_token, operations=ops)


def _replay_reply(ctx: ServiceContext, arn: str, saved: str) -> CheckpointResponse:
    data = json.loads(saved)
    _, state = ctx.load(arn)
    ops = [state.ops[i] for i in data["ops"] if i in state.ops]
    return CheckpointResponse(checkpoint_token=data["token"], operations=ops)


def get_state(
    ctx: ServiceContext, arn: str, token: str, marker: str | None, max_items: int | None
) -> StateResponse:
    limit = page_size(ctx.settings.limits, max_items)
    with ctx.lock:
        try:
            _, state = ctx.load(arn)
        except ResourceNotFoundError:
            raise
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
