"""Starting an execution, idempotently by name."""

from __future__ import annotations

from dataclasses import dataclass

from perdure import _ids
from perdure._engine.invocations import start_and_begin
from perdure._engine.lifecycle import start_execution as engine_start
from perdure._engine.timers import next_due
from perdure._model import Execution, ExecutionStatus
from perdure._model.durable_config import check_execution_timeout
from perdure._service.context import ServiceContext
from perdure._service.limits import check_invoke_input, payload_size
from perdure._service.local_runner import Reservation
from perdure._wire.arns import execution_arn
from perdure.errors import (
    ExecutionAlreadyStartedError,
    InvalidParameterValueError,
    ResourceNotFoundError,
)

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@dataclass(frozen=True)
class Started:
    arn: str
    created: bool


def new_execution(
    ctx: ServiceContext,
    function_name: str,
    payload: str | None,
    *,
    name: str | None = None,
    version: str = "$LATEST",
    execution_timeout: int | None = None,
    tenant_id: str | None = None,
    parent_arn: str | None = None,
    parent_operation_id: str | None = None,
    execution_id: str | None = None,
    arn: str | None = None,
    synchronous: bool = False,
) -> Execution:
    """Build (not store) a new execution record, with the function's `DurableConfig`
    as it is now (`execution_timeout` overrides its timeout)."""
    exec_id = execution_id or _ids.execution_id()
    exec_name = name or exec_id
    config = ctx.durable_config(function_name)
    timeout = execution_timeout or config.execution_timeout
    assert timeout is not None and config.retention_period_in_days is not None
    return Execution(
        arn=arn or _arn(ctx, function_name, version, exec_name, exec_id),
        execution_id=exec_id,
        name=exec_name,
        function_name=function_name,
        version=version,
        status=ExecutionStatus.RUNNING,
        start_timestamp=ctx.now(),
        input_payload=payload,
        execution_timeout=timeout,
        tenant_id=tenant_id,
        parent_arn=parent_arn,
        parent_operation_id=parent_operation_id,
        retention_days=config.retention_period_in_days,
        sync_invoke=synchronous,
    )


def new_execution_ids(ctx: ServiceContext, function_name: str) -> tuple[str, str]:
    """(ARN, execution id) for an unnamed execution of `function_name` at `$LATEST`, as
    `new_execution` would give it: minted ahead when the ARN must be known before the
    execution is built (a chained invoke records its child's ARN)."""
    exec_id = _ids.execution_id()
    return _arn(ctx, function_name, "$LATEST", exec_id, exec_id), exec_id


def _arn(ctx: ServiceContext, function_name: str, version: str, name: str, exec_id: str) -> str:
    settings = ctx.settings
    return execution_arn(settings.region, settings.account, function_name, version, name, exec_id)


def validate_name(name: str) -> None:
    if not 1 <= len(name) <= 64 or not set(name) <= _NAME_CHARS:
        raise InvalidParameterValueError(
            f"Invalid durable execution name {name!r}: use 1 to 64 characters from "
            "a-z, A-Z, 0-9, '-' and '_'"
        )


def start_execution(
    ctx: ServiceContext,
    function_name: str,
    payload: str | None,
    *,
    name: str | None = None,
    version: str = "$LATEST",
    execution_timeout: int | None = None,
    tenant_id: str | None = None,
    synchronous: bool = False,
) -> Started:
    """Start an execution of `function_name` with input `payload` (JSON text), or find
    the one already started under `name` with the same input. `synchronous`: started
    by a RequestResponse Invoke, which allows a larger input and result."""
    if not ctx.function_exists(function_name):
        raise ResourceNotFoundError(f"Function not found: {function_name}")
    if name is not None:
        validate_name(name)
    if execution_timeout is not None:
        try:
            check_execution_timeout(execution_timeout)
        except ValueError as exc:
            raise InvalidParameterValueError(str(exc)) from None
    check_invoke_input(ctx.settings.limits, payload_size(payload), synchronous=synchronous)
    # No lock: the store creates an execution only if its name is free, so of two
    # starts under one name, here or in another process, one creates and the other
    # finds it.
    if name is not None:
        existing = ctx.store.find_by_name(function_name, name)
        if existing is not None:
            return _same_or_conflict(existing, payload)
    execution = new_execution(
        ctx,
        function_name,
        payload,
        name=name,
        version=version,
        execution_timeout=execution_timeout,
        tenant_id=tenant_id,
        synchronous=synchronous,
    )
    runner = ctx.local_runner
    reservation = None if runner is None else runner.reserve(function_name)
    if reservation is not None:
        return _start_claimed(ctx, execution, payload, reservation)
    state, transition = engine_start(execution, ctx.now())
    if not ctx.store.create_execution(state, transition):
        return _found(ctx, execution, payload)
    state.apply(transition)
    ctx.adopt(execution.arn, state)
    ctx.notify()
    return Started(arn=execution.arn, created=True)


def _start_claimed(
    ctx: ServiceContext, execution: Execution, payload: str | None, reservation: Reservation
) -> Started:
    """Create the execution with its first invocation claimed for `reservation`'s thread,
    in one commit, and hand the invocation to it (`local_runner`)."""
    now = ctx.now()
    request_id = ctx.new_request_id()
    try:
        begun = start_and_begin(execution, now, ctx.new_token(), request_id)
        assert begun is not None  # a new execution's first invocation can always begin
        state, transition, inp = begun
        lease = (reservation.owner, now + reservation.lease_ms)
        created = ctx.store.create_execution(state, transition, lease)
    except BaseException:
        reservation.release()
        raise
    if not created:
        reservation.release()
        return _found(ctx, execution, payload)
    state.apply(transition)
    ctx.adopt(execution.arn, state)
    reservation.run(execution.arn, request_id, inp)
    ctx.notify(next_due(state))
    return Started(arn=execution.arn, created=True)


def _found(ctx: ServiceContext, execution: Execution, payload: str | None) -> Started:
    """The execution that took `execution`'s name first (a start lost the race)."""
    existing = ctx.store.find_by_name(execution.function_name, execution.name)
    assert existing is not None
    return _same_or_conflict(existing, payload)


def _same_or_conflict(existing: Execution, payload: str | None) -> Started:
    if (existing.input_payload or None) == (payload or None):
        return Started(arn=existing.arn, created=False)
    raise ExecutionAlreadyStartedError(
        f"A durable execution named {existing.name!r} already exists for this function with "
        "a different input; choose another name or send the same input"
    )
