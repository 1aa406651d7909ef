"""Callback results from outside systems. The callback id alone locates the execution."""

from __future__ import annotations

from collections.abc import Callable

from perdure._engine import callbacks as rules
from perdure._model import ErrorObject
from perdure._model.state import ExecutionState, Transition
from perdure._service.context import ServiceContext
from perdure._service.limits import check_callback_result, check_error
from perdure._store.store import CallbackRef
from perdure.errors import InvalidParameterValueError, ResourceNotFoundError


def _resolve(ctx: ServiceContext, callback_id: str) -> CallbackRef:
    if not callback_id or len(callback_id) > 1024:
        raise InvalidParameterValueError("Invalid callback id: expected 1 to 1024 characters")
    ref = ctx.store.resolve_callback(callback_id)
    if ref is None:
        raise ResourceNotFoundError(f"Callback {callback_id} does not exist")
    return ref


def _run(
    ctx: ServiceContext, callback_id: str, rule: Callable[[ExecutionState, CallbackRef], Transition]
) -> None:
    ref = _resolve(ctx, callback_id)
    ctx.transact(ref.arn, lambda state: rule(state, ref))
    ctx.notify()


def send_success(ctx: ServiceContext, callback_id: str, result: bytes | None) -> None:
    check_callback_result(ctx.settings.limits, 0 if result is None else len(result))
    try:
        text = result.decode("utf-8") if result else None
    except UnicodeDecodeError:
        raise InvalidParameterValueError("Callback result must be UTF-8 text") from None
    _run(ctx, callback_id, lambda s, r: rules.callback_success(s, r.op_id, text, ctx.now()))


def send_failure(ctx: ServiceContext, callback_id: str, error: ErrorObject | None) -> None:
    if error is not None:
        check_error(ctx.settings.limits, error, "The callback failure's")
    _run(ctx, callback_id, lambda s, r: rules.callback_failure(s, r.op_id, error, ctx.now()))


def send_heartbeat(ctx: ServiceContext, callback_id: str) -> None:
    _run(
        ctx,
        callback_id,
        lambda s, r: rules.callback_heartbeat(s, r.op_id, r.heartbeat_seconds, ctx.now()),
    )
