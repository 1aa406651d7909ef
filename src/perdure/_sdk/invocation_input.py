"""AWS-named invocation input types (`execution` module port).

AWS's testing tools inject a `DurableExecutionInvocationInputWithClient` instead of the
JSON event; accepting the same shape lets such tools drive Perdure handlers. Perdure's
own runtime passes an `EmbeddedInvocation` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perdure._model import InvocationInput, Operation
from perdure._sdk.client import DurableServiceClient
from perdure.errors import BotoClientError

__all__ = [
    "DurableExecutionInvocationInput",
    "DurableExecutionInvocationInputWithClient",
    "InitialExecutionState",
    "handle_checkpoint_error",
]


@dataclass(frozen=True)
class InitialExecutionState:
    operations: list[Operation] = field(default_factory=list)
    next_marker: str = ""


@dataclass(frozen=True)
class DurableExecutionInvocationInput:
    durable_execution_arn: str
    checkpoint_token: str
    initial_execution_state: InitialExecutionState
    updated_operation_ids: list[str] | None = None

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> DurableExecutionInvocationInput:
        from perdure._wire.envelope import invocation_input_from_json

        return cls.from_model(invocation_input_from_json(dict(data)))

    @classmethod
    def from_model(cls, inp: InvocationInput) -> DurableExecutionInvocationInput:
        state = InitialExecutionState(list(inp.operations), inp.next_marker or "")
        return cls(
            inp.durable_execution_arn,
            inp.checkpoint_token,
            state,
            list(inp.updated_operation_ids),
        )

    def to_model(self) -> InvocationInput:
        return InvocationInput(
            self.durable_execution_arn,
            self.checkpoint_token,
            list(self.initial_execution_state.operations),
            self.initial_execution_state.next_marker or None,
            list(self.updated_operation_ids or []),
        )


@dataclass(frozen=True)
class DurableExecutionInvocationInputWithClient(DurableExecutionInvocationInput):
    service_client: DurableServiceClient | None = None


def handle_checkpoint_error(error: BotoClientError) -> dict[str, Any]:
    """A retryable checkpoint error is re-raised (the invocation is retried); any other
    fails the execution."""
    from perdure._sdk.error_mapping import error_object_from_exception, error_object_to_dict

    if error.is_retryable():
        raise error
    return {"Status": "FAILED", "Error": error_object_to_dict(error_object_from_exception(error))}
