"""Execution records as `GetDurableExecution` and `ListDurableExecutionsByFunction` return them.

Both go over HTTP only, so timestamps are epoch seconds. `FunctionArn` is not stored: it
is derived from the execution ARN (the qualified function ARN up to and including the
version), which keeps the two from ever disagreeing.
"""

from __future__ import annotations

from typing import Any

from perdure._model import Execution, ExecutionStatus
from perdure._model.durable_config import DurableConfig
from perdure._wire.arns import function_arn_of
from perdure._wire.durable_config import durable_config_to_json
from perdure._wire.operations import error_to_json
from perdure._wire.timestamps import render_timestamp

# Statuses whose GetDurableExecution response carries `Error` (reference §4.2).
ERROR_STATUSES = frozenset(
    {ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.STOPPED}
)


def execution_to_json(ex: Execution, *, include_data: bool = True) -> dict[str, Any]:
    """The `GetDurableExecution` response body.

    `Result` is sent only for SUCCEEDED and `Error` only for FAILED, TIMED_OUT and STOPPED,
    whatever the record holds. With `include_data=False` (`IncludeExecutionData=false`)
    `InputPayload`, `Result` and `Error` are all left out, since the model marks each of
    them as execution data; `ExecutionDataIncluded` tells the caller which case it got.
    """
    out: dict[str, Any] = {
        "DurableExecutionArn": ex.arn,
        "DurableExecutionName": ex.name,
        "FunctionArn": function_arn_of(ex.arn),
    }
    if include_data:
        if ex.input_payload is not None:
            out["InputPayload"] = ex.input_payload
        if ex.status is ExecutionStatus.SUCCEEDED and ex.result is not None:
            out["Result"] = ex.result
        if ex.status in ERROR_STATUSES and ex.error is not None:
            out["Error"] = error_to_json(ex.error)
    out["StartTimestamp"] = render_timestamp(ex.start_timestamp, "s")
    out["Status"] = ex.status.value
    if ex.end_timestamp is not None:
        out["EndTimestamp"] = render_timestamp(ex.end_timestamp, "s")
    out["Version"] = ex.version
    out["ExecutionDataIncluded"] = include_data
    # The function's config as it was when the execution started, which it keeps.
    out["DurableConfig"] = durable_config_to_json(
        DurableConfig(ex.execution_timeout, ex.retention_days)
    )
    return out


def execution_summary_to_json(ex: Execution) -> dict[str, Any]:
    """One item of `ListDurableExecutionsByFunction`'s `DurableExecutions` (shape `Execution`)."""
    out: dict[str, Any] = {
        "DurableExecutionArn": ex.arn,
        "DurableExecutionName": ex.name,
        "FunctionArn": function_arn_of(ex.arn),
        "Status": ex.status.value,
        "StartTimestamp": render_timestamp(ex.start_timestamp, "s"),
    }
    if ex.end_timestamp is not None:
        out["EndTimestamp"] = render_timestamp(ex.end_timestamp, "s")
    return out
