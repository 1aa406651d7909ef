"""DurableServiceClient over HTTP, for handlers in remote workers.

It speaks exactly the Lambda wire that `perdure._api` serves and boto3 sends
(`POST /2025-12-01/durable-executions/{arn}/checkpoint`, `GET .../state`, epoch seconds,
the ARN percent-encoded as one path segment), with the shapes of `perdure._wire`, over
the one connection layer (`http_transport`), so a worker needs neither boto3 nor any
server code.

Failures: refusals are the `ApiError`s the service raised, carrying the AWS code,
message and status, so the SDK classifies them as AWS's does (a stale checkpoint token
or a 5xx is worth another invocation, any other 4xx fails the execution). A request
that got no answer is retried with the same `ClientToken`, so the service applies a
checkpoint at most once however often it is sent; after the retries it is reported as
a retryable CheckpointError / GetExecutionStateError.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from urllib.parse import quote

from perdure import _ids
from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._sdk.transport.http_transport import HttpTransport, TransportError
from perdure._wire.checkpoint import (
    checkpoint_request_to_json,
    checkpoint_response_from_json,
    state_response_from_json,
)
from perdure.errors import CheckpointError, DurableApiErrorCategory, GetExecutionStateError

__all__ = ["HttpDurableServiceClient"]

EXECUTIONS = "/2025-12-01/durable-executions/"


@functools.lru_cache(maxsize=256)
def _execution_path(arn: str) -> str:
    """The execution's path, its ARN percent-encoded as one segment: worked out once per
    execution rather than once per checkpoint."""
    return EXECUTIONS + quote(arn, safe="")


class HttpDurableServiceClient:
    """The SDK's service port (`DurableServiceClient`) over Perdure's HTTP API."""

    def __init__(
        self,
        endpoint: str | HttpTransport,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
    ) -> None:
        self.transport = (
            endpoint
            if isinstance(endpoint, HttpTransport)
            else HttpTransport(endpoint, token=token, timeout=timeout, retries=retries)
        )

    def close(self) -> None:
        self.transport.close()

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        # One ClientToken for every attempt of this call: the service answers a repeat
        # with the reply it saved, instead of applying the batch twice.
        body = checkpoint_request_to_json(
            checkpoint_token, updates, client_token or _ids.request_id()
        )
        path = _execution_path(durable_execution_arn) + "/checkpoint"
        try:
            _, doc = self.transport.call("POST", path, body)
        except TransportError as exc:
            raise CheckpointError(str(exc), DurableApiErrorCategory.INVOCATION) from exc
        return checkpoint_response_from_json(doc or {}, time_unit="s")

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> StateResponse:
        query = {"CheckpointToken": checkpoint_token, "MaxItems": str(max_items)}
        if marker:
            query["Marker"] = marker
        path = _execution_path(durable_execution_arn) + "/state"
        try:
            _, doc = self.transport.call("GET", path, query=query)
        except TransportError as exc:
            raise GetExecutionStateError(str(exc), DurableApiErrorCategory.INVOCATION) from exc
        return state_response_from_json(doc or {}, time_unit="s")
