"""`context.create_callback`: an id an outside system completes later.

START is synchronous because the service mints the callback id and returns it in the
checkpoint response. The callback's outcome is read only by `Callback.result()`, so
creating a callback never fails on replay; failures and timeouts surface where the
handler asks for the result.
"""

from __future__ import annotations

from typing import Any, Generic, NoReturn, TypeVar

from perdure._model import (
    CallbackOptions,
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
)
from perdure._sdk.config import CallbackConfig
from perdure._sdk.error_mapping import raise_as_operation_error
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.operations import FAIL, RETURN, START, SUSPEND, Action, Decision
from perdure._sdk.operations.scope import OperationScope
from perdure._sdk.serdes import PassThroughSerDes, deserialize
from perdure._sdk.state import ExecutionState
from perdure._sdk.types import Callback as CallbackProtocol
from perdure.errors import (
    CallbackError,
    CallbackExternalError,
    CallbackTimeoutError,
    SuspendExecution,
)

T = TypeVar("T")

_PASS_THROUGH: PassThroughSerDes[Any] = PassThroughSerDes()


def decide_create_callback(op: Operation | None) -> Decision:
    """Any recorded callback (whatever its status) already has its id."""
    return START if op is None else RETURN


def decide_callback_result(op: Operation | None) -> Decision:
    if op is None:
        return FAIL
    if op.status is OperationStatus.SUCCEEDED:
        return RETURN
    if op.status in (
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.STOPPED,
        OperationStatus.TIMED_OUT,
    ):
        return FAIL
    return SUSPEND


class Callback(Generic[T], CallbackProtocol[T]):
    """A callback created by `create_callback`; `result()` suspends until it completes."""

    def __init__(
        self,
        callback_id: str,
        operation_id: str,
        state: ExecutionState,
        serdes: Any = None,
    ) -> None:
        self.callback_id = callback_id
        self.operation_id = operation_id
        self._state = state
        self._serdes = serdes

    def result(self) -> T | None:
        op = self._state.get_operation(self.operation_id)
        decision = decide_callback_result(op)
        if op is None:
            raise CallbackError("Callback operation must exist")
        details = op.callback_details
        if decision.action is Action.RETURN:
            if details is None or details.result is None:
                return None
            value: T = deserialize(
                self._serdes or _PASS_THROUGH,
                details.result,
                self.operation_id,
                self._state.durable_execution_arn,
            )
            return value
        if decision.action is Action.FAIL:
            error = details.error if details is not None else None
            if op.status is OperationStatus.TIMED_OUT:
                _raise_recorded(error, CallbackTimeoutError, "Callback timed out")
            _raise_recorded(error, CallbackExternalError, "Callback failed")
        raise SuspendExecution(f"Callback {self.callback_id} has no result yet")


def _raise_recorded(
    error: ErrorObject | None, wrapper: type[CallbackError], default: str
) -> NoReturn:
    if error is None:
        error = ErrorObject(message=default)
    elif error.message is None:
        error = ErrorObject(default, error.type, error.data, error.stack_trace)
    raise_as_operation_error(error, wrapper)


def run_create_callback(
    ctx: OperationScope, name: str | None, config: CallbackConfig | None
) -> Callback[Any]:
    config = config or CallbackConfig()
    state = ctx.state
    op_id = ctx._begin_operation()
    ident = OperationIdentifier(
        op_id, config.sub_type or "Callback", ctx._parent_id, name, OperationType.CALLBACK
    )
    op = state.get_checkpoint(ident)
    if decide_create_callback(op).action is Action.START:
        options = CallbackOptions(
            timeout_seconds=config.timeout_seconds,
            heartbeat_timeout_seconds=config.heartbeat_timeout_seconds,
        )
        state.create_checkpoint(
            ident.update(OperationAction.START, callback_options=options), is_sync=True
        )
        op = state.get_checkpoint(ident)
    if op is None or op.callback_details is None or not op.callback_details.callback_id:
        raise CallbackError(f"Callback {name or op_id} has no callback id in recorded state")
    callback: Callback[Any] = Callback(op.callback_details.callback_id, op_id, state, config.serdes)
    ctx._end_operation(op_id)
    return callback
