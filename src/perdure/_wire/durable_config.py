"""`DurableConfig` as the Lambda API spells it: `{"ExecutionTimeout": seconds,
"RetentionPeriodInDays": days}` (GetDurableExecution, and what a worker tells the
server about the functions it runs)."""

from __future__ import annotations

from typing import Any

from perdure._model.durable_config import (
    DurableConfig,
    check_execution_timeout,
    check_retention_days,
)
from perdure._wire.validation import WireFormatError, join, require_object

_MEMBERS = ("ExecutionTimeout", "RetentionPeriodInDays")


def durable_config_to_json(config: DurableConfig) -> dict[str, Any]:
    """The members that are set."""
    out: dict[str, Any] = {}
    if config.execution_timeout is not None:
        out["ExecutionTimeout"] = config.execution_timeout
    if config.retention_period_in_days is not None:
        out["RetentionPeriodInDays"] = config.retention_period_in_days
    return out


def durable_config_from_json(doc: object, path: str = "DurableConfig") -> DurableConfig:
    body = require_object(doc, path)
    unknown = sorted(set(body) - {*_MEMBERS, "KMSKeyArn"})
    if unknown:
        raise WireFormatError(
            f"{path} has unknown members {unknown}; it takes ExecutionTimeout (seconds) and "
            "RetentionPeriodInDays."
        )
    timeout = body.get("ExecutionTimeout")
    retention = body.get("RetentionPeriodInDays")
    try:
        if timeout is not None:
            check_execution_timeout(timeout, join(path, "ExecutionTimeout"))
        if retention is not None:
            check_retention_days(retention, join(path, "RetentionPeriodInDays"))
    except ValueError as exc:
        raise WireFormatError(f"{exc}.") from None
    return DurableConfig(execution_timeout=timeout, retention_period_in_days=retention)
