"""The execution record."""

from __future__ import annotations

from dataclasses import dataclass

from perdure._model.durable_config import DEFAULT_EXECUTION_TIMEOUT, DEFAULT_RETENTION_DAYS
from perdure._model.enums import ExecutionStatus
from perdure._model.operations import ErrorObject


@dataclass(frozen=True, slots=True)
class Execution:
    arn: str
    execution_id: str
    name: str
    function_name: str
    version: str
    status: ExecutionStatus
    start_timestamp: int
    input_payload: str | None = None
    result: str | None = None
    error: ErrorObject | None = None
    end_timestamp: int | None = None
    execution_timeout: int = DEFAULT_EXECUTION_TIMEOUT
    tenant_id: str | None = None
    parent_arn: str | None = None
    parent_operation_id: str | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    """Days the execution and its history are kept once it has ended."""
    sync_invoke: bool = False
    """Started by a synchronous Invoke (`RequestResponse`): its result may be larger."""
