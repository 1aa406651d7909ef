"""AWS-named invocation input types (`execution` module port).

AWS's testing tools inject a `DurableExecutionInvocationInputWithClient` instead of the
JSON event; accepting the same shape lets such tools drive Perdure handlers. Perdure's
own runtime passes an `EmbeddedInvocation` instead.

Two dictionary forms, as in AWS's SDK: `*_json_dict` is the Lambda event (timestamps in
epoch milliseconds), `*_dict` the boto3 form (timestamps as `datetime`). Both are read
and written by the wire layer, so they validate exactly as the event does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perdure._model import InvocationInput, Operation
from perdure._sdk.error_mapping import error_object_from_exception, error_object_to_dict
from perdure._sdk.transport.service_client import DurableServiceClient
from perdure._wire.envelope import invocation_input_from_json, invocation_input_to_json
from perdure.errors import BotoClientError

__all__ = [
    "DurableExecutionInvocationInput",
    "DurableExecutionInvocationInputWithClient",
    "InitialExecutionState",
    "handle_checkpoint_error",
]

# An envelope around a bare state, so the state parses exactly as inside an event.
_PLACEHOLDER = {"DurableExecutionArn": "-", "CheckpointToken": "-"}


def _datetimes_to_ms(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return round(value.timestamp() * 1000)
    if isinstance(value, Mapping):
        return {k: _datetimes_to_ms(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_datetimes_to_ms(v) for v in value]
    return value


def _ms_to_datetimes(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: dt.datetime.fromtimestamp(v / 1000, dt.UTC)
            if k.endswith("Timestamp") and isinstance(v, int | float)
            else _ms_to_datetimes(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_ms_to_datetimes(v) for v in value]
    return value


@dataclass(frozen=True)
class InitialExecutionState:
    operations: list[Operation]
    next_marker: str

    @staticmethod
    def from_dict(input_dict: Mapping[str, Any]) -> InitialExecutionState:
        return InitialExecutionState.from_json_dict(_datetimes_to_ms(input_dict))

    @staticmethod
    def from_json_dict(input_dict: Mapping[str, Any]) -> InitialExecutionState:
        model = invocation_input_from_json({**_PLACEHOLDER, "InitialExecutionState": input_dict})
        return InitialExecutionState(list(model.operations), model.next_marker or "")

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = _ms_to_datetimes(self.to_json_dict())
        return result

    def to_json_dict(self) -> dict[str, Any]:
        model = InvocationInput("-", "-", list(self.operations), self.next_marker or None, [])
        state: dict[str, Any] = invocation_input_to_json(model)["InitialExecutionState"]
        return state


@dataclass(frozen=True)
class DurableExecutionInvocationInput:
    durable_execution_arn: str
    checkpoint_token: str
    initial_execution_state: InitialExecutionState
    updated_operation_ids: list[str] = field(default_factory=list, kw_only=True)

    @staticmethod
    def from_dict(input_dict: Mapping[str, Any]) -> DurableExecutionInvocationInput:
        return DurableExecutionInvocationInput.from_json_dict(_datetimes_to_ms(input_dict))

    @staticmethod
    def from_json_dict(input_dict: Mapping[str, Any]) -> DurableExecutionInvocationInput:
        return DurableExecutionInvocationInput.from_model(invocation_input_from_json(input_dict))

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = _ms_to_datetimes(self.to_json_dict())
        return result

    def to_json_dict(self) -> dict[str, Any]:
        return invocation_input_to_json(self.to_model())

    @classmethod
    def from_model(cls, inp: InvocationInput) -> DurableExecutionInvocationInput:
        state = InitialExecutionState(list(inp.operations), inp.next_marker or "")
        return cls(
            inp.durable_execution_arn,
            inp.checkpoint_token,
            state,
            updated_operation_ids=list(inp.updated_operation_ids),
        )

    def to_model(self) -> InvocationInput:
        return InvocationInput(
            self.durable_execution_arn,
            self.checkpoint_token,
            list(self.initial_execution_state.operations),
            self.initial_execution_state.next_marker or None,
            list(self.updated_operation_ids),
        )


@dataclass(frozen=True)
class DurableExecutionInvocationInputWithClient(DurableExecutionInvocationInput):
    """An invocation input that brings the service client to checkpoint through."""

    service_client: DurableServiceClient

    @staticmethod
    def from_durable_execution_invocation_input(
        invocation_input: DurableExecutionInvocationInput,
        service_client: DurableServiceClient,
    ) -> DurableExecutionInvocationInputWithClient:
        return DurableExecutionInvocationInputWithClient(
            invocation_input.durable_execution_arn,
            invocation_input.checkpoint_token,
            invocation_input.initial_execution_state,
            service_client,
            updated_operation_ids=list(invocation_input.updated_operation_ids),
        )


def handle_checkpoint_error(error: BotoClientError) -> dict[str, Any]:
    """A retryable checkpoint error is re-raised (the invocation is retried); any other
    fails the execution."""
    if error.is_retryable():
        raise error
    return {"Status": "FAILED", "Error": error_object_to_dict(error_object_from_exception(error))}
