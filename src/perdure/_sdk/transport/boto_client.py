"""DurableServiceClient over boto3's `lambda` client, for handlers invoked Lambda-style.

Such a handler talks back to the service (Perdure's HTTP API or AWS) with
`CheckpointDurableExecution` and `GetDurableExecutionState`. botocore turns response
timestamps into datetimes and errors into ClientError; this adapter turns them back into
model objects and into BotoClientErrors classified exactly as AWS's SDK does (stale token,
throttling, 5xx, network → retry the invocation; other 4xx → fail the execution).

boto3 is imported lazily and only here, so embedded handlers never need it.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from typing import Any

from perdure._model import CheckpointResponse, Operation, OperationUpdate, StateResponse
from perdure.errors import (
    BotoClientError,
    CheckpointError,
    DurableApiErrorCategory,
    GetExecutionStateError,
)

__all__ = ["BotoDurableServiceClient"]

_CONNECT_TIMEOUT_S = 5
_READ_TIMEOUT_S = 50


class BotoDurableServiceClient:
    def __init__(self, client: Any) -> None:
        self._client = client

    @classmethod
    def create(cls, boto3_client: Any = None) -> BotoDurableServiceClient:
        """Wrap `boto3_client`, or a default `boto3.client("lambda")` configured from the
        environment (AWS_ENDPOINT_URL_LAMBDA, AWS_DEFAULT_REGION, credentials)."""
        if boto3_client is None:
            boto3 = importlib.import_module("boto3")
            config_mod = importlib.import_module("botocore.config")
            config = config_mod.Config(
                connect_timeout=_CONNECT_TIMEOUT_S,
                read_timeout=_READ_TIMEOUT_S,
                user_agent_extra="perdure",
            )
            boto3_client = boto3.client("lambda", config=config)
        return cls(boto3_client)

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        from perdure._wire.operations import update_to_json

        kwargs: dict[str, Any] = {
            "DurableExecutionArn": durable_execution_arn,
            "CheckpointToken": checkpoint_token,
            "Updates": [update_to_json(u) for u in updates],
        }
        if client_token is not None:
            kwargs["ClientToken"] = client_token
        try:
            response = self._client.checkpoint_durable_execution(**kwargs)
        except Exception as exc:
            raise _classify(exc, CheckpointError) from exc
        state = response.get("NewExecutionState") or {}
        return CheckpointResponse(
            checkpoint_token=response.get("CheckpointToken") or None,
            operations=_operations(state.get("Operations") or []),
            next_marker=state.get("NextMarker") or None,
        )

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> StateResponse:
        try:
            response = self._client.get_durable_execution_state(
                DurableExecutionArn=durable_execution_arn,
                CheckpointToken=checkpoint_token,
                Marker=marker,
                MaxItems=max_items,
            )
        except Exception as exc:
            raise _classify(exc, GetExecutionStateError) from exc
        return StateResponse(
            operations=_operations(response.get("Operations") or []),
            next_marker=response.get("NextMarker") or None,
        )


def _operations(raw: list[Any]) -> list[Operation]:
    from perdure._wire.operations import operation_from_json

    return [operation_from_json(_plain(op), time_unit="s") for op in raw]


def _plain(value: Any) -> Any:
    """botocore's parsed response with datetimes back as epoch seconds."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _classify(exc: Exception, cls: type[BotoClientError]) -> BotoClientError:
    """A botocore ClientError by code/message/status; anything else (connection errors,
    timeouts) is worth another invocation."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return cls(f"{type(exc).__name__}: {exc}", DurableApiErrorCategory.INVOCATION)
    error = response.get("Error") or {}
    metadata = response.get("ResponseMetadata") or {}
    code = error.get("Code")
    message = error.get("Message")
    status = metadata.get("HTTPStatusCode")
    category = BotoClientError.classify(code, message, status)
    return cls(f"{code}: {message}", category, dict(error), dict(metadata))
