"""The SDK's service client for handlers running in this process: a direct call into
`_service`, no HTTP and no JSON."""

from __future__ import annotations

from collections.abc import Sequence

from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._service import checkpoint as checkpoint_use_case
from perdure._service.context import ServiceContext


class EmbeddedClient:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        return checkpoint_use_case.checkpoint(
            self._ctx, durable_execution_arn, checkpoint_token, updates, client_token
        )

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> StateResponse:
        return checkpoint_use_case.get_state(
            self._ctx, durable_execution_arn, checkpoint_token, marker, max_items
        )
