"""Request and response shapes between the handler side and the service."""

from __future__ import annotations

from dataclasses import dataclass, field

from perdure._model.enums import InvocationStatus
from perdure._model.operations import ErrorObject, Operation


@dataclass(frozen=True, slots=True)
class CheckpointResponse:
    """`checkpoint_token` is None when the token was revoked or the execution ended."""

    checkpoint_token: str | None
    operations: list[Operation]
    next_marker: str | None = None


@dataclass(frozen=True, slots=True)
class StateResponse:
    operations: list[Operation]
    next_marker: str | None = None


@dataclass(frozen=True, slots=True)
class InvocationInput:
    """What the service hands a handler for one invocation (the Lambda event)."""

    durable_execution_arn: str
    checkpoint_token: str
    operations: list[Operation]
    next_marker: str | None = None
    updated_operation_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class InvocationOutput:
    status: InvocationStatus
    result: str | None = None
    error: ErrorObject | None = None
