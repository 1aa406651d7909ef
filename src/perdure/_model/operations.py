"""Operations (recorded state) and operation updates (what a checkpoint asks for)."""

from __future__ import annotations

from dataclasses import dataclass

from perdure._model.enums import (
    OperationAction,
    OperationStatus,
    OperationType,
)


@dataclass(frozen=True, slots=True)
class ErrorObject:
    """An error as recorded and carried on the wire; every field is optional."""

    message: str | None = None
    type: str | None = None
    data: str | None = None
    stack_trace: list[str] | None = None


@dataclass(frozen=True, slots=True)
class ExecutionDetails:
    input_payload: str | None = None


@dataclass(frozen=True, slots=True)
class ContextDetails:
    replay_children: bool = False
    result: str | None = None
    error: ErrorObject | None = None


@dataclass(frozen=True, slots=True)
class StepDetails:
    attempt: int = 0
    next_attempt_timestamp: int | None = None
    result: str | None = None
    error: ErrorObject | None = None


@dataclass(frozen=True, slots=True)
class WaitDetails:
    scheduled_end_timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class CallbackDetails:
    callback_id: str | None = None
    result: str | None = None
    error: ErrorObject | None = None


@dataclass(frozen=True, slots=True)
class ChainedInvokeDetails:
    result: str | None = None
    error: ErrorObject | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One recorded operation of an execution (the API's `Operation` shape)."""

    operation_id: str
    operation_type: OperationType
    status: OperationStatus
    start_timestamp: int
    parent_id: str | None = None
    name: str | None = None
    sub_type: str | None = None
    end_timestamp: int | None = None
    execution_details: ExecutionDetails | None = None
    context_details: ContextDetails | None = None
    step_details: StepDetails | None = None
    wait_details: WaitDetails | None = None
    callback_details: CallbackDetails | None = None
    chained_invoke_details: ChainedInvokeDetails | None = None


@dataclass(frozen=True, slots=True)
class ContextOptions:
    replay_children: bool = False


@dataclass(frozen=True, slots=True)
class StepOptions:
    next_attempt_delay_seconds: int = 0


@dataclass(frozen=True, slots=True)
class WaitOptions:
    wait_seconds: int = 0


@dataclass(frozen=True, slots=True)
class CallbackOptions:
    timeout_seconds: int = 0
    heartbeat_timeout_seconds: int = 0


@dataclass(frozen=True, slots=True)
class ChainedInvokeOptions:
    function_name: str
    tenant_id: str | None = None
    x_amzn_trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class OperationUpdate:
    """One entry of a checkpoint batch."""

    operation_id: str
    operation_type: OperationType
    action: OperationAction
    parent_id: str | None = None
    name: str | None = None
    sub_type: str | None = None
    payload: str | None = None
    error: ErrorObject | None = None
    context_options: ContextOptions | None = None
    step_options: StepOptions | None = None
    wait_options: WaitOptions | None = None
    callback_options: CallbackOptions | None = None
    chained_invoke_options: ChainedInvokeOptions | None = None
