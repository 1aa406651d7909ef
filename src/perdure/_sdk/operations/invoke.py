"""`context.invoke`: run another durable function and wait for its result.

START is synchronous and carries the serialized payload; the service starts the target
and the caller suspends (with no time: the target's completion re-invokes it). Payload
and result use plain JSON by default, not the extended serdes.
"""

from __future__ import annotations

from typing import Any

from perdure._model import (
    ChainedInvokeOptions,
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
)
from perdure._sdk.config import InvokeConfig
from perdure._sdk.error_mapping import raise_as_operation_error
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.operations import FAIL, RETURN, START, SUSPEND, Action, Decision
from perdure._sdk.operations.scope import OperationScope
from perdure._sdk.plugin_types import PropagationInput
from perdure._sdk.serdes import DEFAULT_JSON_SERDES, deserialize, serialize
from perdure.errors import InvokeError, SuspendExecution


def decide_invoke(op: Operation | None) -> Decision:
    if op is None:
        return START
    if op.status is OperationStatus.SUCCEEDED:
        return RETURN
    if op.status in (OperationStatus.FAILED, OperationStatus.TIMED_OUT, OperationStatus.STOPPED):
        return FAIL
    return SUSPEND


def run_invoke(
    ctx: OperationScope,
    function_name: str,
    payload: Any,
    name: str | None,
    config: InvokeConfig[Any, Any] | None,
) -> Any:
    config = config or InvokeConfig()
    state = ctx.state
    arn = ctx.execution_context.durable_execution_arn
    op_id = ctx._begin_operation()
    ident = OperationIdentifier(
        op_id, "ChainedInvoke", ctx._parent_id, name, OperationType.CHAINED_INVOKE
    )
    op = state.get_checkpoint(ident)
    decision = decide_invoke(op)
    if decision.action is Action.START:
        body = serialize(config.serdes_payload or DEFAULT_JSON_SERDES, payload, op_id, arn)
        trace_id = None
        if state.plugins is not None:  # a new START only: never asked on replay
            request = PropagationInput(arn, op_id, function_name, ctx._parent_id)
            trace_id = state.plugins.propagation_trace_id(request)
        options = ChainedInvokeOptions(
            function_name=function_name, tenant_id=config.tenant_id, x_amzn_trace_id=trace_id
        )
        state.create_checkpoint(
            ident.update(OperationAction.START, payload=body, chained_invoke_options=options),
            is_sync=True,
        )
        op = state.get_checkpoint(ident)
        decision = decide_invoke(op)
        if decision.action is Action.START:
            decision = SUSPEND
    details = op.chained_invoke_details if op is not None else None
    if decision.action is Action.RETURN:
        result = details.result if details is not None else None
        value = deserialize(config.serdes_result or DEFAULT_JSON_SERDES, result, op_id, arn)
        ctx._end_operation(op_id)
        return value
    if decision.action is Action.FAIL:
        error = details.error if details is not None and details.error else None
        status = op.status.value if op is not None else "FAILED"
        raise_as_operation_error(
            error or ErrorObject(message=f"Invoke of {function_name} {status.lower()}"),
            InvokeError,
        )
    raise SuspendExecution(f"Waiting for invoke of {function_name} ({name or op_id})")
