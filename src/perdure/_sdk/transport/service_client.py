"""The port between the SDK and the durable-execution service.

`EmbeddedInvocation` is what an in-process runtime hands a `@durable_execution` handler
instead of the Lambda JSON event: the invocation input as model objects, a client that
calls the service directly (no HTTP, no JSON), and the clock the SDK must use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from perdure._clock import Clock, SystemClock
from perdure._model import CheckpointResponse, InvocationInput, OperationUpdate, StateResponse


class DurableServiceClient(Protocol):
    """Checkpoint and state calls of one execution.

    Both raise `perdure.errors.ApiError` subclasses for refused requests; the SDK maps
    them to retryable or fatal errors by code, message and status, exactly as AWS's SDK
    classifies botocore errors.
    """

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse: ...

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> StateResponse: ...


LogSink = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class EmbeddedInvocation:
    """One invocation delivered in-process."""

    input: InvocationInput
    client: DurableServiceClient
    clock: Clock = field(default_factory=SystemClock)
    log_sink: LogSink | None = None
    request_id: str = ""
